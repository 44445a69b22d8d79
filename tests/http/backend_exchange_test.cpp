// BackendExchange against the backend simulator failing in each way, driven the way the outbox
// will drive it: retry temporary failures with backoff under the same instruction id until a
// definitive answer or the last attempt. At the end every instruction is done, rejected or
// dead, and the simulator applied each id at most once.
#include "gateway/backend_exchange.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <random>

#include "store/retry.h"
#include "tests/http/http_test_util.h"

namespace smsgw::gateway {
namespace {

using smsgw::test::BackendSim;
using smsgw::test::BackendSimOptions;
using smsgw::test::RunUntil;
using smsgw::test::SimFault;
using std::chrono::milliseconds;

// Where an instruction ended, as the outbox would record it.
struct Final {
  std::string state;  // "done", "rejected", "refused" or "dead"
  int attempts = 0;
  BackendReply last;
  std::vector<std::string> errors;  // error_code of each unavailable attempt
};

class BackendExchangeTest : public ::testing::Test {
 protected:
  void StartAll(BackendSimOptions sim_options = {}, BackendExchangeOptions exchange_options = {},
                std::string client_key = smsgw::test::TestKey()) {
    sim_options.key = smsgw::test::TestKey();
    sim_options.slow_delay = milliseconds(1500);
    sim_ = smsgw::test::StartSim(std::move(sim_options));
    ASSERT_NE(sim_, nullptr);
    HttpClientOptions o;
    o.request_timeout = milliseconds(300);
    auto client = HttpClient::Create(io_, o);
    ASSERT_TRUE(client.ok());
    client_ = std::move(*client);
    auto url = ParseUrl("http://127.0.0.1:" + std::to_string(sim_->port()));
    ASSERT_TRUE(url.ok());
    exchange_options.base_url = *url;
    auto key = store::Key::FromBytes(client_key);
    ASSERT_TRUE(key.ok());
    SignatureVerifier verifier;
    verifier.AddKey(*key);
    exchange_ = std::make_unique<BackendExchange>(
        *client_, std::move(exchange_options), RequestSigner::FromKey(*key), std::move(verifier));
  }

  void TearDown() override {
    if (client_) smsgw::test::StopClient(io_, *client_);
    exchange_.reset();
    client_.reset();
    if (sim_) sim_->Stop();
  }

  BackendReply SubmitOnce(const WireInstruction& in) {
    std::optional<BackendReply> reply;
    exchange_->Submit(in, [&](BackendReply r) { reply = std::move(r); });
    EXPECT_TRUE(RunUntil(io_, [&] { return reply.has_value(); }));
    return reply.value_or(BackendReply{});
  }

  // The outbox's loop in miniature: same id every attempt, the outbox's backoff between them
  // (store/retry.h), and at least the answer's Retry-After, capped at the policy's ceiling as
  // the store caps it.
  Final Drive(const WireInstruction& in) {
    const store::RetryPolicy policy{.base_delay_ms = 5, .max_delay_ms = 20, .max_attempts = 4};
    Final f;
    for (;;) {
      f.last = SubmitOnce(in);
      ++f.attempts;
      switch (f.last.kind) {
        case BackendReply::Kind::kAccepted:
          f.state = "done";
          return f;
        case BackendReply::Kind::kRejected:
          f.state = "rejected";
          return f;
        case BackendReply::Kind::kRefused:
          f.state = "refused";
          return f;
        case BackendReply::Kind::kUnavailable:
          f.errors.push_back(f.last.error_code);
          break;
      }
      if (store::RetriesExhausted(policy, f.attempts)) {
        f.state = "dead";
        return f;
      }
      int64_t delay_ms = store::RetryDelayMs(policy, f.attempts, static_cast<uint32_t>(rng_()));
      if (f.last.retry_after) {
        const int64_t asked = std::chrono::milliseconds(*f.last.retry_after).count();
        delay_ms = std::max(delay_ms, std::min(asked, policy.max_delay_ms));
      }
      boost::asio::steady_timer t(io_, milliseconds(delay_ms));
      bool waited = false;
      t.async_wait([&](boost::system::error_code) { waited = true; });
      RunUntil(io_, [&] { return waited; });
    }
  }

  static WireInstruction Transfer(const std::string& id, int64_t amount = 1500) {
    WireInstruction in = smsgw::test::MakeInstruction(
        id, "transfer", "254712345678", {{"amount", amount}, {"recipient", "254798765432"}});
    in.pin = store::SecretBytes("4821");
    return in;
  }

  // Each id applied at most once, and the count of applications equals what ended applied.
  void ExpectAppliedAtMostOnce() {
    for (const auto& [key, n] : sim_->stats().applications) EXPECT_LE(n, 1) << key;
  }

  boost::asio::io_context io_;
  std::mt19937_64 rng_{42};
  std::unique_ptr<BackendSim> sim_;
  std::unique_ptr<HttpClient> client_;
  std::unique_ptr<BackendExchange> exchange_;
};

TEST_F(BackendExchangeTest, AcceptedOnFirstAttempt) {
  StartAll();
  Final f = Drive(Transfer("ok-1"));
  EXPECT_EQ(f.state, "done");
  EXPECT_EQ(f.attempts, 1);
  EXPECT_FALSE(f.last.replayed);
  EXPECT_EQ(f.last.result["operation"], "transfer");
  EXPECT_EQ(sim_->stats().applications["ok-1"], 1);
}

TEST_F(BackendExchangeTest, RejectedIsDefinitive) {
  StartAll();
  WireInstruction in = Transfer("rej-1");
  in.fields["reject"] = "insufficient_funds";
  Final f = Drive(in);
  EXPECT_EQ(f.state, "rejected");
  EXPECT_EQ(f.attempts, 1);
  EXPECT_EQ(f.last.reason, "insufficient_funds");
}

TEST_F(BackendExchangeTest, SlowAnswerTimesOutThenTheRetryGetsTheStoredAnswer) {
  StartAll();
  sim_->ScriptFaults("slow-1", {SimFault::kSlow});
  Final f = Drive(Transfer("slow-1"));
  EXPECT_EQ(f.state, "done");
  EXPECT_EQ(f.attempts, 2);
  EXPECT_EQ(f.errors, std::vector<std::string>{"timeout"});
  EXPECT_TRUE(f.last.replayed);
  EXPECT_EQ(sim_->stats().applications["slow-1"], 1);
  EXPECT_EQ(sim_->stats().replayed, 1u);
}

TEST_F(BackendExchangeTest, ServerErrorThenSuccess) {
  StartAll();
  sim_->ScriptFaults("e500-1", {SimFault::kError500});
  Final f = Drive(Transfer("e500-1"));
  EXPECT_EQ(f.state, "done");
  EXPECT_EQ(f.attempts, 2);
  EXPECT_EQ(f.errors, std::vector<std::string>{"http_500"});
  EXPECT_EQ(sim_->stats().attempts["e500-1"], 2);
  EXPECT_EQ(sim_->stats().applications["e500-1"], 1);
}

TEST_F(BackendExchangeTest, RetryAfterIsPassedOn) {
  StartAll();
  sim_->ScriptFaults("busy-1", {SimFault::kError503});
  BackendReply r = SubmitOnce(Transfer("busy-1"));
  EXPECT_EQ(r.kind, BackendReply::Kind::kUnavailable);
  EXPECT_EQ(r.error_code, "http_503");
  EXPECT_EQ(r.retry_after, std::chrono::seconds(1));
}

TEST_F(BackendExchangeTest, ConnectionResetBeforeAndAfterApplying) {
  StartAll();
  sim_->ScriptFaults("rst-1", {SimFault::kReset});
  sim_->ScriptFaults("rst-2", {SimFault::kResetAfterApply});
  Final before = Drive(Transfer("rst-1"));
  Final after = Drive(Transfer("rst-2"));
  EXPECT_EQ(before.state, "done");
  EXPECT_EQ(after.state, "done");
  EXPECT_EQ(before.errors, std::vector<std::string>{"connection_lost"});
  // rst-2 went out on rst-1's kept-alive connection: to the client, a reset before any answer
  // there is a stale connection, so it sent the request once more on a fresh one, although
  // the backend had applied it. Safe only because the key makes the repeat a replay.
  EXPECT_TRUE(after.errors.empty());
  EXPECT_EQ(sim_->stats().attempts["rst-2"], 2);
  EXPECT_EQ(sim_->stats().applications["rst-1"], 1);
  EXPECT_EQ(sim_->stats().applications["rst-2"], 1);
  EXPECT_EQ(sim_->stats().replayed, 1u);  // rst-2's retry got the stored answer
}

TEST_F(BackendExchangeTest, BadRequestIsPermanentAndNotRetried) {
  StartAll();
  sim_->ScriptFaults("perm-1", {SimFault::kBadRequest400});
  Final f = Drive(Transfer("perm-1"));
  EXPECT_EQ(f.state, "refused");
  EXPECT_EQ(f.attempts, 1);
  EXPECT_EQ(f.last.error_code, "bad_request");
  EXPECT_EQ(f.last.http_status, 400);
  EXPECT_EQ(sim_->stats().attempts["perm-1"], 1);
  EXPECT_EQ(sim_->stats().applications.count("perm-1"), 0u);
}

TEST_F(BackendExchangeTest, AnswerWithABadSignatureIsRefusedAndRetried) {
  StartAll();
  sim_->ScriptFaults("sig-1", {SimFault::kBadSignature});
  Final f = Drive(Transfer("sig-1"));
  // The first answer said accepted but could not be trusted: not done until a signed one came.
  EXPECT_EQ(f.state, "done");
  EXPECT_EQ(f.attempts, 2);
  EXPECT_EQ(f.errors, std::vector<std::string>{"bad_signature"});
  EXPECT_EQ(sim_->stats().applications["sig-1"], 1);
}

TEST_F(BackendExchangeTest, AlwaysBadlySignedAnswersEndDeadNeverDone) {
  StartAll();
  sim_->ScriptFaults("sig-2", std::vector<SimFault>(10, SimFault::kBadSignature));
  Final f = Drive(Transfer("sig-2"));
  EXPECT_EQ(f.state, "dead");
  EXPECT_EQ(f.attempts, 4);
}

TEST_F(BackendExchangeTest, SameKeyDifferentPayloadIsRefused) {
  StartAll();
  ASSERT_EQ(Drive(Transfer("dup-1", 1500)).state, "done");
  Final f = Drive(Transfer("dup-1", 9999));
  EXPECT_EQ(f.state, "refused");
  EXPECT_EQ(f.attempts, 1);
  EXPECT_EQ(f.last.error_code, "idempotency_conflict");
  EXPECT_EQ(f.last.http_status, 422);
  EXPECT_EQ(sim_->stats().conflicts, 1u);
  EXPECT_EQ(sim_->stats().applications["dup-1"], 1);
  // The same payload again is still answered, with the first answer.
  Final again = Drive(Transfer("dup-1", 1500));
  EXPECT_EQ(again.state, "done");
  EXPECT_EQ(sim_->stats().replayed, 1u);
}

TEST_F(BackendExchangeTest, WrongKeyNeverGetsAnythingApplied) {
  StartAll({}, {}, std::string(32, 'w'));
  Final f = Drive(Transfer("key-1"));
  // The backend's 401 is signed with a key this gateway does not know: not trusted either.
  EXPECT_EQ(f.state, "dead");
  EXPECT_EQ(f.errors.front(), "unknown_key");
  EXPECT_EQ(sim_->stats().auth_failures, 4u);
  EXPECT_EQ(sim_->stats().applied, 0u);
}

TEST_F(BackendExchangeTest, StaleTimestampIsRefusedByTheBackend) {
  BackendExchangeOptions eo;
  int64_t skewed = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count() -
                   1000;
  eo.unix_now = [skewed] { return skewed; };
  StartAll({}, eo);
  BackendReply r = SubmitOnce(Transfer("clock-1"));
  EXPECT_EQ(r.kind, BackendReply::Kind::kUnavailable);
  EXPECT_EQ(r.http_status, 401);
  EXPECT_EQ(sim_->stats().auth_failures, 1u);
  EXPECT_EQ(sim_->stats().applied, 0u);
}

// A breaker that opens after `failures` in a row, for 200 ms.
BackendExchangeOptions QuickBreaker(int failures) {
  BackendExchangeOptions eo;
  eo.breaker.consecutive_failures = failures;
  eo.breaker.failure_percent = 0;
  eo.breaker.open_for = milliseconds(200);
  return eo;
}

TEST_F(BackendExchangeTest, CircuitBreakerStopsCallsAndProbesBack) {
  StartAll({}, QuickBreaker(3));
  sim_->ScriptFaults("cb-1", std::vector<SimFault>(3, SimFault::kError500));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(SubmitOnce(Transfer("cb-1")).error_code, "http_500");
  EXPECT_EQ(exchange_->breaker_state(), BreakerState::kOpen);
  BackendReply refused = SubmitOnce(Transfer("cb-1"));
  EXPECT_EQ(refused.error_code, "circuit_open");
  EXPECT_EQ(sim_->stats().attempts["cb-1"], 3);  // the open breaker sent nothing
  // After open_for, one probe goes through and its success closes the breaker.
  ASSERT_TRUE(RunUntil(io_, [&] { return exchange_->breaker_state() == BreakerState::kHalfOpen; }));
  EXPECT_EQ(SubmitOnce(Transfer("cb-1")).kind, BackendReply::Kind::kAccepted);
  EXPECT_EQ(exchange_->breaker_state(), BreakerState::kClosed);
  EXPECT_EQ(exchange_->breaker_times_opened(), 1u);
}

// A backend down behind a proxy answers 503 to everything. The calls before the breaker opens
// may have reached it; the probe's 503 says only that it is still down: declined, with the
// breaker's hold. A probe answered 500 is a failure like any other.
TEST_F(BackendExchangeTest, AProbeAnswered503Or429IsDeclinedOne500IsNot) {
  StartAll({}, QuickBreaker(2));
  sim_->ScriptFaults("down-1", {SimFault::kError503, SimFault::kError503, SimFault::kError503,
                                SimFault::kTooMany429, SimFault::kError500});
  for (int i = 0; i < 2; ++i) {
    BackendReply r = SubmitOnce(Transfer("down-1"));
    EXPECT_EQ(r.error_code, "http_503");
    EXPECT_FALSE(r.declined_probe) << "call " << i << " went with the breaker closed";
  }
  ASSERT_EQ(exchange_->breaker_state(), BreakerState::kOpen);
  // The simulator's Retry-After (1 s) holds the breaker open longer than open_for.
  ASSERT_TRUE(RunUntil(io_, [&] { return exchange_->breaker_state() == BreakerState::kHalfOpen; }));
  BackendReply probe = SubmitOnce(Transfer("down-1"));
  EXPECT_EQ(probe.error_code, "http_503");
  EXPECT_TRUE(probe.declined_probe);
  EXPECT_EQ(probe.hold, milliseconds(1000)) << "Retry-After: 1 outlasts open_for (200 ms)";
  EXPECT_EQ(exchange_->breaker_state(), BreakerState::kOpen);
  ASSERT_TRUE(RunUntil(io_, [&] { return exchange_->breaker_state() == BreakerState::kHalfOpen; }));
  BackendReply busy = SubmitOnce(Transfer("down-1"));
  EXPECT_EQ(busy.error_code, "http_429");
  EXPECT_TRUE(busy.declined_probe);
  ASSERT_TRUE(RunUntil(io_, [&] { return exchange_->breaker_state() == BreakerState::kHalfOpen; }));
  BackendReply failed = SubmitOnce(Transfer("down-1"));
  EXPECT_EQ(failed.error_code, "http_500");
  EXPECT_FALSE(failed.declined_probe) << "a 500 may have done something";
  EXPECT_EQ(sim_->stats().applications["down-1"], 0);
}

TEST_F(BackendExchangeTest, MixedFaultsEndDefinitiveAndAppliedAtMostOnce) {
  StartAll();
  const std::vector<std::vector<SimFault>> scripts = {
      {},
      {SimFault::kError500},
      {SimFault::kSlow},
      {SimFault::kReset},
      {SimFault::kResetAfterApply},
      {SimFault::kDrop},
      {SimFault::kBadSignature},
      {SimFault::kTooMany429, SimFault::kError503},
      {SimFault::kBadRequest400},
      {SimFault::kError500, SimFault::kError500, SimFault::kError500, SimFault::kError500},
      {SimFault::kClose},
  };
  int applied_outcomes = 0;
  for (std::size_t i = 0; i < scripts.size(); ++i) {
    std::string id = "mix-" + std::to_string(i);
    sim_->ScriptFaults(id, scripts[i]);
    WireInstruction in = Transfer(id);
    if (i == 0) in.fields["reject"] = "limit_exceeded";
    Final f = Drive(in);
    EXPECT_TRUE(f.state == "done" || f.state == "rejected" || f.state == "refused" ||
                f.state == "dead")
        << id;
    if (f.state == "done" || f.state == "rejected") ++applied_outcomes;
    if (i == 8) {
      EXPECT_EQ(f.state, "refused");
    }
    if (i == 9) {
      EXPECT_EQ(f.state, "dead");
    }
  }
  ExpectAppliedAtMostOnce();
  EXPECT_EQ(sim_->stats().applied, static_cast<uint64_t>(applied_outcomes));
}

}  // namespace
}  // namespace smsgw::gateway
