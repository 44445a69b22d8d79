// HttpBackend, the HTTP adapter of the backend port, against the backend simulator on
// loopback: one attempt per Submit, each HTTP outcome mapped onto accepted / rejected /
// unavailable as docs/backend-api.md says; and the mapping itself, table-driven, for answers
// the simulator does not give.
#include "gateway/http_backend.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <vector>

#include "tests/http/http_test_util.h"

namespace smsgw::gateway {
namespace {

using commands::BackendResult;
using smsgw::test::RunUntil;
using smsgw::test::SimFault;
using std::chrono::milliseconds;

class HttpBackendTest : public ::testing::Test {
 protected:
  void StartAll(conf::HttpBackend cfg = DefaultConfig()) {
    smsgw::test::BackendSimOptions o;
    o.key = smsgw::test::TestKey();
    o.slow_delay = milliseconds(1500);
    sim_ = smsgw::test::StartSim(o);
    ASSERT_NE(sim_, nullptr);
    cfg.url = "http://127.0.0.1:" + std::to_string(sim_->port());
    auto key = store::Key::FromBytes(smsgw::test::TestKey());
    ASSERT_TRUE(key.ok());
    cfg.key_id = key->id();
    auto backend = MakeHttpBackend(io_, cfg, store::SecretBytes(smsgw::test::TestKey()));
    ASSERT_TRUE(backend.ok()) << backend.status().ToString();
    backend_ = std::move(*backend);
  }

  static conf::HttpBackend DefaultConfig() {
    conf::HttpBackend cfg;
    cfg.request_timeout = milliseconds(300);
    cfg.connect_timeout = milliseconds(300);
    cfg.pool_size = 2;
    return cfg;
  }

  void TearDown() override {
    if (backend_) {
      backend_->Stop();
      RunUntil(
          io_, [&] { return backend_->stats().http.open_connections == 0; },
          std::chrono::seconds(10));
      io_.restart();
      io_.poll();
    }
    backend_.reset();
    if (sim_) sim_->Stop();
  }

  // Submits and runs the loop until the completion; also checks it did not run inside Submit.
  BackendResult SubmitOnce(commands::Instruction in) {
    std::optional<BackendResult> result;
    backend_->Submit(std::move(in), [&](BackendResult r) { result = std::move(r); });
    EXPECT_FALSE(result.has_value()) << "completed inside Submit";
    EXPECT_TRUE(RunUntil(io_, [&] { return result.has_value(); }));
    return result ? std::move(*result) : BackendResult::Unavailable("no_completion");
  }

  static commands::Instruction Transfer(const std::string& id, int64_t amount = 1500) {
    commands::Instruction in;
    in.id = id;
    in.operation = "transfer";
    in.msisdn = "254712345678";
    in.fields = {{"amount", amount}, {"recipient", std::string("254798765432")}};
    in.pin = store::SecretBytes("4821");
    return in;
  }

  static commands::Instruction Statement(const std::string& id) {
    commands::Instruction in;
    in.id = id;
    in.operation = "statement";
    in.msisdn = "254712345678";
    in.pin = store::SecretBytes("4821");
    return in;
  }

  boost::asio::io_context io_;
  std::unique_ptr<smsgw::test::BackendSim> sim_;
  std::unique_ptr<HttpBackend> backend_;
};

TEST_F(HttpBackendTest, AcceptedCarriesTheResultAndReplaysAreMarked) {
  StartAll();
  WireAnswer answer;
  answer.accepted = true;
  answer.result = {{"transaction_code", "QK7AB3XYZ2"}, {"amount", 1500}, {"balance", 2350000}};
  sim_->ScriptAnswer("acc-1", answer);
  BackendResult r = SubmitOnce(Transfer("acc-1"));
  ASSERT_TRUE(r.accepted()) << r.detail << " " << r.diagnostic;
  EXPECT_FALSE(r.replayed);
  ASSERT_NE(commands::FindText(r.fields, "transaction_code"), nullptr);
  EXPECT_EQ(*commands::FindText(r.fields, "transaction_code"), "QK7AB3XYZ2");
  EXPECT_EQ(commands::FindInt(r.fields, "amount"), 1500);
  EXPECT_EQ(commands::FindInt(r.fields, "balance"), 2350000);
  BackendResult again = SubmitOnce(Transfer("acc-1"));
  ASSERT_TRUE(again.accepted());
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.fields, r.fields);
  EXPECT_EQ(sim_->stats().applications["acc-1"], 1);
  EXPECT_EQ(backend_->stats().requests_ok, 2u);
  EXPECT_EQ(backend_->stats().requests_failed, 0u);
}

TEST_F(HttpBackendTest, RejectedCarriesTheBackendsReason) {
  StartAll();
  WireAnswer answer;
  answer.reason = "limit_exceeded";
  answer.detail = "daily";
  sim_->ScriptAnswer("rej-1", answer);
  BackendResult r = SubmitOnce(Transfer("rej-1"));
  ASSERT_TRUE(r.rejected());
  EXPECT_EQ(r.reason, "limit_exceeded");
  EXPECT_EQ(r.detail, "daily");
  EXPECT_EQ(backend_->stats().requests_ok, 1u);
}

TEST_F(HttpBackendTest, ServerErrorIsUnavailableAndNothingApplied) {
  StartAll();
  sim_->ScriptFaults("500-1", {SimFault::kError500});
  BackendResult r = SubmitOnce(Transfer("500-1"));
  ASSERT_TRUE(r.unavailable());
  EXPECT_EQ(r.detail, "http_500");
  EXPECT_EQ(sim_->stats().applied, 0u);
  EXPECT_EQ(backend_->stats().requests_failed, 1u);
  // The outbox's next attempt, with the same id, gets through.
  EXPECT_TRUE(SubmitOnce(Transfer("500-1")).accepted());
}

TEST_F(HttpBackendTest, TimeoutIsUnavailable) {
  StartAll();
  sim_->ScriptFaults("slow-1", {SimFault::kSlow});
  BackendResult r = SubmitOnce(Transfer("slow-1"));
  ASSERT_TRUE(r.unavailable());
  EXPECT_EQ(r.detail, "timeout");
  // It was applied before the answer came too late: the retry gets the stored answer.
  BackendResult again = SubmitOnce(Transfer("slow-1"));
  ASSERT_TRUE(again.accepted());
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(sim_->stats().applications["slow-1"], 1);
}

TEST_F(HttpBackendTest, BadAnswerSignatureIsUnavailable) {
  StartAll();
  sim_->ScriptFaults("sig-1", {SimFault::kBadSignature});
  BackendResult r = SubmitOnce(Transfer("sig-1"));
  ASSERT_TRUE(r.unavailable());
  EXPECT_EQ(r.detail, "bad_signature");
  EXPECT_TRUE(r.fields.empty());
}

TEST_F(HttpBackendTest, SameKeyDifferentPayloadIsAnIdempotencyConflict) {
  StartAll();
  ASSERT_TRUE(SubmitOnce(Transfer("dup-1", 1500)).accepted());
  BackendResult r = SubmitOnce(Transfer("dup-1", 9999));
  ASSERT_TRUE(r.rejected());
  EXPECT_EQ(r.reason, commands::reason::kIdempotencyConflict);
  EXPECT_EQ(sim_->stats().conflicts, 1u);
  EXPECT_EQ(sim_->stats().applications["dup-1"], 1);
}

TEST_F(HttpBackendTest, BadRequestIsRejectedAsInvalid) {
  StartAll();
  sim_->ScriptFaults("400-1", {SimFault::kBadRequest400});
  BackendResult r = SubmitOnce(Transfer("400-1"));
  ASSERT_TRUE(r.rejected());
  EXPECT_EQ(r.reason, commands::reason::kInvalidRequest);
  EXPECT_EQ(r.detail, "bad_request");
}

TEST_F(HttpBackendTest, StatementLinesAreMapped) {
  StartAll();
  WireAnswer answer;
  answer.accepted = true;
  answer.result = {{"balance", 2350000}};
  answer.statement = nlohmann::json::array({{{"transaction_code", "QK7AB3XYZ2"},
                                             {"time", 1700000000},
                                             {"kind", "transfer"},
                                             {"amount", -150000},
                                             {"balance_after", 2350000},
                                             {"counterparty", "JANE W"},
                                             {"reference", "254798765432"}},
                                            {{"transaction_code", "QK6AA1XYZ1"},
                                             {"time", 1699990000},
                                             {"kind", "credit"},
                                             {"amount", 2500000},
                                             {"balance_after", 2500000}}});
  sim_->ScriptAnswer("st-1", answer);
  BackendResult r = SubmitOnce(Statement("st-1"));
  ASSERT_TRUE(r.accepted()) << r.detail << " " << r.diagnostic;
  EXPECT_EQ(commands::FindInt(r.fields, "balance"), 2350000);
  ASSERT_EQ(r.statement.size(), 2u);
  const commands::StatementLine& first = r.statement[0];
  EXPECT_EQ(first.transaction_code, "QK7AB3XYZ2");
  EXPECT_EQ(first.time, 1700000000);
  EXPECT_EQ(first.kind, "transfer");
  EXPECT_EQ(first.amount, -150000);
  EXPECT_EQ(first.balance_after, 2350000);
  EXPECT_EQ(first.counterparty, "JANE W");
  EXPECT_EQ(first.reference, "254798765432");
  EXPECT_EQ(r.statement[1].kind, "credit");
  EXPECT_EQ(r.statement[1].amount, 2500000);
  EXPECT_EQ(r.statement[1].counterparty, "");
}

TEST_F(HttpBackendTest, StatementLineWithoutAnAmountIsABadAnswer) {
  StartAll();
  WireAnswer answer;
  answer.accepted = true;
  answer.statement = nlohmann::json::array(
      {{{"transaction_code", "QK7AB3XYZ2"}, {"time", 1700000000}, {"kind", "transfer"}}});
  sim_->ScriptAnswer("st-2", answer);
  BackendResult r = SubmitOnce(Statement("st-2"));
  ASSERT_TRUE(r.unavailable());
  EXPECT_EQ(r.detail, "bad_answer");
}

TEST_F(HttpBackendTest, MalformedInstructionIsRejectedWithoutARequest) {
  StartAll();
  commands::Instruction no_pin = Transfer("inv-1");
  no_pin.pin = store::SecretBytes();
  BackendResult a = SubmitOnce(std::move(no_pin));
  ASSERT_TRUE(a.rejected());
  EXPECT_EQ(a.reason, commands::reason::kInvalidRequest);
  EXPECT_EQ(a.detail, "pin");
  // Printable, so the port takes it; not a wire id.
  BackendResult b = SubmitOnce(Transfer("inv/2"));
  ASSERT_TRUE(b.rejected());
  EXPECT_EQ(b.detail, "id");
  EXPECT_EQ(sim_->stats().requests, 0u);
}

// A batch is encoded and sent on the loop's thread: nothing happens inside SubmitBatch, and each
// instruction gets its own answer under its own index, as Submit would give it.
TEST_F(HttpBackendTest, BatchAnswersEachInstructionUnderItsIndex) {
  StartAll();
  WireAnswer refused;
  refused.reason = "limit_exceeded";
  sim_->ScriptAnswer("bat-3", refused);
  commands::Instruction no_pin = Transfer("bat-2");
  no_pin.pin = store::SecretBytes();
  std::vector<commands::Instruction> batch;
  batch.push_back(Transfer("bat-1"));
  batch.push_back(std::move(no_pin));
  batch.push_back(Transfer("bat-3"));
  std::map<size_t, BackendResult> answers;
  int calls = 0;
  backend_->SubmitBatch(std::move(batch), [&](size_t i, BackendResult r) {
    ++calls;
    answers.emplace(i, std::move(r));
  });
  EXPECT_EQ(calls, 0) << "completed inside SubmitBatch";
  EXPECT_EQ(sim_->stats().requests, 0u) << "sent inside SubmitBatch";
  ASSERT_TRUE(RunUntil(io_, [&] { return calls == 3; }));
  EXPECT_EQ(answers.size(), 3u);
  EXPECT_TRUE(answers.at(0).accepted()) << answers.at(0).detail;
  ASSERT_TRUE(answers.at(1).rejected());
  EXPECT_EQ(answers.at(1).detail, "pin");
  ASSERT_TRUE(answers.at(2).rejected());
  EXPECT_EQ(answers.at(2).reason, "limit_exceeded");
  EXPECT_EQ(sim_->stats().requests, 2u);
}

// The adapter may go before the loop has taken a batch handed to it (a daemon stopping): what
// the loop's handler holds keeps the client alive for it, and each instruction is answered
// once, unavailable ("shutdown") as a stopped adapter answers, to be asked again with the same
// id at the next start.
TEST_F(HttpBackendTest, BatchHandedOverBeforeTheAdapterGoesIsAnsweredOnce) {
  StartAll();
  std::vector<commands::Instruction> batch;
  batch.push_back(Transfer("gone-1"));
  batch.push_back(Transfer("gone-2"));
  std::map<size_t, BackendResult> answers;
  int calls = 0;
  backend_->SubmitBatch(std::move(batch), [&](size_t i, BackendResult r) {
    ++calls;
    answers.emplace(i, std::move(r));
  });
  backend_.reset();
  ASSERT_TRUE(RunUntil(io_, [&] { return calls == 2; }));
  io_.restart();
  io_.poll();
  EXPECT_EQ(calls, 2);
  for (size_t i = 0; i < 2; ++i) {
    ASSERT_EQ(answers.count(i), 1u);
    EXPECT_TRUE(answers.at(i).unavailable());
    EXPECT_EQ(answers.at(i).detail, "shutdown");
  }
}

TEST_F(HttpBackendTest, OpenCircuitBreakerFailsAtOnce) {
  conf::HttpBackend cfg = DefaultConfig();
  cfg.circuit_breaker_threshold = 2;
  cfg.circuit_breaker_open_time = std::chrono::minutes(5);
  StartAll(cfg);
  EXPECT_EQ(backend_->MaySend().calls, commands::SendPermit::kAny);
  sim_->ScriptFaults("cb-1", {SimFault::kError500, SimFault::kError500});
  BackendResult sent = SubmitOnce(Transfer("cb-1"));
  EXPECT_EQ(sent.detail, "http_500");
  EXPECT_FALSE(sent.not_sent) << "a request left: the attempt counts";
  EXPECT_EQ(SubmitOnce(Transfer("cb-1")).detail, "http_500");
  EXPECT_EQ(backend_->breaker_state(), BreakerState::kOpen);
  const commands::SendPermit held = backend_->MaySend();
  EXPECT_EQ(held.calls, 0);
  EXPECT_GT(held.ask_again_in, std::chrono::minutes(4));
  EXPECT_LE(held.ask_again_in, std::chrono::minutes(5));
  BackendResult r = SubmitOnce(Transfer("cb-1"));
  ASSERT_TRUE(r.unavailable());
  EXPECT_EQ(r.detail, "circuit_open");
  EXPECT_TRUE(r.not_sent);
  EXPECT_EQ(sim_->stats().attempts["cb-1"], 2);
  HttpBackendStats s = backend_->stats();
  EXPECT_EQ(s.requests_failed, 3u);
  EXPECT_EQ(s.breaker, BreakerState::kOpen);
  EXPECT_EQ(s.breaker_times_opened, 1u);
}

TEST_F(HttpBackendTest, StoppedBackendIsUnavailable) {
  StartAll();
  backend_->Stop();
  BackendResult r = SubmitOnce(Transfer("stop-1"));
  ASSERT_TRUE(r.unavailable());
  EXPECT_EQ(r.detail, "shutdown");
  EXPECT_EQ(sim_->stats().requests, 0u);
}

TEST(MakeHttpBackendTest, RefusesUnusableSettings) {
  boost::asio::io_context io;
  conf::HttpBackend good;
  good.url = "https://bank.test/api";
  good.key_id = "k1";
  auto key = [] { return store::SecretBytes(std::string(32, 'k')); };
  EXPECT_TRUE(MakeHttpBackend(io, good, key()).ok());

  struct Case {
    const char* name;
    void (*edit)(conf::HttpBackend&);
    std::size_t key_size;
    const char* setting;
  };
  const Case cases[] = {
      {"ftp url", [](conf::HttpBackend& c) { c.url = "ftp://bank.test"; }, 32, "url"},
      {"no key id", [](conf::HttpBackend& c) { c.key_id.clear(); }, 32, "key_id"},
      {"short key", [](conf::HttpBackend&) {}, 31, "hmac_key"},
      {"no pool", [](conf::HttpBackend& c) { c.pool_size = 0; }, 32, "pool_size"},
      {"missing CA", [](conf::HttpBackend& c) { c.ca_file = "/nonexistent/ca.pem"; }, 32,
       "ca_file"},
  };
  for (const Case& c : cases) {
    conf::HttpBackend cfg = good;
    c.edit(cfg);
    auto made = MakeHttpBackend(io, cfg, store::SecretBytes(std::string(c.key_size, 'k')));
    ASSERT_FALSE(made.ok()) << c.name;
    EXPECT_EQ(made.status().code(), Status::Code::kInvalidArgument) << c.name;
    EXPECT_NE(made.status().message().find(c.setting), std::string::npos)
        << c.name << ": " << made.status().message();
  }
}

BackendReply Refused(int status, std::string code) {
  BackendReply r;
  r.kind = BackendReply::Kind::kRefused;
  r.http_status = status;
  r.error_code = std::move(code);
  r.message = "HTTP " + std::to_string(status);
  return r;
}

TEST(ToBackendResultTest, RefusalsByStatus) {
  struct Case {
    int status;
    const char* code;
    BackendResult::Outcome outcome;
    const char* reason_or_detail;
  };
  using O = BackendResult::Outcome;
  const Case cases[] = {
      {422, "idempotency_conflict", O::kRejected, "idempotency_conflict"},
      {400, "idempotency_conflict", O::kRejected, "idempotency_conflict"},
      {400, "bad_request", O::kRejected, "invalid_request"},
      {400, "missing_idempotency_key", O::kRejected, "invalid_request"},
      {401, "stale_timestamp", O::kUnavailable, "stale_timestamp"},
      {401, "unknown_key", O::kUnavailable, "unknown_key"},
      {404, "http_404", O::kUnavailable, "http_404"},
      {403, "forbidden", O::kUnavailable, "forbidden"},
  };
  for (const Case& c : cases) {
    BackendResult r = ToBackendResult(Refused(c.status, c.code));
    EXPECT_EQ(r.outcome, c.outcome) << c.status << " " << c.code;
    EXPECT_EQ(r.rejected() ? r.reason : r.detail, c.reason_or_detail) << c.status << " " << c.code;
  }
  EXPECT_EQ(ToBackendResult(Refused(400, "bad_request")).detail, "bad_request");
}

TEST(ToBackendResultTest, ResultOutsideInt64IsABadAnswer) {
  BackendReply r;
  r.kind = BackendReply::Kind::kAccepted;
  r.result = {{"balance", std::numeric_limits<uint64_t>::max()}};
  BackendResult out = ToBackendResult(std::move(r));
  ASSERT_TRUE(out.unavailable());
  EXPECT_EQ(out.detail, "bad_answer");
}

TEST(ToBackendResultTest, ARejectionKeepsTheFieldsItNames) {
  BackendReply r;
  r.kind = BackendReply::Kind::kRejected;
  r.reason = "account_locked";
  r.result = {{"counterparty_msisdn", "254700000001"}};
  BackendResult out = ToBackendResult(std::move(r));
  ASSERT_TRUE(out.rejected());
  EXPECT_EQ(out.reason, "account_locked");
  ASSERT_NE(commands::FindText(out.fields, commands::result::kCounterpartyMsisdn), nullptr);
  EXPECT_EQ(*commands::FindText(out.fields, commands::result::kCounterpartyMsisdn), "254700000001");

  BackendReply odd;
  odd.kind = BackendReply::Kind::kRejected;
  odd.reason = "wrong_pin";
  odd.result = {{"balance", std::numeric_limits<uint64_t>::max()}};
  BackendResult still = ToBackendResult(std::move(odd));
  ASSERT_TRUE(still.rejected()) << "a refusal stays a refusal";
  EXPECT_TRUE(still.fields.empty());
}

TEST(ToBackendResultTest, UnavailableKeepsTheReason) {
  BackendReply r;
  r.kind = BackendReply::Kind::kUnavailable;
  r.error_code = "connection_lost";
  r.message = "reading the answer from http://127.0.0.1:1: reset";
  BackendResult out = ToBackendResult(std::move(r));
  ASSERT_TRUE(out.unavailable());
  EXPECT_EQ(out.detail, "connection_lost");
  EXPECT_EQ(out.diagnostic, "reading the answer from http://127.0.0.1:1: reset");
}

TEST(ToBackendResultTest, ADeclinedProbeIsNotSentAndWaitsPastTheNextProbe) {
  BackendReply r;
  r.kind = BackendReply::Kind::kUnavailable;
  r.error_code = "http_503";
  r.http_status = 503;
  r.retry_after = std::chrono::seconds(1);
  r.declined_probe = true;
  r.hold = std::chrono::milliseconds(30000);
  BackendResult declined = ToBackendResult(r);
  EXPECT_TRUE(declined.not_sent);
  EXPECT_EQ(declined.wait, std::chrono::milliseconds(60000));

  r.declined_probe = false;  // the same 503 to a call made with the breaker closed
  r.hold = std::chrono::milliseconds(0);
  BackendResult counted = ToBackendResult(r);
  EXPECT_FALSE(counted.not_sent) << "it may have reached a backend that then failed";
  EXPECT_EQ(counted.wait, std::chrono::milliseconds(1000)) << "the Retry-After";
}

}  // namespace
}  // namespace smsgw::gateway
