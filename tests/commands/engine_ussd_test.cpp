// USSD dialogues through the engine: whole menus to the instruction, invalid answers,
// navigation, shortcuts and the credential-split rule, locks, and the state between turns.
#include <gtest/gtest.h>

#include "commands/ussd.h"
#include "tests/commands/engine_fixture.h"

namespace smsgw::commands::testing {
namespace {

constexpr char kService[] = "*384*12#";

class UssdTest : public EngineTest {
 protected:
  UssdTurn Open(const std::string& dial, const std::string& language = "") {
    UssdOpen o;
    o.connection = "smsc1";
    o.msisdn = kSub;
    o.service = kService;
    o.dial = dial;
    o.sms_from = kShortCode;
    o.language = language;
    o.now_ms = now_;
    auto t = engine_->OnUssdOpen(o, view_);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? std::move(*t) : UssdTurn{};
  }

  // Answers the screen `turn` waits on, through an encoded and decoded copy of its state (as
  // the store keeps it between turns).
  UssdTurn Reply(const UssdTurn& turn, const std::string& input) {
    EXPECT_FALSE(turn.end) << turn.text;
    if (!turn.state) return UssdTurn{};
    auto state = UssdState::Decode(turn.state->Encode());
    EXPECT_TRUE(state.ok());
    auto t = engine_->OnUssdAnswer(*state, input, now_, view_);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? std::move(*t) : UssdTurn{};
  }

  UssdTurn Walk(const std::string& dial, const std::vector<std::string>& answers) {
    UssdTurn t = Open(dial);
    for (const auto& a : answers) t = Reply(t, a);
    return t;
  }
};

// A dialogue opened without a language takes the short code's: the USSD service's own, else
// that of the code its SMS results go out from. The subscriber's menu choice still wins.
TEST_F(UssdTest, TheShortCodesLanguageOpensTheMenu) {
  options_.short_code_languages = {{kShortCode, "sw"}};
  Remake();
  UssdTurn t = Open(kService);
  EXPECT_EQ(t.text.rfind("Pesa\n1 Lipa bili", 0), 0u) << t.text;
  EXPECT_EQ(Reply(t, "5").text.rfind("Chagua lugha", 0), 0u);
  EXPECT_EQ(Open(kService, "en").text.rfind("Pesa\n1 Pay bill", 0), 0u);
  options_.short_code_languages = {{kShortCode, "sw"}, {kService, "en"}};
  Remake();
  EXPECT_EQ(Open(kService).text.rfind("Pesa\n1 Pay bill", 0), 0u);
}

TEST_F(UssdTest, AWholePayBillMenuBecomesTheInstruction) {
  UssdTurn t = Open(kService);
  EXPECT_EQ(t.text, "Pesa\n1 Pay bill\n2 Send money\n3 Withdraw cash\n4 My account\n5 Kiswahili");
  ASSERT_EQ(t.effects.audit.size(), 1u);
  EXPECT_EQ(t.effects.audit[0].event, kEventUssdOpened);
  t = Reply(t, "1");
  EXPECT_EQ(t.text, "Enter business name or number\n0 Back\n00 Home");
  t = Reply(t, "kplc");
  EXPECT_EQ(t.text, "Enter bill reference\n0 Back\n00 Home");
  t = Reply(t, "123456");
  t = Reply(t, "1,500");
  EXPECT_EQ(t.text, "Enter PIN\n0 Back\n00 Home");
  t = Reply(t, "9876");
  EXPECT_EQ(t.text, "Pay KES 1,500.00 to KPLC ref 123456?\n1 Yes\n2 No\n0 Back\n00 Home");
  EXPECT_TRUE(t.effects.instructions.empty());
  t = Reply(t, "1");
  EXPECT_TRUE(t.end);
  EXPECT_FALSE(t.state);
  EXPECT_EQ(t.text, "Request received, ref REF0000001. You will get an SMS.");
  ASSERT_EQ(t.effects.instructions.size(), 1u);
  const store::NewInstruction& ins = t.effects.instructions[0];
  EXPECT_EQ(ins.operation, "bill.pay");
  EXPECT_EQ(ins.msisdn, kSub);
  EXPECT_EQ(ins.reference, "REF0000001");
  EXPECT_FALSE(ins.inbound_id);
  EXPECT_FALSE(ins.challenge_id);
  EXPECT_EQ(ins.payload.find("9876"), std::string::npos) << ins.payload;
  auto req = DecodeRequest(ins.payload);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->short_code, kShortCode);  // the backend's result goes out by SMS from here
  EXPECT_EQ(req->command, "pay");
  auto secrets = DecodeSecrets(ins.secret);
  ASSERT_TRUE(secrets.ok());
  EXPECT_EQ(secrets->pin, "9876");
  // The same instruction as "PAY KPLC 123456 1500" confirmed with the PIN.
  store::NewInstruction sms = Confirmed("PAY KPLC 123456 1500");
  EXPECT_EQ(DecodeRequest(sms.payload)->args, req->args);
  EXPECT_EQ(sms.operation, ins.operation);
}

TEST_F(UssdTest, TheResultReachesTheSubscriberBySmsFromTheShortCode) {
  UssdTurn t = Walk(kService, {"1", "KPLC", "123456", "1500", "1234", "1"});
  ASSERT_EQ(t.effects.instructions.size(), 1u);
  BackendResult ok = BackendResult::Accepted({{std::string(result::kTransactionCode), "QK7AB3XYZ2"},
                                              {std::string(result::kBalance), int64_t{850000}}});
  store::Effects fx = Answer(t.effects.instructions[0], ok);
  ASSERT_EQ(fx.replies.size(), 1u);
  EXPECT_EQ(fx.replies[0].source, kShortCode);
  EXPECT_EQ(fx.replies[0].destination, kSub);
  EXPECT_NE(fx.replies[0].text.find("KPLC"), std::string::npos) << fx.replies[0].text;
}

TEST_F(UssdTest, SendMoneyThroughThePinScreenToTheConfirmation) {
  UssdTurn t = Walk(kService, {"2", "0712 345 679", "500", "4321"});
  EXPECT_EQ(t.text, "Send KES 500.00 to 254712345679?\n1 Yes\n2 No\n0 Back\n00 Home");
  // The PIN is kept in the state (sealed at rest), never in the screen.
  EXPECT_EQ(t.text.find("4321"), std::string::npos);
  t = Reply(t, "1");
  ASSERT_EQ(t.effects.instructions.size(), 1u);
  EXPECT_EQ(t.effects.instructions[0].operation, "transfer");
  EXPECT_EQ(DecodeSecrets(t.effects.instructions[0].secret)->pin, "4321");
}

TEST_F(UssdTest, NoOnTheConfirmationCancels) {
  UssdTurn t = Walk(kService, {"2", "0712345679", "500", "4321", "2"});
  EXPECT_TRUE(t.end);
  EXPECT_EQ(t.text, "Cancelled. Nothing was paid.");
  EXPECT_TRUE(t.effects.instructions.empty());
}

TEST_F(UssdTest, InvalidInputIsAskedAgainWithAHint) {
  UssdTurn t = Walk(kService, {"2", "0712345679"});
  t = Reply(t, "5");
  EXPECT_EQ(t.text, "Amount must be between 10 and 70,000\nEnter amount\n0 Back\n00 Home");
  t = Reply(t, "abc");
  EXPECT_EQ(t.text, "Amount must be a number from 10 to 70,000\nEnter amount\n0 Back\n00 Home");
  t = Reply(t, "70001");
  EXPECT_TRUE(t.end);
  EXPECT_EQ(t.text, "Too many invalid answers. Nothing was paid. Please dial again.");
  EXPECT_TRUE(t.effects.instructions.empty());
}

TEST_F(UssdTest, AValidAnswerResetsTheInvalidCount) {
  UssdTurn t = Walk(kService, {"9", "8", "2", "x", "y", "0712345679", "q", "r", "500"});
  EXPECT_FALSE(t.end) << t.text;
  EXPECT_EQ(t.text, "Enter PIN\n0 Back\n00 Home");
  t = Reply(t, "12");
  EXPECT_EQ(t.text, "PIN must have 4 digits\nEnter PIN\n0 Back\n00 Home");
}

TEST_F(UssdTest, MenuChoiceOutOfRange) {
  UssdTurn t = Walk(kService, {"7"});
  EXPECT_EQ(t.text.rfind("Invalid choice.\nPesa\n1 Pay bill", 0), 0u) << t.text;
}

TEST_F(UssdTest, BackAndHome) {
  UssdTurn t = Walk(kService, {"2", "0712345679"});
  EXPECT_EQ(t.text, "Enter amount\n0 Back\n00 Home");
  t = Reply(t, "0");
  EXPECT_EQ(t.text, "Enter phone number\n0 Back\n00 Home");
  t = Reply(t, "0712345670");  // answered again: the new number is the one used
  t = Reply(t, "100");
  t = Reply(t, "1234");
  EXPECT_EQ(t.text, "Send KES 100.00 to 254712345670?\n1 Yes\n2 No\n0 Back\n00 Home");
  t = Reply(t, "00");
  EXPECT_EQ(t.text.rfind("Pesa\n1 Pay bill", 0), 0u) << t.text;
  t = Reply(t, "0");  // no Back on the start screen: an invalid choice
  EXPECT_EQ(t.text.rfind("Invalid choice.", 0), 0u) << t.text;
  // Another command starts afresh: nothing of the transfer is kept.
  t = Reply(t, "3");
  ASSERT_TRUE(t.state);
  EXPECT_TRUE(t.state->answers.empty());
  EXPECT_EQ(t.state->command, "withdraw");
}

TEST_F(UssdTest, LanguageChoice) {
  UssdTurn t = Walk(kService, {"5", "2"});
  EXPECT_EQ(t.text.rfind("Pesa\n1 Lipa bili\n2 Tuma pesa", 0), 0u) << t.text;
  t = Reply(t, "2");
  EXPECT_EQ(t.text, "Weka namba ya simu\n0 Rudi\n00 Mwanzo");
  EXPECT_EQ(Open(kService, "sw").text.rfind("Pesa\n1 Lipa bili", 0), 0u);
}

TEST_F(UssdTest, AShortcutFillsTheScreensUpToThePin) {
  UssdTurn t = Open("*384*12*1*KPLC*123456*1500#");
  EXPECT_EQ(t.text, "Enter PIN\n0 Back\n00 Home");
  t = Reply(t, "1234");
  EXPECT_EQ(t.text, "Pay KES 1,500.00 to KPLC ref 123456?\n1 Yes\n2 No\n0 Back\n00 Home");
  // A declared entry code, then answers.
  t = Open("*384*12*2*0712345679#");
  EXPECT_EQ(t.text, "Enter amount\n0 Back\n00 Home");
  // Back from a screen a code opened goes to the start.
  t = Reply(t, "0");
  EXPECT_EQ(t.text, "Enter phone number\n0 Back\n00 Home");
  t = Reply(t, "0");
  EXPECT_EQ(t.text.rfind("Pesa\n", 0), 0u) << t.text;
}

TEST_F(UssdTest, AShortcutWithAnInvalidValueStopsThereWithTheHint) {
  UssdTurn t = Open("*384*12*2*0712345679*5#");
  EXPECT_EQ(t.text, "Amount must be between 10 and 70,000\nEnter amount\n0 Back\n00 Home");
}

TEST_F(UssdTest, AShortcutWithAnAccountAndAPinIsRefusedLikeAnSms) {
  UssdTurn t = Open("*384*12*4*3*12345678*1234#");
  EXPECT_TRUE(t.end);
  EXPECT_FALSE(t.state);
  EXPECT_EQ(t.text, Mo("REG 12345678 1234").replies.at(0).text);
  EXPECT_TRUE(t.effects.instructions.empty());
  bool audited = false;
  for (const auto& a : t.effects.audit) {
    if (a.event == store::kEventCredentialRefused) {
      audited = true;
      EXPECT_EQ(a.detail.find("1234"), std::string::npos);
      EXPECT_EQ(a.detail.find("12345678"), std::string::npos);
    }
  }
  EXPECT_TRUE(audited);
  // An account-shaped bill reference with a PIN-shaped extra value: refused too, as the SMS
  // "PAY KPLC 12345678 1500 1234" is.
  t = Open("*384*12*1*KPLC*12345678*1500*1234#");
  EXPECT_TRUE(t.end) << t.text;
  EXPECT_EQ(t.text.rfind("Never send your PIN", 0), 0u);
  // The account alone is fine: the PIN is then asked on its own screen.
  t = Open("*384*12*4*3*12345678#");
  EXPECT_FALSE(t.end);
  EXPECT_EQ(t.text, "Enter PIN\n0 Back\n00 Home");
}

TEST_F(UssdTest, TheAccountIsShownMaskedOnTheConfirmation) {
  UssdTurn t = Walk("*384*12*4*3#", {"12345678", "1234"});
  EXPECT_EQ(t.text, "Link account ****5678 to this phone?\n1 Yes\n2 No\n0 Back\n00 Home");
  t = Reply(t, "1");
  ASSERT_EQ(t.effects.instructions.size(), 1u);
  EXPECT_EQ(t.effects.instructions[0].payload.find("12345678"), std::string::npos);
  auto secrets = DecodeSecrets(t.effects.instructions[0].secret);
  EXPECT_EQ(secrets->account, "12345678");
  EXPECT_EQ(secrets->pin, "1234");
}

TEST_F(UssdTest, BalanceSubmitsAfterThePin) {
  UssdTurn t = Walk(kService, {"4", "1"});
  EXPECT_EQ(t.text, "Balance: enter PIN\n0 Back\n00 Home");
  t = Reply(t, "1234");
  EXPECT_TRUE(t.end);
  ASSERT_EQ(t.effects.instructions.size(), 1u);
  EXPECT_EQ(t.effects.instructions[0].operation, "balance");
}

TEST_F(UssdTest, ALockedMsisdnIsRefused) {
  view_.locked_until = kNow + 60'000;
  UssdTurn t = Open(kService);
  EXPECT_TRUE(t.end);
  EXPECT_EQ(t.text, "Your account is locked. Call 100 or visit a branch to unlock it.");
  // Locked in the middle of a dialogue: the submit is refused.
  view_.locked_until = 0;
  t = Walk(kService, {"2", "0712345679", "500", "1234"});
  view_.locked_until = kNow + 60'000;
  t = Reply(t, "1");
  EXPECT_TRUE(t.end);
  EXPECT_TRUE(t.effects.instructions.empty());
  EXPECT_EQ(t.text, "Your account is locked. Call 100 or visit a branch to unlock it.");
}

TEST_F(UssdTest, OpensCountAgainstTheRateLimit) {
  view_.events[std::string(kEventUssdOpened)] = options_.messages_per_window;
  UssdTurn t = Open(kService);
  EXPECT_TRUE(t.end);
  EXPECT_EQ(t.text, "Too many messages. Please try again in 1 min.");
}

TEST_F(UssdTest, AnUnknownCodeEndsWithTheServiceCode) {
  UssdTurn t = Open("*385#");
  EXPECT_TRUE(t.end);
  EXPECT_EQ(t.text, "*385# is not a service. Dial *384*12# for the menu.");
}

TEST_F(UssdTest, AStateWhoseScreenIsGoneEnds) {
  UssdTurn t = Open(kService);
  ASSERT_TRUE(t.state);
  UssdState s = *t.state;
  s.screen = "removed.screen";
  auto r = engine_->OnUssdAnswer(s, "1", now_, view_);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->end);
  EXPECT_EQ(r->text, "The menu has changed. Nothing was paid. Please dial *384*12# again.");
}

TEST_F(UssdTest, StateRoundTripsAndRejectsGarbage) {
  UssdTurn t = Walk(kService, {"2", "0712345679", "500", "4321"});
  ASSERT_TRUE(t.state);
  auto back = UssdState::Decode(t.state->Encode());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->screen, "send.confirm");
  EXPECT_EQ(back->history, t.state->history);
  ASSERT_EQ(back->answers.size(), 3u);
  EXPECT_EQ(back->answers[2].value, "4321");
  EXPECT_EQ(back->sms_from, kShortCode);
  EXPECT_FALSE(UssdState::Decode("{}").ok());
  EXPECT_FALSE(UssdState::Decode("not json").ok());
  store::UssdSessionWrite w = SessionWrite("k1", kSub, "smsc1", t, kNow + 180'000);
  EXPECT_FALSE(w.erase);
  EXPECT_EQ(w.state, t.state->Encode());
  t = Reply(t, "1");
  EXPECT_TRUE(SessionWrite("k1", kSub, "smsc1", t, 0).erase);
}

}  // namespace
}  // namespace smsgw::commands::testing
