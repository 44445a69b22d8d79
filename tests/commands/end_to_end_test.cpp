// The engine in process with the real store and the real embedded ledger (no network):
// MO -> challenge -> code + PIN -> instruction -> ledger -> confirmation, and the failure paths
// that must not move money twice.
#include <gtest/gtest.h>

#include <deque>

#include "commands/embedded_backend.h"
#include "commands/engine.h"
#include "commands/request.h"
#include "store/ledger_keys.h"
#include "tests/commands/engine_fixture.h"
#include "tests/support/store_fixture.h"

namespace smsgw::commands::testing {
namespace {

using store::testing::kStartMs;

// Applies to the ledger but loses the first `lose` answers, as a timed-out HTTP call would.
class LossyBackend : public Backend {
 public:
  LossyBackend(EmbeddedBackend& real, int lose) : real_(real), lose_(lose) {}
  void Submit(Instruction instruction, Completion done) override {
    BackendResult r = real_.Execute(instruction);
    if (lose_ > 0) {
      --lose_;
      done(BackendResult::Unavailable("timeout"));
      return;
    }
    done(std::move(r));
  }

 private:
  EmbeddedBackend& real_;
  int lose_;
};

class EndToEndTest : public store::testing::StoreTest {
 protected:
  void SetUp() override {
    Open();
    auto pepper = store::LoadOrCreateKeyFile(dir_.File("pepper.key"), true);
    ASSERT_TRUE(pepper.ok());
    auto lkeys = store::LedgerKeys::FromPepper(*pepper);
    ASSERT_TRUE(lkeys.ok());
    store::LedgerOptions lo;
    lo.path = dir_.File("ledger.db");
    lo.clock = [this] { return clock_->NowMs() / 1000; };
    auto ledger = store::Ledger::Open(lo, *lkeys);
    ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
    ledger_ = ledger->get();
    backend_ = std::make_unique<EmbeddedBackend>(std::move(*ledger));

    store::NewAccount sub;
    sub.msisdn = kSub;
    sub.name = "JANE";
    ASSERT_TRUE(ledger_->CreateAccount(sub).ok());
    store::AccountRef ref{store::AccountRef::By::kMsisdn, kSub};
    ASSERT_TRUE(ledger_->SetPin(ref, "1234").ok());
    ASSERT_TRUE(ledger_->Credit("opening", ref, 1'000'000, "opening").ok());
    store::NewAccount biller;
    biller.kind = store::AccountKind::kBiller;
    biller.handle = "KPLC";
    biller.name = "KPLC LTD";
    ASSERT_TRUE(ledger_->CreateAccount(biller).ok());

    EngineDeps deps;
    deps.now_ms = [this] { return clock_->NowMs(); };
    deps.random_below = [this](uint32_t) -> smsgw::Result<uint32_t> {
      uint32_t v = codes_.empty() ? 1111 : codes_.front();
      if (!codes_.empty()) codes_.pop_front();
      return v;
    };
    auto e = Engine::Create(test_support::ShippedGrammar(), EngineOptions{}, std::move(deps));
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
    view_ = std::make_unique<StoreViewAdapter>(store());
  }

  void Send(const std::string& text, const std::string& from = kSub) {
    // Each send has its own SMSC id: a subscriber typing it again, not a network redelivery.
    AcceptOne(store::testing::Mo(from, text, "smsc1", "mo" + std::to_string(++sent_)));
    auto pending = store().PendingInbound(0, 10);
    ASSERT_TRUE(pending.ok());
    for (const store::PendingMessage& m : *pending) {
      auto fx = engine_->OnInbound(Inbound::From(m), *view_);
      ASSERT_TRUE(fx.ok()) << fx.status().ToString();
      auto applied = store().Apply(*fx);
      ASSERT_TRUE(applied.ok()) << applied.status().ToString();
    }
  }

  // One pass of the backend client over the due instructions. Returns how many it sent.
  int RunBackend(Backend& backend) {
    auto claimed = store().ClaimInstructions(10);
    EXPECT_TRUE(claimed.ok());
    int n = 0;
    for (const store::ClaimedInstruction& c : *claimed) {
      auto ins = engine_->ToBackend(c);
      EXPECT_TRUE(ins.ok()) << ins.status().ToString();
      BackendResult result;
      backend.Submit(std::move(*ins), [&result](BackendResult r) { result = std::move(r); });
      auto fx = engine_->OnResult(c, result, *view_);
      EXPECT_TRUE(fx.ok()) << fx.status().ToString();
      auto applied = store().Apply(*fx);
      EXPECT_TRUE(applied.ok()) << applied.status().ToString();
      ++n;
    }
    return n;
  }
  int RunBackend() { return RunBackend(*backend_); }

  // Texts of the replies queued since the last call.
  std::vector<std::string> Replies() {
    std::vector<std::string> out;
    for (auto& [to, text] : Sent()) out.push_back(std::move(text));
    return out;
  }

  // The replies queued since the last call: destination and text.
  std::vector<std::pair<std::string, std::string>> Sent() {
    auto claimed = store().ClaimReplies(20);
    EXPECT_TRUE(claimed.ok());
    std::vector<std::pair<std::string, std::string>> out;
    std::vector<store::ReplyResult> results;
    for (const store::ClaimedReply& r : *claimed) {
      out.emplace_back(r.destination, r.text.view());
      store::ReplyResult rr;
      rr.id = r.id;
      rr.kind = store::ReplyResult::Kind::kSent;
      rr.smsc_message_id = "m" + std::to_string(r.id);
      results.push_back(rr);
    }
    EXPECT_TRUE(store().RecordReplyResults(results).ok());
    return out;
  }

  int64_t Balance() {
    auto info = ledger_->GetAccount({store::AccountRef::By::kMsisdn, kSub});
    return info.ok() ? info->balance : -1;
  }

  std::deque<uint32_t> codes_;
  int sent_ = 0;
  store::Ledger* ledger_ = nullptr;
  std::unique_ptr<EmbeddedBackend> backend_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<StoreViewAdapter> view_;
};

TEST_F(EndToEndTest, PayThenCodeAndPinDebitsOnceAndConfirmsWithTheBalance) {
  codes_ = {4821};
  Send("PAY KPLC 123456 1500");
  EXPECT_EQ(Replies(), std::vector<std::string>{
                           "Pay KES 1,500.00 to KPLC ref 123456? Reply 4821 <PIN> within 5 min."});
  Send("4821 1234");
  EXPECT_TRUE(Replies().empty()) << "the reply comes with the backend's answer";
  EXPECT_EQ(RunBackend(), 1);
  std::vector<std::string> replies = Replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_NE(replies[0].find(" Confirmed. KES 1,500.00 paid to KPLC ref 123456 on "),
            std::string::npos)
      << replies[0];
  EXPECT_NE(replies[0].find("New balance KES 8,500.00."), std::string::npos) << replies[0];
  EXPECT_EQ(Balance(), 850'000);

  // The code answered again: "already used", no second debit.
  Send("4821 1234");
  replies = Replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].find("Code 4821 was already used, ref "), 0u) << replies[0];
  EXPECT_EQ(RunBackend(), 0);
  EXPECT_EQ(Balance(), 850'000);
}

TEST_F(EndToEndTest, ABalanceAskedAgainInsideTheWindowIsAnsweredAgain) {
  codes_ = {4821, 7310};
  Send("BAL");
  EXPECT_NE(Replies().at(0).find("4821"), std::string::npos);
  clock_->Advance(60'000);
  Send("BAL");
  std::vector<std::string> replies = Replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_NE(replies[0].find("7310"), std::string::npos)
      << "a query is not a resend: " << replies[0];
}

TEST_F(EndToEndTest, AResendInsideTheWindowIsNotChallengedAgain) {
  codes_ = {4821, 7310};
  Send("PAY KPLC 123456 1500");
  Replies();
  clock_->Advance(60'000);
  Send("pay kplc 123456 1,500");
  std::vector<std::string> replies = Replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].find("We already have this message, ref "), 0u) << replies[0];
}

TEST_F(EndToEndTest, ALostAnswerIsRetriedWithTheSameIdAndDebitsOnce) {
  codes_ = {4821};
  Send("PAY KPLC 123456 1500");
  Send("4821 1234");
  Replies();
  LossyBackend lossy(*backend_, 1);
  EXPECT_EQ(RunBackend(lossy), 1);
  EXPECT_TRUE(Replies().empty()) << "a retry is silent";
  clock_->Advance(store::testing::kHour);
  EXPECT_EQ(RunBackend(lossy), 1);
  std::vector<std::string> replies = Replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_NE(replies[0].find("New balance KES 8,500.00."), std::string::npos) << replies[0];
  EXPECT_EQ(Balance(), 850'000);
}

TEST_F(EndToEndTest, ThreeWrongPinsKillTheCodeAndMoveNoMoney) {
  codes_ = {4821};
  Send("PAY KPLC 123456 1500");
  Replies();
  const char* expected[] = {
      "Wrong PIN. Reply 4821 <PIN> within 5 min to try again; 2 attempts left.",
      "Wrong PIN. Reply 4821 <PIN> within 5 min to try again; 1 attempts left.",
      "Code 4821 is cancelled after too many wrong PINs. Nothing was paid. Send the command "
      "again.",
  };
  for (const char* want : expected) {
    Send("4821 9999");
    EXPECT_EQ(RunBackend(), 1);
    EXPECT_EQ(Replies(), std::vector<std::string>{want});
  }
  Send("4821 1234");
  std::vector<std::string> replies = Replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].find("Code 4821 was already used"), 0u) << replies[0];
  EXPECT_EQ(RunBackend(), 0);
  EXPECT_EQ(Balance(), 1'000'000);
  auto wrong = store().CountEvents(kSub, store::kEventWrongPin, 0);
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(*wrong, 3);
}

TEST_F(EndToEndTest, AnExpiredCodeIsRefused) {
  codes_ = {4821};
  Send("PAY KPLC 123456 1500");
  Replies();
  clock_->Advance(6 * store::testing::kMinute);
  Send("4821 1234");
  EXPECT_EQ(Replies(),
            std::vector<std::string>{
                "Code 4821 expired after 5 min. Nothing was paid. Send the command again."});
  EXPECT_EQ(RunBackend(), 0);
  EXPECT_EQ(Balance(), 1'000'000);
}

TEST_F(EndToEndTest, AccountAndPinTogetherLeaveNothingInClear) {
  Send("REG 4111111111111111 1234");
  std::vector<std::string> replies = Replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].find("Never send your PIN"), 0u);
  EXPECT_EQ(RunBackend(), 0);
  auto audit = store().Audit({});
  ASSERT_TRUE(audit.ok());
  bool refused = false;
  for (const store::AuditEntry& a : *audit) {
    EXPECT_EQ(a.detail.find("4111111111111111"), std::string::npos);
    refused = refused || a.event == store::kEventCredentialRefused;
  }
  EXPECT_TRUE(refused);
}

// The daemon hands OnResult the request ToBackend read, instead of letting it read the payload
// again. Both ways must make the same step, the payee's notice (from the request's fields)
// included.
TEST_F(EndToEndTest, AResultStepWithTheRequestAsSentEqualsOneThatReadsThePayload) {
  store::NewAccount payee;
  payee.msisdn = "254712345679";
  payee.name = "JOHN";
  ASSERT_TRUE(ledger_->CreateAccount(payee).ok());
  codes_ = {4821};
  Send("SEND 0712345679 500");
  ASSERT_EQ(Replies().size(), 1u);
  Send("4821 1234");
  auto claimed = store().ClaimInstructions(10);
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 1u);
  const store::ClaimedInstruction& c = (*claimed)[0];
  std::shared_ptr<const Request> decoded;
  auto ins = engine_->ToBackend(c, &decoded);
  ASSERT_TRUE(ins.ok()) << ins.status().ToString();
  ASSERT_NE(decoded, nullptr);
  EXPECT_EQ(decoded->args, ins->fields) << "the request keeps the fields the call sent";
  BackendResult result;
  backend_->Submit(std::move(*ins), [&result](BackendResult r) { result = std::move(r); });
  ASSERT_TRUE(result.accepted()) << result.detail;

  auto read = engine_->OnResult(c, result, *view_);
  auto kept = engine_->OnResult(c, result, *view_, decoded);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  ASSERT_EQ(kept->replies.size(), 2u) << "the sender's confirmation and the payee's notice";
  ASSERT_EQ(read->replies.size(), kept->replies.size());
  for (size_t i = 0; i < kept->replies.size(); ++i) {
    EXPECT_EQ(read->replies[i].destination, kept->replies[i].destination);
    EXPECT_EQ(read->replies[i].source, kept->replies[i].source);
    EXPECT_EQ(read->replies[i].connection, kept->replies[i].connection);
    EXPECT_EQ(read->replies[i].text, kept->replies[i].text);
  }
  EXPECT_EQ(kept->replies[1].destination, "254712345679");
  ASSERT_EQ(read->outcomes.size(), 1u);
  ASSERT_EQ(kept->outcomes.size(), 1u);
  EXPECT_EQ(read->outcomes[0].detail, kept->outcomes[0].detail);
}

}  // namespace
}  // namespace smsgw::commands::testing

namespace smsgw::commands::testing {
namespace {

constexpr char kOldPhone[] = "254700000001";
constexpr char kNewPhone[] = "254712000999";

class BindEndToEndTest : public EndToEndTest {
 protected:
  void SetUp() override {
    EndToEndTest::SetUp();
    store::NewAccount ann;
    ann.msisdn = kOldPhone;
    ann.name = "ANN";
    ann.account_number = "4400112233";
    ASSERT_TRUE(ledger_->CreateAccount(ann).ok());
    ASSERT_TRUE(
        ledger_->SetPin({store::AccountRef::By::kAccountNumber, "4400112233"}, "2580").ok());
  }

  // One REG of Ann's account from `phone`, answered with three wrong PINs (all a code takes).
  void ThreeWrongBinds(const std::string& phone, uint32_t code) {
    codes_ = {code};
    Send("REG 4400112233", phone);
    Sent();
    for (int i = 0; i < 3; ++i) {
      clock_->Advance(store::testing::kMinute);  // under the rate limit
      Send(std::to_string(code) + " 9999", phone);
      ASSERT_EQ(RunBackend(), 1);
      Sent();
    }
  }
};

TEST_F(BindEndToEndTest, AnAccountMovedToAnotherPhoneIsAnnouncedOnTheOldOne) {
  codes_ = {4821};
  Send("REG 4400112233", kNewPhone);
  Sent();
  Send("4821 2580", kNewPhone);
  EXPECT_EQ(RunBackend(), 1);
  std::vector<std::pair<std::string, std::string>> sent = Sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].first, kNewPhone);
  EXPECT_EQ(sent[0].second.find("Account ****2233 is now linked to this phone."), 0u);
  EXPECT_EQ(sent[1].first, kOldPhone);
  EXPECT_EQ(sent[1].second.find("Account ****2233 was linked to another phone on "), 0u)
      << sent[1].second;
  auto moved = ledger_->GetAccount({store::AccountRef::By::kMsisdn, kNewPhone});
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(moved->name, "ANN");
}

// Strangers who know Ann's account number send REG with wrong PINs from phones of their own,
// more of them than the ledger's max_pin_failures: Ann's account is not locked by it.
TEST_F(BindEndToEndTest, StrangersBindingWithWrongPinsCannotLockTheAccount) {
  const char* strangers[] = {"254712000101", "254712000102", "254712000103", "254712000104"};
  for (int p = 0; p < 4; ++p) ThreeWrongBinds(strangers[p], 2001 + p);
  codes_ = {7001};
  Send("BAL", kOldPhone);
  Sent();
  Send("7001 2580", kOldPhone);
  EXPECT_EQ(RunBackend(), 1);
  std::vector<std::string> replies = Replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].find("Your balance"), 0u) << replies[0];
  auto ann = ledger_->GetAccount({store::AccountRef::By::kMsisdn, kOldPhone});
  ASSERT_TRUE(ann.ok());
  EXPECT_FALSE(ann->locked);
}

// A bind of a locked account reads like a wrong PIN to the phone that tried, and its owner's
// phone is told.
TEST_F(BindEndToEndTest, ABindOfALockedAccountReadsLikeAWrongPinAndTellsItsOwner) {
  Send("LOCK", kOldPhone);
  EXPECT_EQ(RunBackend(), 1);
  Sent();
  codes_ = {5555};
  Send("REG 4400112233", kNewPhone);
  Sent();
  Send("5555 2580", kNewPhone);
  EXPECT_EQ(RunBackend(), 1);
  std::vector<std::pair<std::string, std::string>> sent = Sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].first, kNewPhone);
  EXPECT_EQ(sent[0].second,
            "Wrong PIN. Reply 5555 <PIN> within 5 min to try again; 2 attempts left.");
  EXPECT_EQ(sent[1].first, kOldPhone);
  EXPECT_EQ(sent[1].second.find("Someone tried to link account ****2233 to another phone on "), 0u)
      << sent[1].second;
  EXPECT_NE(sent[1].second.find("Your account is locked"), std::string::npos);
}

// Many phones binding Ann's locked account in a day, across a restart: each reads a wrong PIN,
// and Ann's phone is told once, not once per phone; a day later it is told again.
TEST_F(BindEndToEndTest, TheOwnerOfALockedAccountIsToldOncePerDayHoweverManyPhonesTry) {
  Send("LOCK", kOldPhone);
  EXPECT_EQ(RunBackend(), 1);
  Sent();
  auto bind = [this](const std::string& phone, uint32_t code) {
    clock_->Advance(store::testing::kMinute);
    codes_ = {code};
    Send("REG 4400112233", phone);
    Sent();
    Send(std::to_string(code) + " 2580", phone);
    EXPECT_EQ(RunBackend(), 1);
    return Sent();
  };
  int told = 0;
  const char* strangers[] = {"254712000101", "254712000102", "254712000103"};
  for (int p = 0; p < 3; ++p) {
    std::vector<std::pair<std::string, std::string>> sent = bind(strangers[p], 3001 + p);
    ASSERT_GE(sent.size(), 1u);
    EXPECT_EQ(sent[0].first, strangers[p]);
    EXPECT_EQ(sent[0].second, "Wrong PIN. Reply " + std::to_string(3001 + p) +
                                  " <PIN> within 5 min to try again; 2 attempts left.");
    for (const auto& [to, text] : sent) told += to == kOldPhone;
    EXPECT_EQ(sent.size(), p == 0 ? 2u : 1u) << "phone " << p;
    if (p == 0) {
      // The gateway restarts: the count is in the store, not in memory.
      view_.reset();
      Close();
      Open();
      view_ = std::make_unique<StoreViewAdapter>(store());
    }
  }
  EXPECT_EQ(told, 1);

  // A day after the notice (the phones' own counts are a day old too): told again.
  clock_->Advance(24 * 3'600'000LL);
  std::vector<std::pair<std::string, std::string>> sent = bind(strangers[0], 3009);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].first, kOldPhone);
  EXPECT_EQ(sent[1].second.find("Someone tried to link account ****2233"), 0u) << sent[1].second;
}

// Whether the number exists or the PIN is wrong, the caller reads the same reply, and five
// tries in a day lock the phone: account numbers cannot be tested at the message rate.
TEST_F(BindEndToEndTest, ProbingAccountNumbersReadsLikeWrongPinsAndLocksThePhone) {
  const char* numbers[] = {"4400112233", "4400110001", "4400110002", "4400110003", "4400110004"};
  for (int i = 0; i < 5; ++i) {
    clock_->Advance(store::testing::kMinute);  // under the rate limit
    const std::string code = std::to_string(1001 + i);
    codes_ = {static_cast<uint32_t>(1001 + i)};
    Send(std::string("REG ") + numbers[i], kNewPhone);
    Sent();
    Send(code + " 9999", kNewPhone);
    EXPECT_EQ(RunBackend(), 1);
    const std::string want =
        i < 4 ? "Wrong PIN. Reply " + code + " <PIN> within 5 min to try again; 2 attempts left."
              : "Too many wrong PINs. Payments from this phone are blocked for 24 h. Nothing was "
                "paid.";
    EXPECT_EQ(Replies(), std::vector<std::string>{want}) << numbers[i];
  }
  auto wrong = store().CountEvents(kNewPhone, store::kEventWrongPin, 0);
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(*wrong, 5);
  Send("REG 4400110005", kNewPhone);
  EXPECT_EQ(Replies(), std::vector<std::string>{
                           "Your account is locked. Call 100 or visit a branch to unlock it."});
}

}  // namespace
}  // namespace smsgw::commands::testing
