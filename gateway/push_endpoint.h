// The push endpoint: how the account backend tells the gateway something without being asked,
// a bill notice to send to a subscriber or the outcome of an instruction it answered "later".
// docs/backend-api.md ("Push endpoint") is the bank's side of this.
//
//   POST /v1/push   Content-Type: application/json
//                   Idempotency-Key: <notice_id or instruction_id>
//                   X-Smsgw-Signature: keyId=..,ts=..,sig=..   (request_signing.h, status "-")
//   {"type":"bill_notice","notice_id":"..","msisdn":"..","biller":"..","bill_ref":"..",
//    "amount":150000,"due":"30 Nov","short_code":"..","language":".."}
//   {"type":"instruction_result","instruction_id":"..","status":"accepted","result":{..},
//    "statement":[..]}   or   "status":"rejected","reason":"..","detail":".."
//
// ParsePush authenticates first, so an unsigned caller learns nothing about the body's rules:
// 405 (not a POST), then 401 (the SignatureCheckName as reason), 415 (not JSON by its content
// type), 400
// (bad JSON, a missing or wrong field, an Idempotency-Key that is not the message's id).
// Nothing is queued for a refused push: the caller applies only a PushMessage.
//
// Idempotency by notice id (a repeated notice gets "duplicate", not a second SMS) is the
// store's business, as is matching a result to an instruction awaiting one.
//
// Pure: no I/O, no clock (the caller passes the time). Error messages name fields, never
// their values.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "commands/backend_port.h"
#include "commands/engine.h"
#include "conf/status.h"
#include "gateway/admin_server.h"
#include "gateway/request_signing.h"

namespace smsgw::gateway {

inline constexpr std::string_view kPushPath = "/v1/push";

struct PushedNotice {
  std::string notice_id;  // also the Idempotency-Key; a wire id (backend_wire.h IsWireId)
  commands::BillNotice notice;
};

struct PushedResult {
  std::string instruction_id;      // the instruction this answers; also the Idempotency-Key
  commands::BackendResult result;  // accepted or rejected, never unavailable
};

using PushMessage = std::variant<PushedNotice, PushedResult>;

struct PushError {
  int http_status = 400;  // 405, 401, 415 or 400
  std::string reason;     // machine code: "bad_signature", "bad_json", "missing_field", ...
  std::string message;    // for the backend's operators: names a field, never a value
};

// Verifies and decodes a push. `now_unix` is the wall clock in seconds.
std::variant<PushMessage, PushError> ParsePush(const HttpRequest& req,
                                               const SignatureVerifier& verifier, int64_t now_unix);

enum class PushOutcome {
  kQueued,     // taken: the SMS is queued, or the result recorded
  kDuplicate,  // this notice id (or this instruction's result) was taken before
};

// The answers, JSON: 200 {"status":"queued"} / {"status":"duplicate"}; a refusal carries
// {"error":{"code":"<reason>","message":"..."}}, the error shape of the whole API.
HttpResponse PushAnswer(PushOutcome outcome);
HttpResponse PushRefusal(const PushError& error);

// Signs an answer to `req` the way the backend signs its answers (its status, the request's
// method, target and Idempotency-Key), so the backend can tell the gateway's answer from a
// proxy's.
void SignPushAnswer(HttpResponse& answer, const HttpRequest& req, const RequestSigner& signer,
                    int64_t now_unix);

// What the daemon does with a verified push: applies it (in the store, idempotent by id) and
// calls `done` once, from any thread, with the outcome; NotFound for a result whose instruction
// is not awaiting one (404), any other error for a failure worth retrying (503).
using PushApply =
    std::function<void(PushMessage message, std::function<void(Result<PushOutcome>)> done)>;

// The handler to Route("POST", kPushPath, /*require_token=*/false, ...): ParsePush, then
// `apply`, then the signed answer. `unix_now` is the wall clock.
HttpHandler MakePushHandler(std::shared_ptr<const SignatureVerifier> verifier,
                            std::shared_ptr<const RequestSigner> signer,
                            std::function<int64_t()> unix_now, PushApply apply);

}  // namespace smsgw::gateway
