// Fuzzes the push endpoint (gateway/push_endpoint.h): ParsePush and the handler around it, on
// requests whose parts come from the input. Most inputs are signed with the endpoint's key, as
// the bank would sign them, so the fuzzer reaches the body's rules and not only the signature
// check.
//
// Input: byte 0 holds flags (sign it, POST or another method, the content type, a stale
// timestamp, how the store answers), byte 1 the Idempotency-Key's length, then the key, then
// the body. Besides crashes it traps when a property fails:
//   - an unsigned, wrongly signed or stale request is refused 401 (or 405 for another method)
//     and never applied;
//   - a taken push has an Idempotency-Key equal to its id, a wire id, and for a bill notice an
//     MSISDN of 8-15 digits and a positive amount; a result is accepted or rejected;
//   - a refusal is 400, 401, 405 or 415 and quotes no number from the request;
//   - the handler answers exactly once, with the status apply's outcome calls for, signed so
//     the bank's verifier accepts it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/backend_wire.h"
#include "gateway/push_endpoint.h"

namespace smsgw::gateway {
namespace {

constexpr int64_t kNow = 1700000000;
constexpr std::string_view kKeyId = "bank-1";

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

store::SecretBytes PushKey() {
  return store::SecretBytes(std::string(32, 'p'));
}

// A run of six digits or more: what an MSISDN, an account number or an amount looks like.
bool HasNumber(const std::string& text) {
  size_t run = 0;
  for (char c : text) {
    run = (c >= '0' && c <= '9') ? run + 1 : 0;
    if (run >= 6) return true;
  }
  return false;
}

void CheckTaken(const PushMessage& message, const HttpRequest& req) {
  const std::string key = req.Header("idempotency-key");
  if (const auto* n = std::get_if<PushedNotice>(&message)) {
    Check(n->notice_id == key && IsWireId(n->notice_id));
    Check(n->notice.amount_minor > 0);
    Check(n->notice.msisdn.size() >= 8 && n->notice.msisdn.size() <= 15);
    for (char c : n->notice.msisdn) Check(c >= '0' && c <= '9');
  } else {
    const auto& r = std::get<PushedResult>(message);
    Check(r.instruction_id == key && IsWireId(r.instruction_id));
    Check(r.result.accepted() || r.result.rejected());
  }
}

void CheckRefused(const PushError& e, bool authentic) {
  Check(e.http_status == 400 || e.http_status == 401 || e.http_status == 405 ||
        e.http_status == 415);
  if (!authentic) Check(e.http_status == 401 || e.http_status == 405);
  Check(!HasNumber(e.message) && !HasNumber(e.reason));
}

// The handler with an apply that answers as the flags say; checks the answer's status and
// signature.
void RunHandler(const HttpRequest& req, bool taken, int outcome,
                const std::shared_ptr<const SignatureVerifier>& verifier) {
  static const auto kSigner = std::make_shared<const RequestSigner>(std::string(kKeyId), PushKey());
  int applied = 0;
  PushApply apply = [&applied, outcome](PushMessage,
                                        std::function<void(Result<PushOutcome>)> done) {
    ++applied;
    switch (outcome) {
      case 0:
        return done(PushOutcome::kQueued);
      case 1:
        return done(PushOutcome::kDuplicate);
      case 2:
        return done(Status::NotFound("no such instruction"));
      default:
        return done(Status::Unavailable("store busy"));
    }
  };
  HttpHandler handler = MakePushHandler(
      verifier, kSigner, [] { return kNow; }, apply);
  int answers = 0;
  HttpResponse answer;
  handler(req, [&answers, &answer](HttpResponse r) {
    ++answers;
    answer = std::move(r);
  });
  Check(answers == 1 && applied == (taken ? 1 : 0));
  if (taken) {
    static constexpr int kStatus[] = {200, 200, 404, 503};
    Check(answer.status == kStatus[outcome]);
  }
  std::string signature;
  for (const auto& [name, value] : answer.headers) {
    if (name == kSignatureHeader) signature = value;
  }
  const std::string key = req.Header("idempotency-key");
  const std::string target = req.query.empty() ? req.path : req.path + "?" + req.query;
  SignedParts parts{req.method, target, answer.status, key, answer.body};
  Check(verifier->Verify(signature, parts, kNow) == SignatureCheck::kValid);
}

}  // namespace
}  // namespace smsgw::gateway

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace smsgw::gateway;
  static const auto kVerifier = [] {
    auto v = std::make_shared<SignatureVerifier>();
    v->AddKey(std::string(kKeyId), PushKey());
    return std::shared_ptr<const SignatureVerifier>(std::move(v));
  }();
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  const size_t key_size = std::min<size_t>(data[1] % 160, size - 2);
  const bool sign = (flags & 0x03) != 0;  // three inputs in four are signed
  const bool stale = (flags & 0x04) != 0 && (flags & 0x08) != 0;
  const int outcome = (flags >> 4) & 0x03;

  HttpRequest req;
  req.method = (flags & 0x40) ? "PUT" : "POST";
  req.path = std::string(kPushPath);
  if (flags & 0x80) req.query = "x=1";
  req.headers["content-type"] =
      (flags & 0x08) && !(flags & 0x04) ? "text/plain" : "application/json";
  req.headers["idempotency-key"] = std::string(reinterpret_cast<const char*>(data + 2), key_size);
  req.body.assign(reinterpret_cast<const char*>(data + 2 + key_size), size - 2 - key_size);
  const int64_t signed_at = stale ? kNow - 3600 : kNow;
  if (sign) {
    const std::string target = req.query.empty() ? req.path : req.path + "?" + req.query;
    SignedParts parts{req.method, target, 0, req.headers["idempotency-key"], req.body};
    req.headers["x-smsgw-signature"] =
        RequestSigner(std::string(kKeyId), PushKey()).Sign(parts, signed_at);
  } else {
    req.headers["x-smsgw-signature"] = req.headers["idempotency-key"];
  }
  const bool authentic = sign && !stale;

  auto parsed = ParsePush(req, *kVerifier, kNow);
  const bool taken = std::holds_alternative<PushMessage>(parsed);
  if (taken) {
    Check(authentic && req.method == "POST");
    CheckTaken(std::get<PushMessage>(parsed), req);
  } else {
    CheckRefused(std::get<PushError>(parsed), authentic);
  }
  RunHandler(req, taken, outcome, kVerifier);
  return 0;
}
