// The engine's answers to MOs: challenges, confirmations, refusals, limits, dedup.
#include <gtest/gtest.h>

#include "parser/grammar_loader.h"
#include "tests/commands/engine_fixture.h"

namespace smsgw::commands::testing {
namespace {

TEST_F(EngineTest, PayAsksForThePinWithAChallenge) {
  codes_ = {4821};
  store::Effects fx = Mo("PAY KPLC 123456 1500");
  EXPECT_EQ(OnlyReply(fx), "Pay KES 1,500.00 to KPLC ref 123456? Reply 4821 <PIN> within 5 min.");
  ASSERT_EQ(fx.challenges.size(), 1u);
  const store::NewChallenge& ch = fx.challenges[0];
  EXPECT_EQ(ch.msisdn, kSub);
  EXPECT_EQ(ch.code, "4821");
  EXPECT_EQ(ch.operation, "bill.pay");
  EXPECT_EQ(ch.expires_at, kNow + 5 * 60'000);
  EXPECT_EQ(ch.attempts, 3);
  EXPECT_EQ(ch.secret, "");
  EXPECT_EQ(ch.reference, "REF0000001");
  EXPECT_TRUE(fx.instructions.empty());
  ASSERT_TRUE(fx.consume.has_value());
  EXPECT_EQ(fx.consume->outcome, "challenge");
  EXPECT_EQ(fx.consume->reference, "REF0000001");
  EXPECT_EQ(fx.consume->resend_command, "pay|KPLC|123456|1500.00");
  EXPECT_EQ(fx.replies[0].source, kShortCode);
  EXPECT_EQ(fx.replies[0].destination, kSub);
  EXPECT_EQ(fx.replies[0].connection, "smsc1");
}

// A source the gateway kept as the SMSC wrote it is answered with the TON/NPI it came with;
// one in E.164 form with the connection's (none of its own).
TEST_F(EngineTest, AReplyToASourceKeptAsItCameCarriesItsTonAndNpi) {
  store::Effects fx = Mo("HELLO", "MyBank", kShortCode, store::AddressType{5, 0});
  ASSERT_EQ(fx.replies.size(), 1u);
  EXPECT_EQ(fx.replies[0].destination, "MyBank");
  EXPECT_EQ(fx.replies[0].destination_type, (store::AddressType{5, 0}));
  fx = Mo("HELP");
  ASSERT_EQ(fx.replies.size(), 1u);
  EXPECT_EQ(fx.replies[0].destination_type, std::nullopt);
}

struct PromptCase {
  const char* text;
  const char* reply;
};

TEST_F(EngineTest, EveryPinCommandPromptsInTheKeywordsLanguage) {
  const PromptCase cases[] = {
      {"LIPA KPLC 123456 1500",
       "Lipa KES 1,500.00 kwa KPLC kumb. 123456? Jibu 4821 <PIN> ndani ya dakika 5."},
      {"SEND 0712345679 500", "Send KES 500.00 to 254712345679? Reply 4821 <PIN> within 5 min."},
      {"TUMA 0712345679 500",
       "Tuma KES 500.00 kwa 254712345679? Jibu 4821 <PIN> ndani ya dakika 5."},
      {"WITHDRAW 123456 1000",
       "Withdraw KES 1,000.00 at agent 123456? Reply 4821 <PIN> within 5 min."},
      {"TOPUP 100", "Buy KES 100.00 airtime for 254712345678? Reply 4821 <PIN> within 5 min."},
      {"BAL", "To see your balance, reply 4821 <PIN> within 5 min."},
      {"SALIO", "Kuona salio lako, jibu 4821 <PIN> ndani ya dakika 5."},
      {"MINI", "To see your last transactions, reply 4821 <PIN> within 5 min."},
      {"PIN",
       "To change your PIN, reply 4821 <current PIN> within 5 min. Send only the code and the "
       "PIN."},
  };
  for (const PromptCase& c : cases) {
    codes_ = {4821};
    store::Effects fx = Mo(c.text);
    EXPECT_EQ(OnlyReply(fx), c.reply) << c.text;
    EXPECT_EQ(fx.challenges.size(), 1u) << c.text;
  }
}

// An instruction takes its challenge's reference unless another instruction has it by now:
// the unique index would refuse the step at every retry, and the payment be given up.
TEST_F(EngineTest, AChallengesReferenceTakenMeanwhileGivesItsInstructionAFreshOne) {
  Pending("PAY KPLC 123456 1500", "4821");
  view_.taken_references.insert("REF0000001");
  store::Effects fx = Mo("4821 1234");
  ASSERT_EQ(fx.instructions.size(), 1u);
  EXPECT_EQ(fx.instructions[0].reference, "REF0000002");
  EXPECT_EQ(fx.consume->reference, "REF0000002");
  EXPECT_EQ(fx.instructions[0].challenge_id, 1);
}

TEST_F(EngineTest, RegisterKeepsTheAccountSealedAndMasked) {
  codes_ = {4821};
  store::Effects fx = Mo("REG 12345678901");
  ASSERT_EQ(fx.challenges.size(), 1u);
  EXPECT_EQ(fx.challenges[0].operation, "account.bind");
  EXPECT_EQ(fx.challenges[0].payload.find("12345678901"), std::string::npos);
  EXPECT_NE(fx.challenges[0].secret.find("12345678901"), std::string::npos);
  EXPECT_EQ(fx.consume->redacted_text.find("12345678901"), std::string::npos);
  EXPECT_EQ(OnlyReply(fx).find("12345678901"), std::string::npos);
  EXPECT_NE(OnlyReply(fx).find("8901"), std::string::npos);
}

TEST_F(EngineTest, CodeAndPinBecomeAnInstructionWithThePinOnlySealed) {
  Pending("PAY KPLC 123456 1500", "4821");
  store::Effects fx = Mo("4821 1234");
  EXPECT_TRUE(fx.replies.empty());
  ASSERT_EQ(fx.challenge_changes.size(), 1u);
  EXPECT_EQ(fx.challenge_changes[0].kind, store::ChallengeChange::Kind::kConsume);
  EXPECT_EQ(fx.challenge_changes[0].challenge_id, 1);
  ASSERT_EQ(fx.instructions.size(), 1u);
  const store::NewInstruction& ins = fx.instructions[0];
  EXPECT_EQ(ins.operation, "bill.pay");
  EXPECT_EQ(ins.reference, "REF0000001");
  EXPECT_EQ(ins.challenge_id, 1);
  EXPECT_EQ(ins.payload.find("1234\""), std::string::npos);
  EXPECT_NE(ins.secret.find("\"pin\":\"1234\""), std::string::npos);
  EXPECT_EQ(fx.consume->redacted_text, "4821 ****");
  EXPECT_EQ(fx.consume->outcome, "instruction");

  store::ClaimedInstruction claimed;
  claimed.id = ins.id;
  claimed.operation = ins.operation;
  claimed.msisdn = ins.msisdn;
  claimed.payload = ins.payload;
  claimed.secret = store::SecretBytes(ins.secret);
  auto port = engine_->ToBackend(claimed);
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  EXPECT_EQ(port->pin.view(), "1234");
  EXPECT_EQ(*FindText(port->fields, field::kBiller), "KPLC");
  EXPECT_EQ(*FindText(port->fields, field::kBillRef), "123456");
  EXPECT_EQ(*FindInt(port->fields, field::kAmount), 150000);
  EXPECT_TRUE(ValidateInstruction(*port).ok()) << ValidateInstruction(*port).ToString();

  // Claimed as it is stored, the instruction carries the request it was made from: the same
  // call, and the request handed on is that one, not one read from the payload.
  ASSERT_NE(ins.parsed, nullptr);
  claimed.parsed = ins.parsed;
  std::shared_ptr<const Request> decoded;
  auto along = engine_->ToBackend(claimed, &decoded);
  ASSERT_TRUE(along.ok()) << along.status().ToString();
  EXPECT_EQ(decoded, std::static_pointer_cast<const Request>(ins.parsed));
  EXPECT_EQ(along->fields, port->fields);
  EXPECT_EQ(along->pin.view(), "1234");
  EXPECT_EQ(along->operation, port->operation);
}

struct StateCase {
  store::ChallengeState state;
  const char* outcome;
  const char* reply;
};

TEST_F(EngineTest, ACodeThatIsNotPendingGetsAClearReplyAndNothingRuns) {
  const StateCase cases[] = {
      {store::ChallengeState::kExpired, "challenge.expired",
       "Code 4821 expired after 5 min. Nothing was paid. Send the command again."},
      {store::ChallengeState::kConsumed, "challenge.used",
       "Code 4821 was already used, ref REF0000001. It is processed once: no need to send it "
       "again."},
      {store::ChallengeState::kExhausted, "challenge.exhausted",
       "Code 4821 is cancelled after too many wrong PINs. Nothing was paid. Send the command "
       "again."},
      {store::ChallengeState::kCancelled, "challenge.unknown",
       "Code 4821 is not waiting for a PIN. Send the command again."},
  };
  for (const StateCase& c : cases) {
    minted_ = 0;
    FakeChallenge base;
    base.state = c.state;
    Pending("PAY KPLC 123456 1500", "4821", base);
    store::Effects fx = Mo("4821 1234");
    EXPECT_EQ(fx.consume->outcome, c.outcome);
    EXPECT_EQ(OnlyReply(fx), c.reply);
    EXPECT_TRUE(fx.instructions.empty());
    EXPECT_TRUE(fx.challenge_changes.empty());
  }
}

TEST_F(EngineTest, AnUnknownCodeIsNotEchoedWithThePin) {
  store::Effects fx = Mo("9999 1234");
  EXPECT_EQ(OnlyReply(fx), "Code 9999 is not waiting for a PIN. Send the command again.");
  EXPECT_EQ(fx.consume->redacted_text, "9999 ****");
}

TEST_F(EngineTest, TheSwahiliChallengeIsAnsweredInSwahili) {
  FakeChallenge base;
  base.state = store::ChallengeState::kExpired;
  Pending("LIPA KPLC 123456 1500", "4821", base);
  EXPECT_EQ(OnlyReply(Mo("4821 1234")),
            "Msimbo 4821 umeisha muda baada ya dakika 5. Hakuna kilicholipwa. Tuma amri tena.");
}

TEST_F(EngineTest, AccountAndPinInOneMessageAreRefusedRedactedAndAudited) {
  const char* texts[] = {"REG 4111111111111111 1234", "PAY KPLC 4111111111111111 PIN 1234",
                         "ACC 4111111111111111 PIN 1234"};
  for (const char* text : texts) {
    store::Effects fx = Mo(text);
    EXPECT_EQ(fx.consume->outcome, "refused") << text;
    EXPECT_EQ(OnlyReply(fx),
              "Never send your PIN with an account number. Your message was deleted and nothing "
              "was paid. Change your PIN now: send PIN.");
    EXPECT_EQ(fx.consume->redacted_text.find("1111"), std::string::npos) << text;
    EXPECT_EQ(fx.consume->redacted_text.find("1234"), std::string::npos) << text;
    EXPECT_TRUE(fx.challenges.empty());
    EXPECT_TRUE(fx.instructions.empty());
    ASSERT_EQ(fx.audit.size(), 1u);
    EXPECT_EQ(fx.audit[0].event, store::kEventCredentialRefused);
    EXPECT_EQ(fx.audit[0].detail.find("1234"), std::string::npos);
    EXPECT_EQ(fx.audit[0].detail.find("4111"), std::string::npos);
  }
}

TEST_F(EngineTest, APinWhereNoneWasAskedIsNeitherEchoedNorStored) {
  const char* texts[] = {"BAL 1234", "HELP 1234", "LOCK 1234"};
  for (const char* text : texts) {
    store::Effects fx = Mo(text);
    EXPECT_EQ(fx.consume->outcome, "usage") << text;
    EXPECT_EQ(fx.consume->redacted_text.find("1234"), std::string::npos) << text;
    EXPECT_EQ(OnlyReply(fx).find("1234"), std::string::npos) << text;
  }
}

TEST_F(EngineTest, UsageAndUnknownKeywordsGetDirectReplies) {
  EXPECT_EQ(OnlyReply(Mo("PAY KPLC")), "Missing bill ref. Use: PAY <biller> <bill ref> <amount>");
  EXPECT_EQ(OnlyReply(Mo("PAY KPLC 123456 5")),
            "Amount must be between 10 and 150,000. Use: PAY <biller> <bill ref> <amount>");
  EXPECT_NE(OnlyReply(Mo("PAI KPLC 123456 1500")).find("Did you mean PAY?"), std::string::npos);
}

TEST_F(EngineTest, CommandsWithoutPin) {
  store::Effects help = Mo("HELP PAY");
  EXPECT_EQ(OnlyReply(help),
            "Pay a bill, e.g. PAY KPLC 123456 1500. Use: PAY <biller> <bill ref> <amount>");
  store::Effects stop = Mo("STOP");
  EXPECT_EQ(OnlyReply(stop),
            "You will no longer receive bill notices or offers. Payments still work.");
  ASSERT_EQ(stop.audit.size(), 1u);
  EXPECT_EQ(stop.audit[0].event, kEventStop);
  EXPECT_EQ(stop.notices_stopped, std::vector<std::string>{std::string(kSub)});
  store::Effects lock = Mo("LOCK");
  EXPECT_TRUE(lock.replies.empty());
  ASSERT_EQ(lock.instructions.size(), 1u);
  EXPECT_EQ(lock.instructions[0].operation, "account.lock");
  EXPECT_EQ(lock.instructions[0].secret, "");
}

TEST_F(EngineTest, CancelEndsAPendingChallenge) {
  Pending("PAY KPLC 123456 1500", "4821");
  store::Effects fx = Mo("CANCEL 4821");
  EXPECT_EQ(OnlyReply(fx), "Request 4821 cancelled. Nothing was paid.");
  ASSERT_EQ(fx.challenge_changes.size(), 1u);
  EXPECT_EQ(fx.challenge_changes[0].kind, store::ChallengeChange::Kind::kCancel);
  EXPECT_EQ(OnlyReply(Mo("CANCEL 1111")),
            "Code 1111 is not waiting for a PIN. Send the command again.");
}

TEST_F(EngineTest, ASecondCommandWhileOneIsPendingGetsItsOwnCode) {
  Pending("PAY KPLC 123456 1500", "4821");
  codes_ = {7310};
  store::Effects second = Mo("SEND 0712345679 500");
  ASSERT_EQ(second.challenges.size(), 1u);
  EXPECT_EQ(second.challenges[0].code, "7310");
  EXPECT_TRUE(second.challenge_changes.empty()) << "both live: the first is not cancelled";
  store::Effects first = Mo("4821 1234");
  ASSERT_EQ(first.instructions.size(), 1u);
  EXPECT_EQ(first.instructions[0].operation, "bill.pay");
}

TEST_F(EngineTest, ACodeStillPendingForTheSubscriberIsNotGivenAgain) {
  Pending("PAY KPLC 123456 1500", "4821");
  codes_ = {4821, 7310};
  store::Effects second = Mo("SEND 0712345679 500");
  ASSERT_EQ(second.challenges.size(), 1u);
  EXPECT_EQ(second.challenges[0].code, "7310");
  // Another subscriber may hold the same code: codes are bound to the MSISDN.
  codes_ = {4821};
  store::Effects other = Mo("SEND 0712345679 500", "254712345670");
  ASSERT_EQ(other.challenges.size(), 1u);
  EXPECT_EQ(other.challenges[0].code, "4821");
}

// A challenge the subscriber was given, and answered, `hours` ago.
FakeChallenge AnsweredHoursAgo(int hours) {
  FakeChallenge c;
  c.state = store::ChallengeState::kConsumed;
  c.created_at = kNow - hours * 3'600'000LL;
  return c;
}

TEST_F(EngineTest, ACodeUsedWithinADayIsNotGivenAgainSoItsAnswerCannotRepeatAnEarlierMo) {
  // "4821 1234" sent again would read as the SMSC redelivering the earlier answer.
  view_.challenges[{kSub, "4821"}] = AnsweredHoursAgo(23);
  view_.challenges[{kSub, "5902"}] = AnsweredHoursAgo(25);
  codes_ = {4821, 5902};
  store::Effects fx = Mo("PAY KPLC 123456 1500");
  ASSERT_EQ(fx.challenges.size(), 1u);
  EXPECT_EQ(fx.challenges[0].code, "5902") << "a code given over a day ago may come back";
}

TEST_F(EngineTest, WithoutAFreeCodeTheOneGivenLongestAgoIsTakenNeverAPendingOne) {
  Pending("PAY KPLC 123456 1500", "1111");
  view_.challenges[{kSub, "4821"}] = AnsweredHoursAgo(20);
  view_.challenges[{kSub, "5902"}] = AnsweredHoursAgo(23);
  codes_ = {4821, 5902, 1111, 1111, 1111, 1111, 1111, 1111, 7777};
  store::Effects fx = Mo("SEND 0712345679 500");
  ASSERT_EQ(fx.challenges.size(), 1u);
  EXPECT_EQ(fx.challenges[0].code, "5902");
}

TEST_F(EngineTest, DrawsForAFreshCodeAreBoundedAndAPendingCodeIsNeverGivenAgain) {
  Pending("PAY KPLC 123456 1500", "1111");
  // Eight draws, all the pending code; the ninth would have been free.
  codes_ = {1111, 1111, 1111, 1111, 1111, 1111, 1111, 1111, 7777};
  Inbound in;
  in.id = 99;
  in.received_at = now_;
  in.connection = "smsc1";
  in.source = kSub;
  in.destination = kShortCode;
  in.text = "SEND 0712345679 500";
  auto fx = engine_->OnInbound(in, view_);
  ASSERT_FALSE(fx.ok()) << "a pending code was given again";
  EXPECT_EQ(fx.status().code(), Status::Code::kUnavailable) << "the step is tried again later";
  EXPECT_EQ(codes_.size(), 1u) << "exactly eight draws";
}

TEST_F(EngineTest, TheSameCommandInsideTheResendWindowIsAnsweredWithItsReference) {
  view_.resend = store::ResendMatch{7, kNow - 60'000, "K7H3QZ2P9M"};
  store::Effects fx = Mo("PAY KPLC 123456 1500");
  EXPECT_EQ(view_.last_resend_key, "pay|KPLC|123456|1500.00");
  EXPECT_EQ(fx.consume->outcome, "resend");
  EXPECT_EQ(fx.consume->reference, "K7H3QZ2P9M");
  EXPECT_TRUE(fx.challenges.empty());
  EXPECT_EQ(OnlyReply(fx),
            "We already have this message, ref K7H3QZ2P9M. It is processed once: no need to send "
            "it again.");
}

TEST_F(EngineTest, ALockedPhoneCannotStartOrConfirmPayments) {
  Pending("PAY KPLC 123456 1500", "4821");
  view_.locked_until = kNow + 1000;
  for (const char* text : {"PAY KPLC 123456 1500", "4821 1234"}) {
    store::Effects fx = Mo(text);
    EXPECT_EQ(fx.consume->outcome, "locked");
    EXPECT_EQ(OnlyReply(fx), "Your account is locked. Call 100 or visit a branch to unlock it.");
    EXPECT_TRUE(fx.instructions.empty());
    EXPECT_TRUE(fx.challenges.empty());
  }
  EXPECT_EQ(Mo("HELP").replies.size(), 1u);
}

TEST_F(EngineTest, RateLimitWarnsOnceThenStaysSilent) {
  struct Case {
    int64_t processed;
    const char* outcome;
    size_t replies;
  };
  const Case cases[] = {
      {9, "usage", 1}, {10, "rate_limited", 1}, {11, "rate_limited", 0}, {40, "rate_limited", 0}};
  for (const Case& c : cases) {
    view_.events[std::string(store::kEventInboundProcessed)] = c.processed;
    store::Effects fx = Mo("HELLO");
    EXPECT_EQ(fx.consume->outcome, c.outcome) << c.processed;
    EXPECT_EQ(fx.replies.size(), c.replies) << c.processed;
    if (c.processed == 10) {
      EXPECT_EQ(fx.replies[0].text, "Too many messages. Please try again in 1 min.");
    }
  }
}

TEST_F(EngineTest, PinChangeAsksForTheOldThenTheNewPinSeparately) {
  Pending("PIN", "4821");
  codes_ = {7310};
  store::Effects step1 = Mo("4821 1234");
  EXPECT_TRUE(step1.instructions.empty());
  ASSERT_EQ(step1.challenges.size(), 1u);
  EXPECT_EQ(OnlyReply(step1),
            "Now reply 7310 <new PIN> within 5 min. Choose 4 digits that are not your birth "
            "year.");
  FakeChallenge next;
  next.id = 9;
  next.operation = step1.challenges[0].operation;
  next.payload = step1.challenges[0].payload;
  next.secret = step1.challenges[0].secret;
  next.reference = step1.challenges[0].reference.value_or("");
  view_.challenges[{kSub, "7310"}] = next;
  store::Effects step2 = Mo("7310 5678");
  ASSERT_EQ(step2.instructions.size(), 1u);
  EXPECT_EQ(step2.instructions[0].operation, "pin.change");
  EXPECT_NE(step2.instructions[0].secret.find("\"pin\":\"1234\""), std::string::npos);
  EXPECT_NE(step2.instructions[0].secret.find("\"new_pin\":\"5678\""), std::string::npos);
  EXPECT_EQ(step2.instructions[0].secret.find("account"), std::string::npos);
}

// gateway.yaml short_codes[].language: what the subscriber did not choose comes in the
// language of the short code the message was sent to.
TEST_F(EngineTest, AShortCodesLanguageAnswersWhatNoKeywordDecides) {
  options_.short_code_languages = {{kShortCode, "sw"}, {"5050", "en"}, {"6060", "fr"}};
  Remake();
  EXPECT_EQ(OnlyReply(Mo("XYZZY")).rfind("Amri haijulikani. Amri: SAJILI, LIPA,", 0), 0u);
  EXPECT_EQ(OnlyReply(Mo("XYZZY", kSub, "5050")).rfind("Unknown command. Commands: REG,", 0), 0u);
  // A language the grammar lacks, and a code without one: the grammar's default.
  EXPECT_EQ(OnlyReply(Mo("XYZZY", kSub, "6060")).rfind("Unknown command.", 0), 0u);
  EXPECT_EQ(OnlyReply(Mo("XYZZY", kSub, "7070")).rfind("Unknown command.", 0), 0u);
  // The keyword is the subscriber's choice: PAY answers in English on a Swahili code, and the
  // answer to its code too.
  codes_ = {4821};
  store::Effects fx = Mo("PAY KPLC 123456 1500");
  EXPECT_EQ(OnlyReply(fx), "Pay KES 1,500.00 to KPLC ref 123456? Reply 4821 <PIN> within 5 min.");
  ASSERT_EQ(fx.challenges.size(), 1u);
  Result<Request> req = DecodeRequest(fx.challenges[0].payload);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->language, "en");
}

TEST_F(EngineTest, ABillNoticeWithoutALanguageTakesItsShortCodes) {
  options_.short_code_languages = {{kShortCode, "sw"}};
  Remake();
  BillNotice n{kSub, kShortCode, "KPLC", "123456", 150000, "30 Nov", ""};
  auto fx = engine_->OnBillNotice(n, view_);
  ASSERT_TRUE(fx.ok());
  EXPECT_EQ(OnlyReply(*fx).rfind("Bili yako ya KPLC", 0), 0u) << OnlyReply(*fx);
  n.language = "en";
  fx = engine_->OnBillNotice(n, view_);
  ASSERT_TRUE(fx.ok());
  EXPECT_EQ(OnlyReply(*fx).rfind("Your KPLC bill", 0), 0u) << OnlyReply(*fx);
}

}  // namespace
}  // namespace smsgw::commands::testing

namespace smsgw::commands::testing {
namespace {

TEST(EngineCreateTest, RefusesAGrammarWithACommandItCannotForward) {
  std::string yaml = test_support::InsertAfterLine(
      test_support::ShippedGrammarText(), "commands:",
      "  - name: fly\n    operation: fly.away\n    keywords: {en: [FLY], sw: [RUKA]}\n"
      "    reply: stop.done\n    help: {en: \"Fly.\", sw: \"Ruka.\"}\n");
  parser::GrammarLoad load = parser::LoadGrammar(yaml, "grammar.yaml");
  ASSERT_TRUE(load.ok());
  auto e = Engine::Create(load.grammar, EngineOptions{}, EngineDeps{});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(),
            "command fly: operation fly.away is not one the engine can forward");
  EXPECT_TRUE(Engine::Create(test_support::ShippedGrammar(), EngineOptions{}, EngineDeps{}).ok());
}

}  // namespace
}  // namespace smsgw::commands::testing
