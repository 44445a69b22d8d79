// The engine's answers to backend results: confirmations, notices, rejections, wrong PINs,
// retries and dead letters; and bill notices.
#include <gtest/gtest.h>

#include "commands/request.h"
#include "parser/grammar_loader.h"
#include "tests/commands/engine_fixture.h"

namespace smsgw::commands::testing {
namespace {

BackendResult Paid(int64_t balance) {
  return BackendResult::Accepted({{std::string(result::kTransactionCode), "QK7AB3XYZ2"},
                                  {std::string(result::kBalance), balance}});
}

TEST_F(EngineTest, AcceptedPaymentConfirmsWithTransactionCodeAndBalance) {
  store::NewInstruction ins = Confirmed("PAY KPLC 123456 1500");
  store::Effects fx = Answer(ins, Paid(850000));
  ASSERT_EQ(fx.outcomes.size(), 1u);
  EXPECT_EQ(fx.outcomes[0].kind, store::InstructionOutcome::Kind::kDone);
  EXPECT_EQ(fx.outcomes[0].instruction_id, ins.id);
  // kNow is 2023-11-14 22:13:20 UTC, 01:13 on the 15th in East Africa Time.
  EXPECT_EQ(OnlyReply(fx),
            "QK7AB3XYZ2 Confirmed. KES 1,500.00 paid to KPLC ref 123456 on 15/11/23 01:13. New "
            "balance KES 8,500.00.");
  EXPECT_EQ(fx.replies[0].reference, ins.reference);
  EXPECT_EQ(fx.replies[0].instruction_id, ins.id);
  EXPECT_EQ(fx.actor, store::Actor::kBackend);
}

TEST_F(EngineTest, ATransferTellsTheRecipient) {
  store::NewInstruction ins = Confirmed("SEND 0712345679 500");
  BackendResult r = Paid(100000);
  r.fields.emplace(std::string(result::kCounterpartyMsisdn), "254712345679");
  r.fields.emplace(std::string(result::kCounterpartyBalance), int64_t{250000});
  r.fields.emplace(std::string(result::kRecipientRegistered), int64_t{1});
  store::Effects fx = Answer(ins, r);
  ASSERT_EQ(fx.replies.size(), 2u);
  EXPECT_EQ(fx.replies[0].destination, kSub);
  EXPECT_EQ(fx.replies[1].destination, "254712345679");
  EXPECT_EQ(fx.replies[1].text,
            "QK7AB3XYZ2 Confirmed. You have received KES 500.00 from 0712345678 on 15/11/23 "
            "01:13. New balance KES 2,500.00.");
  // The sender's confirmation continues the instruction's audit trail; the recipient's notice,
  // of the same instruction, is found through the recipient's own MSISDN.
  EXPECT_EQ(fx.replies[0].instruction_id, ins.id);
  EXPECT_TRUE(fx.replies[0].to_instruction_subscriber);
  EXPECT_EQ(fx.replies[1].instruction_id, ins.id);
  EXPECT_FALSE(fx.replies[1].to_instruction_subscriber);
}

// An answer long after its instruction keeps the subscriber's MSISDN in the audit: the
// instruction's first row may no longer be among the newest rows its trail is read from.
TEST_F(EngineTest, OnlyAPromptAnswerContinuesItsInstructionsAuditTrail) {
  store::NewInstruction ins = Confirmed("PAY KPLC 123456 1500");
  ASSERT_EQ(store::InstructionIdTime(ins.id), std::optional<int64_t>(now_));
  now_ += 60'000;
  store::Effects prompt = Answer(ins, Paid(850000));
  ASSERT_EQ(prompt.replies.size(), 1u);
  EXPECT_TRUE(prompt.replies[0].to_instruction_subscriber);
  now_ += 1;
  store::Effects late = Answer(ins, Paid(850000), 2);
  ASSERT_EQ(late.replies.size(), 1u);
  EXPECT_FALSE(late.replies[0].to_instruction_subscriber);
}

// A command from a source kept as it came is answered there with the TON/NPI its confirmation
// came with; the notice to the recipient goes to an E.164 number with the connection's.
TEST_F(EngineTest, TheAnswerToASourceKeptAsItCameCarriesItsTonAndNpi) {
  Pending("SEND 0712345679 500", "4821");
  store::Effects confirmed = Mo("4821 1234", kSub, kShortCode, store::AddressType{2, 1});
  ASSERT_EQ(confirmed.instructions.size(), 1u);
  BackendResult r = Paid(100000);
  r.fields.emplace(std::string(result::kCounterpartyMsisdn), "254712345679");
  r.fields.emplace(std::string(result::kRecipientRegistered), int64_t{1});
  store::Effects fx = Answer(confirmed.instructions[0], r);
  ASSERT_EQ(fx.replies.size(), 2u);
  EXPECT_EQ(fx.replies[0].destination, kSub);
  EXPECT_EQ(fx.replies[0].destination_type, (store::AddressType{2, 1}));
  EXPECT_EQ(fx.replies[1].destination, "254712345679");
  EXPECT_EQ(fx.replies[1].destination_type, std::nullopt);

  // A challenge keeps the TON/NPI of the MO that asked for it, for an answer sent without one.
  store::Effects asked = Mo("BAL", "MyBank", kShortCode, store::AddressType{5, 0});
  ASSERT_EQ(asked.challenges.size(), 1u);
  auto request = DecodeRequest(asked.challenges[0].payload);
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ(request->source_type, (store::AddressType{5, 0}));
}

TEST_F(EngineTest, AnUnregisteredRecipientGetsAWithdrawalCode) {
  store::NewInstruction ins = Confirmed("SEND 0712345679 500");
  BackendResult r = Paid(100000);
  r.fields.emplace(std::string(result::kCounterpartyMsisdn), "254712345679");
  r.fields.emplace(std::string(result::kRecipientRegistered), int64_t{0});
  r.fields.emplace(std::string(result::kWithdrawalCode), "839201");
  r.fields.emplace(std::string(result::kWithdrawalExpiresAt), int64_t{1'700'604'800});
  store::Effects fx = Answer(ins, r);
  ASSERT_EQ(fx.replies.size(), 2u);
  EXPECT_EQ(fx.replies[1].text,
            "QK7AB3XYZ2 You have received KES 500.00 from 0712345678. Collect it at any agent "
            "with your ID and code 839201 before 22/11/23 01:13.");
  EXPECT_EQ(fx.outcomes[0].detail.find("839201"), std::string::npos);
}

TEST_F(EngineTest, AWithdrawalTellsTheAgent) {
  store::NewInstruction ins = Confirmed("WITHDRAW 123456 1000");
  BackendResult r = Paid(50000);
  r.fields.emplace(std::string(result::kCounterpartyMsisdn), "254722000111");
  store::Effects fx = Answer(ins, r);
  ASSERT_EQ(fx.replies.size(), 2u);
  EXPECT_EQ(fx.replies[1].destination, "254722000111");
  EXPECT_EQ(fx.replies[1].text,
            "QK7AB3XYZ2 Confirmed. Give KES 1,000.00 cash to customer 0712345678, 15/11/23 "
            "01:13. Your float has been credited.");
}

TEST_F(EngineTest, BalanceAndMiniStatement) {
  EXPECT_EQ(OnlyReply(Answer(Confirmed("BAL"), Paid(123456))),
            "Your balance on 15/11/23 01:13 is KES 1,234.56.");
  BackendResult st = Paid(90000);
  st.statement = {{"QK7AB3XYZ2", 1'700'000'000, "bill.pay", -150000, 90000, "KPLC", "123456"},
                  {"QK7AB3XYZ1", 1'699'990'000, "credit", 200000, 240000, "", ""}};
  EXPECT_EQ(OnlyReply(Answer(Confirmed("MINI", "4822"), st)),
            "QK7AB3XYZ2 15/11/23 01:13 -KES 1,500.00. QK7AB3XYZ1 14/11/23 22:26 KES 2,000.00. "
            "Balance KES 900.00.");
}

struct RejectCase {
  const char* reason;
  const char* reply;
};

TEST_F(EngineTest, RejectionsGetAClearReplyPerReason) {
  const RejectCase cases[] = {
      {"insufficient_funds", "Not enough money for KES 1,500.00. Nothing was paid."},
      {"limit_exceeded", "KES 1,500.00 is above your limit. Nothing was paid."},
      {"account_locked", "Your account is locked. Call 100 or visit a branch to unlock it."},
      {"not_registered",
       "This phone has no linked account. Send REG <account number> to link one."},
      {"unknown_biller", "Request REF0000001 was declined. Nothing was paid. Call 100 for help."},
      {"something_new", "Request REF0000001 was declined. Nothing was paid. Call 100 for help."},
  };
  for (const RejectCase& c : cases) {
    minted_ = 0;
    store::NewInstruction ins = Confirmed("PAY KPLC 123456 1500");
    store::Effects fx = Answer(ins, BackendResult::Rejected(c.reason));
    ASSERT_EQ(fx.outcomes.size(), 1u);
    EXPECT_EQ(fx.outcomes[0].kind, store::InstructionOutcome::Kind::kRejected);
    EXPECT_EQ(fx.outcomes[0].detail, c.reason);
    EXPECT_EQ(OnlyReply(fx), c.reply) << c.reason;
    EXPECT_TRUE(fx.challenges.empty());
  }
}

TEST_F(EngineTest, AWrongPinReoffersTheSameCodeUntilThreeAreSpent) {
  store::NewInstruction ins = Confirmed("PAY KPLC 123456 1500");
  const char* replies[] = {
      "Wrong PIN. Reply 4821 <PIN> within 5 min to try again; 2 attempts left.",
      "Wrong PIN. Reply 4821 <PIN> within 5 min to try again; 1 attempts left.",
      "Code 4821 is cancelled after too many wrong PINs. Nothing was paid. Send the command "
      "again.",
  };
  for (int i = 0; i < 3; ++i) {
    view_.events[std::string(store::kEventWrongPin)] = i;
    store::Effects fx = Answer(ins, BackendResult::Rejected(reason::kWrongPin));
    EXPECT_EQ(OnlyReply(fx), replies[i]) << i;
    ASSERT_EQ(fx.audit.size(), 1u);
    EXPECT_EQ(fx.audit[0].event, store::kEventWrongPin);
    EXPECT_TRUE(fx.locks.empty());
    if (i == 2) {
      EXPECT_TRUE(fx.challenges.empty());
      break;
    }
    ASSERT_EQ(fx.challenges.size(), 1u);
    EXPECT_EQ(fx.challenges[0].code, "4821");
    EXPECT_EQ(fx.challenges[0].attempts, 2 - i);
    EXPECT_EQ(fx.challenges[0].secret, "") << "the wrong PIN is not kept";
    // The subscriber answers the re-offered challenge: the next instruction.
    view_.challenges[{kSub, "4821"}] = FakeChallenge{10 + i,
                                                     store::ChallengeState::kPending,
                                                     fx.challenges[0].operation,
                                                     fx.challenges[0].payload,
                                                     fx.challenges[0].secret,
                                                     fx.challenges[0].reference.value_or(""),
                                                     2 - i,
                                                     kNow + 300'000};
    store::Effects again = Mo("4821 9999");
    ASSERT_EQ(again.instructions.size(), 1u);
    ins = again.instructions[0];
  }
}

TEST_F(EngineTest, TheFifthWrongPinIn24HoursLocksThePhone) {
  store::NewInstruction ins = Confirmed("PAY KPLC 123456 1500");
  view_.events[std::string(store::kEventWrongPin)] = 4;
  store::Effects fx = Answer(ins, BackendResult::Rejected(reason::kWrongPin));
  ASSERT_EQ(fx.locks.size(), 1u);
  EXPECT_EQ(fx.locks[0].msisdn, kSub);
  EXPECT_EQ(fx.locks[0].until_ms, kNow + 24 * 3'600'000LL);
  EXPECT_TRUE(fx.challenges.empty());
  EXPECT_EQ(OnlyReply(fx),
            "Too many wrong PINs. Payments from this phone are blocked for 24 h. Nothing was "
            "paid.");
}

TEST_F(EngineTest, AWrongCurrentPinEndsAPinChange) {
  Pending("PIN", "4821");
  codes_ = {7310};
  store::Effects step1 = Mo("4821 1111");
  ASSERT_EQ(step1.challenges.size(), 1u);
  view_.challenges[{kSub, "7310"}] = FakeChallenge{5,
                                                   store::ChallengeState::kPending,
                                                   step1.challenges[0].operation,
                                                   step1.challenges[0].payload,
                                                   step1.challenges[0].secret,
                                                   "R",
                                                   3,
                                                   kNow + 300'000};
  store::NewInstruction ins = Mo("7310 5678").instructions.at(0);
  view_.events[std::string(store::kEventWrongPin)] = 1;
  store::Effects fx = Answer(ins, BackendResult::Rejected(reason::kWrongPin));
  EXPECT_TRUE(fx.challenges.empty());
  EXPECT_EQ(OnlyReply(fx), "Wrong PIN. 3 attempts left before your account is locked.");
}

BackendResult Bound(std::string old_phone) {
  BackendResult r = BackendResult::Accepted({{std::string(result::kAccountMasked), "*******8901"}});
  if (!old_phone.empty()) r.fields.emplace(std::string(result::kCounterpartyMsisdn), old_phone);
  return r;
}

TEST_F(EngineTest, ABindThatMovesAnAccountTellsTheOldPhone) {
  store::NewInstruction ins = Confirmed("REG 12345678901");
  store::Effects fx = Answer(ins, Bound("254700000001"));
  ASSERT_EQ(fx.replies.size(), 2u);
  EXPECT_EQ(fx.replies[0].destination, kSub);
  EXPECT_EQ(fx.replies[0].text,
            "Account ****8901 is now linked to this phone. Send HELP for the commands.");
  const store::NewReply& told = fx.replies[1];
  EXPECT_EQ(told.destination, "254700000001");
  EXPECT_EQ(told.text,
            "Account ****8901 was linked to another phone on 15/11/23 01:13. If this was not you, "
            "call 100 at once.");
  EXPECT_EQ(told.source, kShortCode);
  EXPECT_FALSE(told.connection.has_value()) << "the old phone may be on another route";
  EXPECT_EQ(told.reference, ins.reference);
  EXPECT_EQ(told.text.find("12345678901"), std::string::npos);
}

TEST_F(EngineTest, AFirstBindOrABindToTheSamePhoneTellsNobodyElse) {
  store::NewInstruction ins = Confirmed("REG 12345678901");
  EXPECT_EQ(Answer(ins, Bound("")).replies.size(), 1u);
  EXPECT_EQ(Answer(ins, Bound(kSub)).replies.size(), 1u);
}

// The old phone is told even when the command that bound has since left the grammar.
TEST_F(EngineTest, TheOldPhoneIsToldWhateverTheCommandDeclares) {
  store::NewInstruction ins = Confirmed("REG 12345678901");
  Result<Request> req = DecodeRequest(ins.payload);
  ASSERT_TRUE(req.ok());
  req->command = "gone";
  ins.payload = EncodeRequest(*req);
  store::Effects fx = Answer(ins, Bound("254700000001"));
  ASSERT_EQ(fx.replies.size(), 1u);
  EXPECT_EQ(fx.replies[0].destination, "254700000001");
  EXPECT_EQ(fx.replies[0].text.find("Account *******8901 was linked to another phone"), 0u)
      << fx.replies[0].text;
}

TEST_F(EngineTest, AGrammarThatBindsAccountsMustBeAbleToTellTheOldPhone) {
  std::string text = test_support::ShippedGrammarText();
  const std::string from = "  account.moved:\n";
  std::size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  std::size_t end = text.find("\n  declined.funds:\n", at);
  ASSERT_NE(end, std::string::npos);
  text.erase(at, end + 1 - at);
  parser::GrammarLoad load = parser::LoadGrammar(text, "g.yaml");
  ASSERT_TRUE(load.ok());
  auto e = Engine::Create(load.grammar, options_, {});
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("account.moved"), std::string::npos) << e.status().message();
}

// The old phone hears of a bind from account.moved; notices of the bind command's own would
// go to that phone too (the only one a bind's result names), a second SMS about one event.
TEST_F(EngineTest, ABindCommandWithNoticesOfItsOwnIsRefused) {
  std::string text = test_support::ShippedGrammarText();
  const std::string field = "        label: {en: account number, sw: namba ya akaunti}\n";
  const std::string reply = "    reply: register.done\n";
  ASSERT_NE(text.find(field), std::string::npos);
  text.insert(text.find(field) + field.size(),
              "      - {name: introducer, type: msisdn, class: party, optional: true}\n");
  ASSERT_NE(text.find(reply), std::string::npos);
  text.insert(text.find(reply) + reply.size(),
              "    notices:\n      - {to: introducer, template: register.done}\n");
  parser::GrammarLoad load = parser::LoadGrammar(text, "g.yaml");
  ASSERT_TRUE(load.ok()) << "the grammar itself is well formed";
  auto e = Engine::Create(load.grammar, options_, {});
  ASSERT_FALSE(e.ok());
  const std::string message = e.status().message();
  EXPECT_NE(message.find("command register"), std::string::npos) << message;
  EXPECT_NE(message.find("already notifies the old phone"), std::string::npos) << message;
  EXPECT_NE(message.find("account.moved"), std::string::npos) << message;
}

// Probing account numbers: an unknown number, or one without a PIN, gets the wrong-PIN reply,
// re-offers the code the same way, and counts toward the same lockout.
TEST_F(EngineTest, ABindToAnUnknownAccountIsAnsweredAndCountedAsAWrongPin) {
  for (std::string_view reason :
       {reason::kWrongPin, reason::kUnknownAccount, reason::kPinNotSet, reason::kAccountLocked}) {
    minted_ = 0;
    view_.events[std::string(store::kEventWrongPin)] = 1;
    store::NewInstruction ins = Confirmed("REG 12345678901");
    store::Effects fx = Answer(ins, BackendResult::Rejected(std::string(reason)));
    EXPECT_EQ(OnlyReply(fx),
              "Wrong PIN. Reply 4821 <PIN> within 5 min to try again; 2 attempts left.")
        << reason;
    ASSERT_EQ(fx.audit.size(), 1u) << reason;
    EXPECT_EQ(fx.audit[0].event, store::kEventWrongPin);
    EXPECT_EQ(fx.audit[0].msisdn, kSub);
    ASSERT_EQ(fx.challenges.size(), 1u) << reason;
    EXPECT_EQ(fx.challenges[0].code, "4821");
    EXPECT_NE(fx.challenges[0].secret.find("12345678901"), std::string::npos)
        << "the account stays for the next try";
    ASSERT_EQ(fx.outcomes.size(), 1u);
    EXPECT_EQ(fx.outcomes[0].detail, reason) << "the outcome keeps the real reason";

    view_.events[std::string(store::kEventWrongPin)] = 4;
    fx = Answer(ins, BackendResult::Rejected(std::string(reason)));
    ASSERT_EQ(fx.locks.size(), 1u) << reason;
    EXPECT_EQ(fx.locks[0].msisdn, kSub);
    EXPECT_EQ(OnlyReply(fx),
              "Too many wrong PINs. Payments from this phone are blocked for 24 h. Nothing was "
              "paid.");
  }
}

// A locked account's bind: the phone that tried reads a wrong PIN; the account's own phone,
// when the backend names it, is told.
TEST_F(EngineTest, ABindOfALockedAccountTellsTheAccountsOwnPhone) {
  store::NewInstruction ins = Confirmed("REG 12345678901");
  BackendResult r = BackendResult::Rejected(reason::kAccountLocked);
  r.fields.emplace(std::string(result::kCounterpartyMsisdn), "254700000001");
  r.fields.emplace(std::string(result::kAccountMasked), "*******8901");
  store::Effects fx = Answer(ins, r);
  ASSERT_EQ(fx.replies.size(), 2u);
  EXPECT_EQ(fx.replies[0].destination, kSub);
  EXPECT_EQ(fx.replies[0].text,
            "Wrong PIN. Reply 4821 <PIN> within 5 min to try again; 2 attempts left.");
  const store::NewReply& told = fx.replies[1];
  EXPECT_EQ(told.destination, "254700000001");
  EXPECT_EQ(told.text,
            "Someone tried to link account ****8901 to another phone on 15/11/23 01:13. Your "
            "account is locked: call 100 or visit a branch.");
  EXPECT_FALSE(told.connection.has_value()) << "the owner may be on another route";
  EXPECT_EQ(told.text.find("12345678901"), std::string::npos);

  // Nobody else to tell: no notice.
  BackendResult own = BackendResult::Rejected(reason::kAccountLocked);
  own.fields.emplace(std::string(result::kCounterpartyMsisdn), kSub);
  EXPECT_EQ(Answer(ins, own).replies.size(), 1u);
  EXPECT_EQ(Answer(ins, BackendResult::Rejected(reason::kAccountLocked)).replies.size(), 1u);
}

// The owner's phone is told once per locked_bind_notice_interval, counted on its audit rows;
// the phone that tried reads the same whether the owner was told now or earlier.
TEST_F(EngineTest, TheOwnerIsToldOfALockedBindOncePerInterval) {
  store::NewInstruction ins = Confirmed("REG 12345678901");
  BackendResult r = BackendResult::Rejected(reason::kAccountLocked);
  r.fields.emplace(std::string(result::kCounterpartyMsisdn), "254700000001");
  store::Effects first = Answer(ins, r);
  ASSERT_EQ(first.replies.size(), 2u);
  const store::NewAudit* told = nullptr;
  for (const store::NewAudit& a : first.audit) {
    if (a.event == kEventLockedBindNotice) told = &a;
  }
  ASSERT_NE(told, nullptr) << "the notice is counted";
  EXPECT_EQ(told->msisdn, "254700000001") << "on the owner's phone, not the one that tried";
  EXPECT_EQ(told->detail.find("12345678901"), std::string::npos);

  view_.events[std::string(kEventLockedBindNotice)] = 1;
  store::Effects again = Answer(ins, r);
  ASSERT_EQ(again.replies.size(), 1u) << "told already inside the interval";
  EXPECT_EQ(again.replies[0].destination, first.replies[0].destination);
  EXPECT_EQ(again.replies[0].text, first.replies[0].text);
  for (const store::NewAudit& a : again.audit) EXPECT_NE(a.event, kEventLockedBindNotice);
}

// A grammar without account.locked_bind tells the owner with account.locked.
TEST_F(EngineTest, WithoutItsTemplateTheOwnerIsToldTheAccountIsLocked) {
  std::string text = test_support::ShippedGrammarText();
  const std::size_t at = text.find("  account.locked_bind:\n");
  ASSERT_NE(at, std::string::npos);
  const std::size_t end = text.find("\n  declined.funds:\n", at);
  ASSERT_NE(end, std::string::npos);
  text.erase(at, end + 1 - at);
  parser::GrammarLoad load = parser::LoadGrammar(text, "g.yaml");
  ASSERT_TRUE(load.ok());
  auto e = Engine::Create(load.grammar, options_, {});
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  engine_ = std::move(*e);
  BackendResult r = BackendResult::Rejected(reason::kAccountLocked);
  r.fields.emplace(std::string(result::kCounterpartyMsisdn), "254700000001");
  store::Effects fx = Answer(Confirmed("REG 12345678901"), r);
  ASSERT_EQ(fx.replies.size(), 2u);
  EXPECT_EQ(fx.replies[1].destination, "254700000001");
  EXPECT_EQ(fx.replies[1].text, "Your account is locked. Call 100 or visit a branch to unlock it.");
}

// Elsewhere an unknown account is what it says (a payee, not the subscriber's credential).
TEST_F(EngineTest, AnUnknownAccountOutsideABindIsNotAWrongPin) {
  store::NewInstruction ins = Confirmed("SEND 0712345679 500");
  store::Effects fx = Answer(ins, BackendResult::Rejected(reason::kUnknownAccount));
  EXPECT_TRUE(fx.audit.empty());
  EXPECT_TRUE(fx.challenges.empty());
}

TEST_F(EngineTest, UnavailableRetriesSilentlyThenTellsTheSubscriberWhenDead) {
  store::NewInstruction ins = Confirmed("PAY KPLC 123456 1500");
  store::Effects early = Answer(ins, BackendResult::Unavailable("busy"), 1);
  ASSERT_EQ(early.outcomes.size(), 1u);
  EXPECT_EQ(early.outcomes[0].kind, store::InstructionOutcome::Kind::kRetry);
  EXPECT_TRUE(early.replies.empty());
  store::Effects dead = Answer(ins, BackendResult::Unavailable("busy"), 10);
  EXPECT_EQ(dead.outcomes[0].kind, store::InstructionOutcome::Kind::kRetry);
  EXPECT_EQ(OnlyReply(dead),
            "We could not complete request REF0000001 now. Nothing was paid. Please try again "
            "later.");
}

// Refused unsent by an open circuit: a retry that spends no attempt, never the "delayed" reply,
// even on what would have been the last attempt.
TEST_F(EngineTest, UnavailableUnsentIsARetryThatSpendsNoAttempt) {
  store::NewInstruction ins = Confirmed("PAY KPLC 123456 1500");
  BackendResult refused = BackendResult::Unavailable("circuit_open");
  refused.not_sent = true;
  store::Effects fx = Answer(ins, refused, 10);
  ASSERT_EQ(fx.outcomes.size(), 1u);
  EXPECT_EQ(fx.outcomes[0].kind, store::InstructionOutcome::Kind::kRetry);
  EXPECT_FALSE(fx.outcomes[0].attempt_spent);
  EXPECT_TRUE(fx.replies.empty());
  EXPECT_EQ(fx.outcomes[0].wait_ms, 0);
  EXPECT_TRUE(Answer(ins, BackendResult::Unavailable("busy"), 1).outcomes[0].attempt_spent);
}

// The backend's Retry-After (or the breaker's hold after a declined probe) goes to the store
// with the retry.
TEST_F(EngineTest, AnUnavailableAnswersWaitGoesWithTheRetry) {
  store::NewInstruction ins = Confirmed("PAY KPLC 123456 1500");
  BackendResult busy = BackendResult::Unavailable("http_503");
  busy.wait = std::chrono::milliseconds(60'000);
  store::Effects fx = Answer(ins, busy, 1);
  ASSERT_EQ(fx.outcomes.size(), 1u);
  EXPECT_EQ(fx.outcomes[0].kind, store::InstructionOutcome::Kind::kRetry);
  EXPECT_EQ(fx.outcomes[0].wait_ms, 60'000);
}

TEST_F(EngineTest, BillNoticesBecomeMtsUnlessTheSubscriberSentStop) {
  BillNotice n{kSub, kShortCode, "KPLC", "123456", 150000, "30 Nov", "en"};
  auto fx = engine_->OnBillNotice(n, view_);
  ASSERT_TRUE(fx.ok());
  EXPECT_FALSE(fx->consume.has_value());
  EXPECT_EQ(OnlyReply(*fx),
            "Your KPLC bill ref 123456 is KES 1,500.00, due 30 Nov. Reply PAY KPLC 123456 1500 "
            "to pay.");
  view_.stopped.insert("254700000001");  // another subscriber's STOP changes nothing
  fx = engine_->OnBillNotice(n, view_);
  ASSERT_TRUE(fx.ok());
  EXPECT_EQ(fx->replies.size(), 1u);
  view_.stopped.insert(std::string(kSub));
  fx = engine_->OnBillNotice(n, view_);
  ASSERT_TRUE(fx.ok());
  EXPECT_TRUE(fx->replies.empty());
}

TEST_F(EngineTest, RepliesFitOneSmsAndNeverCarryThePin) {
  const char* texts[] = {"PAY KPLC 123456 150000",
                         "SEND 0712345679 70000",
                         "WITHDRAW 1234567 70000",
                         "TOPUP 0712345679 10000",
                         "BAL",
                         "MINI",
                         "PIN",
                         "REG 1234567890123456"};
  for (const char* text : texts) {
    codes_ = {4821};
    store::Effects ch = Mo(text);
    ASSERT_EQ(ch.replies.size(), 1u) << text;
    EXPECT_LE(ch.replies[0].text.size(), 160u) << ch.replies[0].text;
  }
  store::NewInstruction ins = Confirmed("PAY KPLCWATER12 ABCDEFGHIJ12345 150000", "5555");
  store::Effects fx = Answer(ins, Paid(1'234'567'89));
  for (const store::NewReply& r : fx.replies) {
    EXPECT_LE(r.text.size(), 160u) << r.text;
    EXPECT_EQ(r.text.find("1234 "), std::string::npos) << r.text;
  }
}

}  // namespace
}  // namespace smsgw::commands::testing
