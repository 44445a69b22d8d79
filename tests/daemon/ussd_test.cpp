// USSD menus end to end with real processes: the SMSC simulator plays the phone network
// (PSSR indication to open, USSR confirm for each answer, release to abort) and `smsgw run`
// walks the shipped grammar's menus against the embedded ledger with its demo data.
#include <gtest/gtest.h>

#include "gateway/smpp/ussd.h"
#include "tests/daemon/daemon_fixture.h"

namespace smsgw::daemon_test {
namespace {

using Sim = smpp::testing::SmscSimulator;

// The address USSD MOs are sent to; the dialled string is the message text.
constexpr const char* kService = "*384*12#";

bool HasToken(const std::string& text, const std::string& token) {
  return std::regex_search(text, std::regex("(^|[^0-9A-Za-z])" + token + "($|[^0-9A-Za-z])"));
}

class UssdTest : public DaemonTest {
 protected:
  std::string ConfigText() override {
    return DaemonTest::ConfigText() + "ussd:\n  session_timeout: " + timeout_ + "\n";
  }

  // Opens a dialogue and returns its index; `first` gets the first screen.
  size_t Dial(const std::string& from, const std::string& dial, Sim::UssdScreen* first) {
    const size_t d = sim_->DialUssd(from, kService, dial);
    *first = Next(d, 1);
    return d;
  }

  // The dialogue's screen number `n` (1-based), once it came.
  Sim::UssdScreen Next(size_t dialogue, size_t n) {
    auto screens = sim_->WaitUssdScreen(dialogue, n, 20s);
    if (screens.size() < n) return {"<no screen " + std::to_string(n) + ">", 0, true};
    return screens[n - 1];
  }

  // Answers the dialogue's latest screen and returns the next one.
  Sim::UssdScreen Answer(size_t dialogue, const std::string& text) {
    const size_t seen = sim_->Ussd(dialogue).screens.size();
    if (!sim_->AnswerUssd(dialogue, text)) return {"<dialogue ended>", 0, true};
    return Next(dialogue, seen + 1);
  }

  // its_session_info's sequence of the dialogue's MO number `n` (0-based), as the network sent it.
  uint8_t MoSequence(size_t dialogue, size_t n) {
    const size_t mo = sim_->Ussd(dialogue).mos.at(n);
    uint16_t info = 0xFFFF;
    sim_->Run([&](Sim& sim) { info = sim.mos()[mo].pdu.tlvs.its_session_info.value_or(0xFFFF); });
    return static_cast<uint8_t>((info >> 1) & 0x7F);
  }

  std::string timeout_ = "180s";
};

TEST_F(UssdTest, AWholePayBillMenuEndsInThePaymentAndItsSms) {
  StartDaemon();
  Sim::UssdScreen s;
  const size_t d = Dial(kAmina, kService, &s);
  EXPECT_TRUE(Has(s.text, "Pay bill")) << s.text;
  EXPECT_FALSE(s.end);
  EXPECT_EQ(s.op, 2) << "a screen that asks is a USSR request";
  s = Answer(d, "1");
  EXPECT_TRUE(Has(s.text, "business")) << s.text;
  s = Answer(d, "KPLC");
  EXPECT_TRUE(Has(s.text, "reference")) << s.text;
  s = Answer(d, "123456");
  EXPECT_TRUE(Has(s.text, "amount")) << s.text;
  s = Answer(d, "1500");
  EXPECT_TRUE(Has(s.text, "PIN")) << s.text;
  s = Answer(d, kDemoPin);
  EXPECT_TRUE(Has(s.text, "Pay KES 1,500.00 to KPLC ref 123456?")) << s.text;
  EXPECT_FALSE(HasToken(s.text, kDemoPin)) << "the PIN is never shown back";
  s = Answer(d, "1");
  EXPECT_TRUE(s.end) << s.text;
  EXPECT_EQ(s.op, 17) << "the last screen is a PSSR response";
  EXPECT_EQ(sim_->Ussd(d).end, Sim::UssdEnd::kByGateway);

  // The ledger's answer comes by SMS, from the short code.
  auto sms = sim_->WaitMessagesTo(kAmina, 1, 20s);
  ASSERT_EQ(sms.size(), 1u);
  EXPECT_TRUE(Has(sms[0].text, "KES 1,500.00 paid to KPLC ref 123456")) << sms[0].text;
  EXPECT_EQ(sms[0].from, kShortCode);
  EXPECT_EQ(StopDaemon(), 0);
  EXPECT_FALSE(HasToken(Log(), kDemoPin)) << "no PIN in the log";
}

TEST_F(UssdTest, SendMoneyThroughThePinScreenToTheConfirmation) {
  StartDaemon();
  Sim::UssdScreen s;
  const size_t d = Dial(kAmina, "*384*12*2#", &s);
  EXPECT_TRUE(Has(s.text, "phone number")) << s.text;
  s = Answer(d, "0700000002");
  EXPECT_TRUE(Has(s.text, "amount")) << s.text;
  s = Answer(d, "500");
  EXPECT_TRUE(Has(s.text, "PIN")) << s.text;
  s = Answer(d, kDemoPin);
  EXPECT_TRUE(Has(s.text, "Send KES 500.00 to")) << s.text;
  s = Answer(d, "1");
  EXPECT_TRUE(s.end) << s.text;

  auto mine = sim_->WaitMessagesTo(kAmina, 1, 20s);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_TRUE(Has(mine[0].text, "500.00")) << mine[0].text;
  auto brian = sim_->WaitMessagesTo(kBrian, 1, 20s);
  ASSERT_EQ(brian.size(), 1u) << "the recipient is told";
  EXPECT_TRUE(Has(brian[0].text, "500.00")) << brian[0].text;
}

TEST_F(UssdTest, NoOnTheConfirmationSubmitsNothing) {
  StartDaemon();
  Sim::UssdScreen s;
  const size_t d = Dial(kAmina, "*384*12*2#", &s);
  Answer(d, "0700000002");
  Answer(d, "500");
  s = Answer(d, kDemoPin);
  ASSERT_TRUE(Has(s.text, "Send KES 500.00")) << s.text;
  s = Answer(d, "2");
  EXPECT_TRUE(s.end) << s.text;
  std::this_thread::sleep_for(1s);
  EXPECT_TRUE(sim_->MessagesTo(kAmina).empty()) << "nothing was sent, so no SMS";
  EXPECT_TRUE(sim_->MessagesTo(kBrian).empty());
}

TEST_F(UssdTest, InvalidInputIsAskedAgainWithAHint) {
  StartDaemon();
  Sim::UssdScreen s;
  const size_t d = Dial(kAmina, "*384*12*2#", &s);
  s = Answer(d, "0700000002");
  ASSERT_TRUE(Has(s.text, "amount")) << s.text;
  s = Answer(d, "lots");
  EXPECT_FALSE(s.end) << s.text;
  EXPECT_TRUE(Has(s.text, "amount")) << "the same question again: " << s.text;
  EXPECT_NE(s.text, "Enter amount") << "with a hint first";
  s = Answer(d, "500");
  EXPECT_TRUE(Has(s.text, "PIN")) << s.text;
}

// The network delivers an answer again (our deliver_sm_resp came late): the copy carries the
// sequence number of its first delivery, is acknowledged, and is not taken as the answer to
// the screen its first copy brought: the phone number is not read as the amount.
TEST_F(UssdTest, AResentAnswerIsAcknowledgedAndNotTakenOnTheNextScreen) {
  StartDaemon();
  Sim::UssdScreen s;
  const size_t d = Dial(kAmina, "*384*12*2#", &s);
  s = Answer(d, "0700000002");
  ASSERT_TRUE(Has(s.text, "amount")) << s.text;
  ASSERT_TRUE(sim_->ResendUssd(d));
  const size_t copy = sim_->Ussd(d).mos.back();
  auto copy_status = [&] {
    uint32_t status = 0xFFFFFFFF;
    sim_->Run([&](Sim& sim) { status = sim.mos()[copy].last_status; });
    return status;
  };
  ASSERT_TRUE(test::WaitFor([&] { return copy_status() != 0xFFFFFFFF; }, 20s));
  EXPECT_EQ(copy_status(), 0u) << "the copy is acknowledged";
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(sim_->Ussd(d).screens.size(), 2u) << "no screen for the copy";
  EXPECT_EQ(sim_->Ussd(d).end, Sim::UssdEnd::kOpen);
  s = Answer(d, "500");
  EXPECT_TRUE(Has(s.text, "PIN")) << "still on the amount screen: " << s.text;
  s = Answer(d, kDemoPin);
  EXPECT_TRUE(Has(s.text, "Send KES 500.00 to")) << s.text;
  EXPECT_EQ(StopDaemon(), 0);
  EXPECT_TRUE(Has(Log(), "ussd.resent")) << "the copy is logged";
}

// The network numbers a dialogue's units in turn (its_session_info's sequence): each screen
// carries the number after the MO it answers, so no two screens of a dialogue carry the same
// one, and the last also carries the end of session bit.
TEST_F(UssdTest, EachScreenCarriesTheSequenceAfterItsAnswers) {
  StartDaemon();
  Sim::UssdScreen s;
  const size_t d = Dial(kAmina, "*384*12*2#", &s);
  s = Answer(d, "0700000002");
  ASSERT_TRUE(Has(s.text, "amount")) << s.text;
  s = Answer(d, "500");
  ASSERT_TRUE(Has(s.text, "PIN")) << s.text;
  s = Answer(d, kDemoPin);
  ASSERT_TRUE(Has(s.text, "Send KES 500.00")) << s.text;
  s = Answer(d, "2");
  ASSERT_TRUE(s.end) << s.text;

  const Sim::UssdDialogue dialogue = sim_->Ussd(d);
  ASSERT_EQ(dialogue.screens.size(), 5u);
  ASSERT_EQ(dialogue.mos.size(), 5u);
  for (size_t i = 0; i < dialogue.screens.size(); ++i) {
    SCOPED_TRACE(i);
    const uint8_t mo = MoSequence(d, i);
    ASSERT_TRUE(dialogue.screens[i].sequence.has_value());
    const int sequence = *dialogue.screens[i].sequence;
    EXPECT_EQ(sequence, (mo + 1) & 0x7F) << "the MO's was " << int(mo);
    if (i > 0) {
      EXPECT_NE(sequence, *dialogue.screens[i - 1].sequence) << "a screen of its own number";
    }
  }
  uint16_t last = 0;
  sim_->Run([&](Sim& sim) {
    for (const smpp::SubmitSm& sm : sim.submits()) {
      if (sm.tlvs.its_session_info) last = *sm.tlvs.its_session_info;
    }
  });
  EXPECT_EQ(last & smpp::kItsSessionEnd, smpp::kItsSessionEnd) << "the last screen ends it";
  EXPECT_EQ(last >> 8, dialogue.id) << "the session number is the dialogue's";
}

TEST_F(UssdTest, AShortcutStringJumpsIntoTheMenuWithItsAnswers) {
  StartDaemon();
  Sim::UssdScreen s;
  const size_t d = Dial(kAmina, "*384*12*1*KPLC*123456*1500#", &s);
  EXPECT_TRUE(Has(s.text, "PIN")) << "biller, reference and amount came with the code: " << s.text;
  s = Answer(d, kDemoPin);
  EXPECT_TRUE(Has(s.text, "Pay KES 1,500.00 to KPLC ref 123456?")) << s.text;
  s = Answer(d, "1");
  EXPECT_TRUE(s.end);
  auto sms = sim_->WaitMessagesTo(kAmina, 1, 20s);
  ASSERT_EQ(sms.size(), 1u);
  EXPECT_TRUE(Has(sms[0].text, "paid to KPLC")) << sms[0].text;
}

TEST_F(UssdTest, AShortcutCarryingAnAccountAndAPinIsRefusedLikeAnSms) {
  StartDaemon();
  Sim::UssdScreen s;
  const size_t d = sim_->DialUssd(kDavid, kService, "*384*12*4*3*1000000004*1234#");
  s = Next(d, 1);
  EXPECT_TRUE(s.end) << s.text;
  EXPECT_TRUE(Has(s.text, "Never send your PIN with an account number")) << s.text;
  std::this_thread::sleep_for(500ms);
  // Nothing was registered: a balance request for the account's phone is not served.
  EXPECT_TRUE(sim_->MessagesTo(kDavid).empty());
  EXPECT_EQ(StopDaemon(), 0);
  const std::string log = Log();
  EXPECT_FALSE(HasToken(log, "1000000004")) << "no account number in the log";
  EXPECT_FALSE(HasToken(log, kDemoPin)) << "no PIN in the log";
}

TEST_F(UssdTest, AnAbortFromTheNetworkEndsTheDialogue) {
  StartDaemon();
  Sim::UssdScreen s;
  const size_t d = Dial(kAmina, kService, &s);
  s = Answer(d, "1");
  ASSERT_TRUE(Has(s.text, "business")) << s.text;
  ASSERT_TRUE(sim_->AbortUssd(d));
  ASSERT_TRUE(test::WaitFor([&] { return Has(Log(), "kind=abort"); }, 10s)) << Log();
  EXPECT_EQ(sim_->Ussd(d).screens.size(), 2u) << "no screen after an abort";
  // The next dial starts from the top.
  const size_t again = Dial(kAmina, kService, &s);
  EXPECT_NE(again, d);
  EXPECT_TRUE(Has(s.text, "Pay bill")) << s.text;
}

class UssdTimeoutTest : public UssdTest {
 protected:
  UssdTimeoutTest() { timeout_ = "10s"; }
};

TEST_F(UssdTimeoutTest, AnIdleDialogueIsForgottenAfterTheTimeout) {
  StartDaemon();
  Sim::UssdScreen s;
  const size_t d = Dial(kAmina, "*384*12*2#", &s);
  ASSERT_TRUE(Has(s.text, "phone number")) << s.text;
  // Housekeeping runs every 5 s: the dialogue is gone within timeout + 5 s.
  ASSERT_TRUE(test::WaitFor([&] { return Has(Log(), "event=ussd.timeout"); }, 30s)) << Log();
  s = Answer(d, "0700000002");
  EXPECT_TRUE(s.end) << "an answer after the timeout ends the dialogue: " << s.text;
  EXPECT_FALSE(Has(s.text, "amount")) << s.text;
}

class UssdUserReferenceTest : public UssdTest {
 protected:
  std::string ConfigText() override {
    std::string text = UssdTest::ConfigText();
    const std::string at = "      password: secret\n";
    text.replace(text.find(at), at.size(), at + "      ussd_dialogue: user_message_reference\n");
    return text;
  }
};

TEST_F(UssdUserReferenceTest, DialoguesKeyedByUserMessageReferenceWorkToo) {
  StartDaemon();
  const size_t d =
      sim_->DialUssd(kAmina, kService, "*384*12*2#", conf::UssdDialogue::kUserMessageReference);
  Sim::UssdScreen s = Next(d, 1);
  EXPECT_TRUE(Has(s.text, "phone number")) << s.text;
  s = Answer(d, "0700000002");
  EXPECT_TRUE(Has(s.text, "amount")) << s.text;
}

}  // namespace
}  // namespace smsgw::daemon_test
