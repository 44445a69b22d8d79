// The account backend's JSON messages (docs/backend-api.md, "Wire format and signing"): the
// HTTP form of the backend port (commands/backend_port.h).
//
//   request   POST <base>/v1/instructions
//             {"id": "...", "operation": "...", "msisdn": "...", "fields": {...},
//              "pin": "...", "new_pin": "...", "account": "..."}    (secrets only when set)
//   answer    200 {"status": "accepted", "result": {...}, "statement": [...], "replayed": false}
//             200 {"status": "rejected", "reason": "...", "detail": "...", "replayed": false}
//   error     4xx/5xx {"error": {"code": "...", "message": "..."}}
//
// Field and result values are JSON strings or integers (int64; amounts in minor units), never
// fractions. Which fields each operation takes is the port's business; here they are data.
//
// Pure: no I/O. Decoders never throw and never echo values (which may hold account numbers or
// PINs) in their error messages. Secrets are written into the body by hand, never held in a
// JSON tree, and read back into SecretBytes; whoever holds an encoded body wipes it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "conf/status.h"
#include "store/crypto.h"

namespace smsgw::gateway {

inline constexpr std::string_view kInstructionsPath = "/v1/instructions";

struct WireInstruction {
  std::string id;  // the instruction id; also the Idempotency-Key
  std::string operation;
  std::string msisdn;                                // E.164 digits, no '+'
  nlohmann::json fields = nlohmann::json::object();  // name -> string or integer
  store::SecretBytes pin;                            // empty: not sent
  store::SecretBytes new_pin;
  store::SecretBytes account;
};

struct WireAnswer {
  bool accepted = false;
  nlohmann::json result = nlohmann::json::object();    // name -> string or integer (rejected: rare)
  nlohmann::json statement = nlohmann::json::array();  // accepted statement: lines, newest first
  std::string reason;                                  // rejected: a reason code
  std::string detail;                                  // rejected: a short machine token
  bool replayed = false;  // the stored answer to an earlier submission of the same id
};

struct WireError {
  std::string code;  // "bad_signature", "idempotency_conflict", ...; empty when absent
  std::string message;
};

// Whether `id` can be an instruction id on the wire: 1-128 characters of [A-Za-z0-9._:-]
// (narrower than the port allows, so it is safe in a header and in a URL).
bool IsWireId(std::string_view id);

std::string EncodeInstruction(const WireInstruction& instruction);
// InvalidArgument unless: an object; id of 1-128 characters from [A-Za-z0-9._:-]; a non-empty
// operation; msisdn of 1-15 digits; fields absent or an object of strings and integers;
// pin, new_pin and account absent or strings. Unknown members are ignored.
Result<WireInstruction> DecodeInstruction(std::string_view body);

std::string EncodeAnswer(const WireAnswer& answer);
// InvalidArgument unless status is "accepted" (result absent or an object of strings and
// integers, statement absent or an array of objects) or "rejected" (reason a non-empty
// string, detail absent or a string); replayed absent or a boolean.
Result<WireAnswer> DecodeAnswer(std::string_view body);

std::string EncodeError(const WireError& error);
// Best effort: an error body in another shape gives an empty code.
WireError DecodeError(std::string_view body);

}  // namespace smsgw::gateway
