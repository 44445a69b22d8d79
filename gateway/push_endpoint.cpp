#include "gateway/push_endpoint.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "gateway/backend_wire.h"
#include "gateway/http_backend.h"

namespace smsgw::gateway {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxText = 64;
constexpr std::string_view kNoticeType = "bill_notice";
constexpr std::string_view kResultType = "instruction_result";

PushError Bad(std::string reason, std::string message) {
  return PushError{400, std::move(reason), std::move(message)};
}

bool IsJsonContentType(std::string_view value) {
  value = value.substr(0, value.find(';'));
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  constexpr std::string_view kJson = "application/json";
  return value.size() == kJson.size() &&
         std::equal(value.begin(), value.end(), kJson.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

bool IsMsisdn(const std::string& s) {
  return s.size() >= 8 && s.size() <= 15 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Reads members of a JSON object; the first problem is kept and later reads return defaults,
// so a decoder reads everything and checks once.
class Members {
 public:
  explicit Members(const json& j) : j_(j) {}

  std::string Text(const char* name, bool required) {
    auto it = j_.find(name);
    if (it == j_.end()) {
      if (required) Fail("missing_field", std::string(name) + " is required");
      return {};
    }
    if (!it->is_string()) {
      Fail("invalid_field", std::string(name) + " must be a string");
      return {};
    }
    const auto& s = it->get_ref<const std::string&>();
    if (required && s.empty()) Fail("invalid_field", std::string(name) + " must not be empty");
    if (s.size() > kMaxText) {
      Fail("invalid_field", std::string(name) + " is longer than " + std::to_string(kMaxText));
    }
    return s;
  }

  // A wire id: the message's id, equal to its Idempotency-Key.
  std::string Id(const char* name) {
    std::string id = Text(name, true);
    if (!id.empty() && !IsWireId(id)) {
      Fail("invalid_field", std::string(name) + " must be 1-128 characters of [A-Za-z0-9._:-]");
    }
    return id;
  }

  int64_t PositiveInt(const char* name) {
    auto it = j_.find(name);
    if (it == j_.end()) {
      Fail("missing_field", std::string(name) + " is required");
      return 0;
    }
    bool fits = it->is_number_integer() &&
                (!it->is_number_unsigned() ||
                 it->get<uint64_t>() <= uint64_t{std::numeric_limits<int64_t>::max()});
    if (!fits || it->get<int64_t>() <= 0) {
      Fail("invalid_field", std::string(name) + " must be a positive integer of minor units");
      return 0;
    }
    return it->get<int64_t>();
  }

  void Fail(std::string reason, std::string message) {
    if (!error_) error_ = Bad(std::move(reason), std::move(message));
  }
  const std::optional<PushError>& error() const { return error_; }

 private:
  const json& j_;
  std::optional<PushError> error_;
};

std::variant<PushMessage, PushError> DecodeNotice(const json& j) {
  Members m(j);
  PushedNotice out;
  out.notice_id = m.Id("notice_id");
  commands::BillNotice& n = out.notice;
  n.msisdn = m.Text("msisdn", true);
  if (!n.msisdn.empty() && !IsMsisdn(n.msisdn)) {
    m.Fail("invalid_field", "msisdn must be 8-15 digits, without '+'");
  }
  n.biller = m.Text("biller", true);
  n.bill_ref = m.Text("bill_ref", true);
  n.amount_minor = m.PositiveInt("amount");
  n.due = m.Text("due", false);
  n.short_code = m.Text("short_code", false);
  n.language = m.Text("language", false);
  if (m.error()) return *m.error();
  return PushMessage(std::move(out));
}

std::variant<PushMessage, PushError> DecodeResult(const json& j, std::string_view body) {
  Members m(j);
  PushedResult out;
  out.instruction_id = m.Id("instruction_id");
  m.Text("status", true);
  if (m.error()) return *m.error();
  // The answer's own rules (backend_wire.h): status, result, statement, reason, detail.
  auto answer = DecodeAnswer(body);
  if (!answer.ok()) return Bad("invalid_field", answer.status().message());
  BackendReply reply;
  reply.kind = answer->accepted ? BackendReply::Kind::kAccepted : BackendReply::Kind::kRejected;
  reply.result = std::move(answer->result);
  reply.statement = std::move(answer->statement);
  reply.reason = std::move(answer->reason);
  reply.detail = std::move(answer->detail);
  out.result = ToBackendResult(std::move(reply));
  if (out.result.unavailable()) return Bad("invalid_field", out.result.diagnostic);
  return PushMessage(std::move(out));
}

const std::string& MessageId(const PushMessage& message) {
  if (const auto* n = std::get_if<PushedNotice>(&message)) return n->notice_id;
  return std::get<PushedResult>(message).instruction_id;
}

std::string Target(const HttpRequest& req) {
  return req.query.empty() ? req.path : req.path + "?" + req.query;
}

}  // namespace

std::variant<PushMessage, PushError> ParsePush(const HttpRequest& req,
                                               const SignatureVerifier& verifier,
                                               int64_t now_unix) {
  if (req.method != "POST") return PushError{405, "method_not_allowed", "push with POST"};
  const std::string key = req.Header("idempotency-key");
  const std::string target = Target(req);
  SignedParts parts{req.method, target, 0, key, req.body};
  SignatureCheck check = verifier.Verify(req.Header("x-smsgw-signature"), parts, now_unix);
  if (check != SignatureCheck::kValid) {
    return PushError{401, std::string(SignatureCheckName(check)), "push signature refused"};
  }
  if (!IsJsonContentType(req.Header("content-type"))) {
    return PushError{415, "unsupported_media_type", "Content-Type must be application/json"};
  }
  json j;
  try {
    j = json::parse(req.body);
  } catch (const json::parse_error& e) {
    // The parser's own message quotes the text it read: only the position is reported.
    return Bad("bad_json", "body is not valid JSON (at byte " + std::to_string(e.byte) + ")");
  }
  if (!j.is_object()) return Bad("bad_json", "body must be a JSON object");
  Members m(j);
  std::string type = m.Text("type", true);
  if (m.error()) return *m.error();
  std::variant<PushMessage, PushError> out;
  if (type == kNoticeType) {
    out = DecodeNotice(j);
  } else if (type == kResultType) {
    out = DecodeResult(j, req.body);
  } else {
    return Bad("unknown_type", "type must be bill_notice or instruction_result");
  }
  if (const auto* message = std::get_if<PushMessage>(&out)) {
    if (key.empty()) {
      return Bad("missing_idempotency_key", "Idempotency-Key header is required");
    }
    if (key != MessageId(*message)) {
      return Bad("idempotency_key_mismatch", "Idempotency-Key must equal the message's id");
    }
  }
  return out;
}

HttpResponse PushAnswer(PushOutcome outcome) {
  return HttpResponse::Json(
      200, json{{"status", outcome == PushOutcome::kQueued ? "queued" : "duplicate"}}.dump());
}

HttpResponse PushRefusal(const PushError& error) {
  return HttpResponse::Json(error.http_status, EncodeError({error.reason, error.message}));
}

void SignPushAnswer(HttpResponse& answer, const HttpRequest& req, const RequestSigner& signer,
                    int64_t now_unix) {
  const std::string key = req.Header("idempotency-key");
  const std::string target = Target(req);
  SignedParts parts{req.method, target, answer.status, key, answer.body};
  answer.headers.emplace_back(std::string(kSignatureHeader), signer.Sign(parts, now_unix));
}

HttpHandler MakePushHandler(std::shared_ptr<const SignatureVerifier> verifier,
                            std::shared_ptr<const RequestSigner> signer,
                            std::function<int64_t()> unix_now, PushApply apply) {
  return
      [verifier = std::move(verifier), signer = std::move(signer), unix_now = std::move(unix_now),
       apply = std::move(apply)](const HttpRequest& req, HttpRespond respond) {
        // What signing the answer needs, kept past this call: the request may be gone by then.
        HttpRequest head{req.method, req.path, req.query, {}, {}};
        head.headers["idempotency-key"] = req.Header("idempotency-key");
        auto finish = [signer, unix_now, head = std::move(head),
                       respond = std::move(respond)](HttpResponse answer) {
          if (signer) SignPushAnswer(answer, head, *signer, unix_now());
          respond(std::move(answer));
        };
        auto parsed = ParsePush(req, *verifier, unix_now());
        if (const auto* error = std::get_if<PushError>(&parsed)) return finish(PushRefusal(*error));
        apply(std::move(std::get<PushMessage>(parsed)),
              [finish = std::move(finish)](Result<PushOutcome> outcome) {
                if (outcome.ok()) return finish(PushAnswer(*outcome));
                if (outcome.status().code() == Status::Code::kNotFound) {
                  return finish(PushRefusal({404, "not_found", "nothing awaits this message"}));
                }
                finish(PushRefusal({503, "unavailable", "not taken; send it again later"}));
              });
      };
}

}  // namespace smsgw::gateway
