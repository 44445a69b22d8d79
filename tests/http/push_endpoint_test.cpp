// The push endpoint's parsing, table-driven: what it takes (a signed bill notice, a signed
// instruction result) and the explicit list of what it refuses, with the status and reason
// each gets; then the answers and the handler around an apply function.
#include "gateway/push_endpoint.h"

#include <gtest/gtest.h>

#include <functional>
#include <optional>

#include "gateway/backend_wire.h"

namespace smsgw::gateway {
namespace {

constexpr int64_t kNow = 1700000000;
const std::string kKeyId = "bank-1";

std::string PushKey() {
  return std::string(32, 'p');
}

SignatureVerifier Verifier() {
  SignatureVerifier v;
  v.AddKey(kKeyId, store::SecretBytes(PushKey()));
  return v;
}

// A push signed as a bank would sign it.
struct Push {
  std::string body;
  std::string key;  // Idempotency-Key; empty: no header
  int64_t ts = kNow;
  std::string method = "POST";
  std::string content_type = "application/json";
  std::string sign_with = PushKey();
  bool signed_ = true;
};

HttpRequest Build(const Push& p) {
  HttpRequest req;
  req.method = p.method;
  req.path = std::string(kPushPath);
  req.body = p.body;
  if (!p.content_type.empty()) req.headers["content-type"] = p.content_type;
  if (!p.key.empty()) req.headers["idempotency-key"] = p.key;
  if (p.signed_) {
    RequestSigner signer(kKeyId, store::SecretBytes(p.sign_with));
    SignedParts parts{p.method, req.path, 0, p.key, p.body};
    req.headers["x-smsgw-signature"] = signer.Sign(parts, p.ts);
  }
  return req;
}

const std::string kNotice =
    R"({"type":"bill_notice","notice_id":"N-2023-11-0001","msisdn":"254712345678",)"
    R"("biller":"KPLC","bill_ref":"ACC-88231","amount":150000,"due":"30 Nov",)"
    R"("short_code":"22222","language":"sw"})";

std::string Notice(const std::string& replace_from, const std::string& replace_to) {
  std::string s = kNotice;
  auto at = s.find(replace_from);
  if (at != std::string::npos) s.replace(at, replace_from.size(), replace_to);
  return s;
}

TEST(ParsePushTest, SignedBillNotice) {
  auto out = ParsePush(Build({kNotice, "N-2023-11-0001"}), Verifier(), kNow);
  ASSERT_TRUE(std::holds_alternative<PushMessage>(out)) << std::get<PushError>(out).message;
  const auto& notice = std::get<PushedNotice>(std::get<PushMessage>(out));
  EXPECT_EQ(notice.notice_id, "N-2023-11-0001");
  EXPECT_EQ(notice.notice.msisdn, "254712345678");
  EXPECT_EQ(notice.notice.biller, "KPLC");
  EXPECT_EQ(notice.notice.bill_ref, "ACC-88231");
  EXPECT_EQ(notice.notice.amount_minor, 150000);
  EXPECT_EQ(notice.notice.due, "30 Nov");
  EXPECT_EQ(notice.notice.short_code, "22222");
  EXPECT_EQ(notice.notice.language, "sw");
}

TEST(ParsePushTest, SignedInstructionResults) {
  const std::string accepted =
      R"({"type":"instruction_result","instruction_id":"01HF8Y5K3M2QABCDEFGHJKMNPQ",)"
      R"("status":"accepted","result":{"transaction_code":"QK7AB3XYZ2","balance":2350000},)"
      R"("statement":[{"transaction_code":"QK7AB3XYZ2","time":1700000000,"kind":"transfer",)"
      R"("amount":-150000,"balance_after":2350000}]})";
  auto a = ParsePush(Build({accepted, "01HF8Y5K3M2QABCDEFGHJKMNPQ"}), Verifier(), kNow + 299);
  ASSERT_TRUE(std::holds_alternative<PushMessage>(a)) << std::get<PushError>(a).message;
  const auto& ra = std::get<PushedResult>(std::get<PushMessage>(a));
  EXPECT_EQ(ra.instruction_id, "01HF8Y5K3M2QABCDEFGHJKMNPQ");
  ASSERT_TRUE(ra.result.accepted());
  EXPECT_EQ(commands::FindInt(ra.result.fields, "balance"), 2350000);
  ASSERT_EQ(ra.result.statement.size(), 1u);
  EXPECT_EQ(ra.result.statement[0].amount, -150000);

  const std::string rejected =
      R"({"type":"instruction_result","instruction_id":"ins-2","status":"rejected",)"
      R"("reason":"insufficient_funds"})";
  auto r = ParsePush(Build({rejected, "ins-2"}), Verifier(), kNow);
  ASSERT_TRUE(std::holds_alternative<PushMessage>(r)) << std::get<PushError>(r).message;
  const auto& rr = std::get<PushedResult>(std::get<PushMessage>(r));
  ASSERT_TRUE(rr.result.rejected());
  EXPECT_EQ(rr.result.reason, "insufficient_funds");
}

// The worked example of docs/backend-api.md ("Push endpoint"), computed with the openssl
// command line, independently of this code.
TEST(ParsePushTest, DocumentedExample) {
  std::string key;
  for (int i = 0; i < 32; ++i) key.push_back(static_cast<char>(i));
  auto k = store::Key::FromBytes(key);
  ASSERT_TRUE(k.ok());
  ASSERT_EQ(k->id(), "e9d71352");
  SignatureVerifier verifier;
  verifier.AddKey(*k);
  HttpRequest req;
  req.method = "POST";
  req.path = "/v1/push";
  req.headers["content-type"] = "application/json";
  req.headers["idempotency-key"] = "N-2023-11-0001";
  req.headers["x-smsgw-signature"] =
      "keyId=e9d71352,ts=1700000100,"
      "sig=c5aae9560c24c2913cc8b06b4ae7e1f52a4b84e671fda8286c6211795f2dcd98";
  req.body = R"({"type":"bill_notice","notice_id":"N-2023-11-0001","msisdn":"254712345678",)"
             R"("biller":"KPLC","bill_ref":"ACC-88231","amount":150000,"due":"30 Nov"})";
  auto out = ParsePush(req, verifier, 1700000100);
  ASSERT_TRUE(std::holds_alternative<PushMessage>(out)) << std::get<PushError>(out).message;
  EXPECT_EQ(std::get<PushedNotice>(std::get<PushMessage>(out)).notice.amount_minor, 150000);
  HttpResponse answer = PushAnswer(PushOutcome::kQueued);
  SignPushAnswer(answer, req, RequestSigner::FromKey(*k), 1700000101);
  ASSERT_EQ(answer.headers.size(), 1u);
  EXPECT_EQ(answer.headers[0].second,
            "keyId=e9d71352,ts=1700000101,"
            "sig=e6422d18549fe400157d64b6f976c9ee6e52cc1792b652a6d8888c3e227121dc");
}

TEST(ParsePushTest, ContentTypeParametersAreAllowed) {
  Push p{kNotice, "N-2023-11-0001"};
  p.content_type = "Application/JSON; charset=utf-8";
  EXPECT_TRUE(std::holds_alternative<PushMessage>(ParsePush(Build(p), Verifier(), kNow)));
}

struct Refused {
  const char* name;
  std::function<HttpRequest()> request;
  int status;
  const char* reason;
  const char* message_has;  // a substring the message must contain ("" for none)
};

HttpRequest With(Push p, const std::function<void(Push&)>& edit) {
  edit(p);
  return Build(p);
}

HttpRequest Tampered(const std::function<void(HttpRequest&)>& edit) {
  HttpRequest req = Build({kNotice, "N-2023-11-0001"});
  edit(req);
  return req;
}

TEST(ParsePushTest, NothingElseIsAccepted) {
  const Push good{kNotice, "N-2023-11-0001"};
  const std::string bad_msisdn = "+254712345678";
  const std::vector<Refused> cases = {
      {"no signature", [&] { return With(good, [](Push& p) { p.signed_ = false; }); }, 401,
       "missing_signature", ""},
      {"other key", [&] { return With(good, [](Push& p) { p.sign_with = std::string(32, 'x'); }); },
       401, "bad_signature", ""},
      {"stale", [&] { return With(good, [](Push& p) { p.ts = kNow - 301; }); }, 401,
       "stale_timestamp", ""},
      {"from the future", [&] { return With(good, [](Push& p) { p.ts = kNow + 301; }); }, 401,
       "stale_timestamp", ""},
      {"body altered", [] { return Tampered([](HttpRequest& r) { r.body[r.body.size() - 2]++; }); },
       401, "bad_signature", ""},
      {"key altered",
       [] { return Tampered([](HttpRequest& r) { r.headers["idempotency-key"] = "N-other"; }); },
       401, "bad_signature", ""},
      {"malformed header",
       [] { return Tampered([](HttpRequest& r) { r.headers["x-smsgw-signature"] = "sig=abc"; }); },
       401, "malformed_signature", ""},
      {"GET", [&] { return With(good, [](Push& p) { p.method = "GET"; }); }, 405,
       "method_not_allowed", ""},
      {"text/plain", [&] { return With(good, [](Push& p) { p.content_type = "text/plain"; }); },
       415, "unsupported_media_type", ""},
      {"no content type", [&] { return With(good, [](Push& p) { p.content_type.clear(); }); }, 415,
       "unsupported_media_type", ""},
      {"truncated JSON",
       [&] {
         return With(good, [](Push& p) { p.body = R"({"type":"bill_notice","msisdn":"2547)"; });
       },
       400, "bad_json", "at byte"},
      {"array", [&] { return With(good, [](Push& p) { p.body = "[1,2]"; }); }, 400, "bad_json",
       "object"},
      {"no type",
       [&] { return With(good, [](Push& p) { p.body = Notice("\"type\":", "\"kind\":"); }); }, 400,
       "missing_field", "type"},
      {"unknown type",
       [&] { return With(good, [](Push& p) { p.body = Notice("bill_notice", "promo"); }); }, 400,
       "unknown_type", ""},
      {"no msisdn",
       [&] { return With(good, [](Push& p) { p.body = Notice("\"msisdn\"", "\"phone\""); }); }, 400,
       "missing_field", "msisdn"},
      {"msisdn with +",
       [&] {
         return With(
             good, [&](Push& p) { p.body = Notice("\"254712345678\"", "\"" + bad_msisdn + "\""); });
       },
       400, "invalid_field", "msisdn"},
      {"no amount",
       [&] { return With(good, [](Push& p) { p.body = Notice("\"amount\":150000,", ""); }); }, 400,
       "missing_field", "amount"},
      {"amount as text",
       [&] { return With(good, [](Push& p) { p.body = Notice("150000", "\"150000\""); }); }, 400,
       "invalid_field", "amount"},
      {"fractional amount",
       [&] { return With(good, [](Push& p) { p.body = Notice("150000", "1500.5"); }); }, 400,
       "invalid_field", "amount"},
      {"zero amount", [&] { return With(good, [](Push& p) { p.body = Notice("150000", "0"); }); },
       400, "invalid_field", "amount"},
      {"empty biller",
       [&] { return With(good, [](Push& p) { p.body = Notice("\"KPLC\"", "\"\""); }); }, 400,
       "invalid_field", "biller"},
      {"notice id with a space",
       [&] {
         return With(good, [](Push& p) {
           p.body = Notice("N-2023-11-0001", "N 1");
           p.key = "N1";
         });
       },
       400, "invalid_field", "notice_id"},
      {"no Idempotency-Key", [&] { return With(good, [](Push& p) { p.key.clear(); }); }, 400,
       "missing_idempotency_key", ""},
      {"Idempotency-Key of another notice",
       [&] { return With(good, [](Push& p) { p.key = "N-2023-11-0002"; }); }, 400,
       "idempotency_key_mismatch", ""},
      {"result without an instruction id",
       [] {
         return Build({R"({"type":"instruction_result","status":"accepted"})", "ins-1"});
       },
       400, "missing_field", "instruction_id"},
      {"result without a status",
       [] {
         return Build({R"({"type":"instruction_result","instruction_id":"ins-1"})", "ins-1"});
       },
       400, "missing_field", "status"},
      {"pending result",
       [] {
         return Build(
             {R"({"type":"instruction_result","instruction_id":"ins-1","status":"pending"})",
              "ins-1"});
       },
       400, "invalid_field", ""},
      {"rejection without a reason",
       [] {
         return Build(
             {R"({"type":"instruction_result","instruction_id":"ins-1","status":"rejected"})",
              "ins-1"});
       },
       400, "invalid_field", ""},
      {"fractional result",
       [] {
         return Build({R"({"type":"instruction_result","instruction_id":"ins-1",)"
                       R"("status":"accepted","result":{"balance":1.5}})",
                       "ins-1"});
       },
       400, "invalid_field", ""},
      {"statement line without an amount",
       [] {
         return Build({R"({"type":"instruction_result","instruction_id":"ins-1",)"
                       R"("status":"accepted","statement":[{"transaction_code":"Q",)"
                       R"("time":1,"kind":"transfer","balance_after":0}]})",
                       "ins-1"});
       },
       400, "invalid_field", "statement"},
  };
  for (const Refused& c : cases) {
    auto out = ParsePush(c.request(), Verifier(), kNow);
    ASSERT_TRUE(std::holds_alternative<PushError>(out)) << c.name << ": accepted";
    const PushError& e = std::get<PushError>(out);
    EXPECT_EQ(e.http_status, c.status) << c.name;
    EXPECT_EQ(e.reason, c.reason) << c.name;
    EXPECT_NE(e.message.find(c.message_has), std::string::npos) << c.name << ": " << e.message;
    EXPECT_EQ(e.message.find("254712345678"), std::string::npos) << c.name << ": " << e.message;
    EXPECT_EQ(e.message.find(bad_msisdn), std::string::npos) << c.name << ": " << e.message;
  }
}

TEST(PushAnswerTest, BodiesAreTheApisShapes) {
  HttpResponse queued = PushAnswer(PushOutcome::kQueued);
  EXPECT_EQ(queued.status, 200);
  EXPECT_EQ(queued.body, R"({"status":"queued"})");
  EXPECT_EQ(PushAnswer(PushOutcome::kDuplicate).body, R"({"status":"duplicate"})");
  HttpResponse refused = PushRefusal({400, "missing_field", "msisdn is required"});
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.content_type.find("application/json"), std::string::npos);
  WireError e = DecodeError(refused.body);
  EXPECT_EQ(e.code, "missing_field");
  EXPECT_EQ(e.message, "msisdn is required");
}

TEST(PushAnswerTest, SignedAnswerVerifiesAsAnAnswerToThatPush) {
  HttpRequest req = Build({kNotice, "N-2023-11-0001"});
  HttpResponse answer = PushAnswer(PushOutcome::kQueued);
  SignPushAnswer(answer, req, RequestSigner(kKeyId, store::SecretBytes(PushKey())), kNow);
  ASSERT_EQ(answer.headers.size(), 1u);
  EXPECT_EQ(answer.headers[0].first, kSignatureHeader);
  SignedParts parts{"POST", kPushPath, 200, "N-2023-11-0001", answer.body};
  EXPECT_EQ(Verifier().Verify(answer.headers[0].second, parts, kNow), SignatureCheck::kValid);
  SignedParts other{"POST", kPushPath, 200, "N-2023-11-0002", answer.body};
  EXPECT_EQ(Verifier().Verify(answer.headers[0].second, other, kNow), SignatureCheck::kMismatch);
}

// The handler around a fake apply: what reaches it, and the answer for each of its outcomes.
class PushHandlerTest : public ::testing::Test {
 protected:
  HttpResponse Call(const HttpRequest& req, std::optional<Result<PushOutcome>> outcome) {
    outcome_ = std::move(outcome);
    HttpHandler handler = MakePushHandler(
        std::make_shared<SignatureVerifier>(Verifier()),
        std::make_shared<RequestSigner>(kKeyId, store::SecretBytes(PushKey())), [] { return kNow; },
        [this](PushMessage message, std::function<void(Result<PushOutcome>)> done) {
          applied_.push_back(std::move(message));
          done(*outcome_);
        });
    std::optional<HttpResponse> answer;
    handler(req, [&](HttpResponse r) { answer = std::move(r); });
    EXPECT_TRUE(answer.has_value());
    return answer.value_or(HttpResponse{});
  }

  std::optional<Result<PushOutcome>> outcome_;
  std::vector<PushMessage> applied_;
};

TEST_F(PushHandlerTest, AppliesAVerifiedPushAndSignsTheAnswer) {
  HttpResponse r = Call(Build({kNotice, "N-2023-11-0001"}), PushOutcome::kQueued);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"queued"})");
  ASSERT_EQ(applied_.size(), 1u);
  ASSERT_EQ(r.headers.size(), 1u);
  SignedParts parts{"POST", kPushPath, 200, "N-2023-11-0001", r.body};
  EXPECT_EQ(Verifier().Verify(r.headers[0].second, parts, kNow), SignatureCheck::kValid);
  EXPECT_EQ(Call(Build({kNotice, "N-2023-11-0001"}), PushOutcome::kDuplicate).body,
            R"({"status":"duplicate"})");
}

TEST_F(PushHandlerTest, RefusedPushNeverReachesApply) {
  Push p{kNotice, "N-2023-11-0001"};
  p.sign_with = std::string(32, 'x');
  HttpResponse r = Call(Build(p), PushOutcome::kQueued);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(DecodeError(r.body).code, "bad_signature");
  EXPECT_TRUE(applied_.empty());
}

TEST_F(PushHandlerTest, ApplyFailuresBecomeStatuses) {
  HttpRequest req = Build({kNotice, "N-2023-11-0001"});
  HttpResponse missing = Call(req, Result<PushOutcome>(Status::NotFound("no such instruction")));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(DecodeError(missing.body).code, "not_found");
  HttpResponse busy = Call(req, Result<PushOutcome>(Status::Unavailable("database is locked")));
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(DecodeError(busy.body).code, "unavailable");
  EXPECT_EQ(busy.body.find("locked"), std::string::npos);  // store details stay inside
}

}  // namespace
}  // namespace smsgw::gateway
