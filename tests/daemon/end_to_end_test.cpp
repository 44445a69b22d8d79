// The daemon end to end with real processes: the SMSC simulator, `smsgw run` with the embedded
// ledger and its demo data, and subscribers' texts from the phone to the backend and back.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <sstream>

#include "gateway/subcommand.h"
#include "tests/daemon/daemon_fixture.h"

namespace smsgw::daemon_test {
namespace {

// PINs and account numbers as whole tokens (not inside a longer run of digits or letters).
bool HasToken(const std::string& text, const std::string& token) {
  return std::regex_search(text, std::regex("(^|[^0-9A-Za-z])" + token + "($|[^0-9A-Za-z])"));
}

TEST_F(DaemonTest, PayABillFromChallengeToConfirmation) {
  StartDaemon();
  const std::string challenge = Say(kAmina, "PAY KPLC 123456 1500");
  EXPECT_TRUE(Has(challenge, "Pay KES 1,500.00 to KPLC ref 123456? Reply ")) << challenge;
  const std::string code = CodeIn(challenge);
  ASSERT_FALSE(code.empty()) << challenge;
  const std::string done = Say(kAmina, code + " " + kDemoPin);
  EXPECT_TRUE(Has(done, "KES 1,500.00 paid to KPLC ref 123456")) << done;
  EXPECT_TRUE(Has(done, "New balance KES 8,500.00.")) << done;
  EXPECT_EQ(StopDaemon(), 0);
  EXPECT_GE(sim_->unbinds_received(), 1u) << "a drained daemon unbinds";
  EXPECT_TRUE(sim_->all_acked());
}

// The core claims only when work may be due (core.h); a reply re-queued by `smsgw ctl` from
// another process is such work, and an idle daemon finds it at its next housekeeping (5 s),
// not at its longest sleep (30 s).
TEST_F(DaemonTest, AReplyRequeuedByCtlGoesOutWhileTheDaemonIdles) {
  StartDaemon();
  const std::string help = Say(kAmina, "HELP");
  ASSERT_FALSE(Has(help, "<no")) << help;
  ASSERT_EQ(StopDaemon(), 0);
  int64_t reply_id = 0;
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir_.File("var/smsgw.db").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(
        sqlite3_prepare_v2(db, "UPDATE reply SET state = 'dead' RETURNING id", -1, &st, nullptr),
        SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    reply_id = sqlite3_column_int64(st, 0);
    EXPECT_EQ(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
  }

  StartDaemon();
  std::this_thread::sleep_for(1s);  // past the start-up pass: idle
  std::ostringstream out, err;
  ASSERT_EQ(gateway::Dispatch({"smsgw", "ctl", "--config", config_, "outbox", "retry",
                               "mt-" + std::to_string(reply_id)},
                              out, err),
            0)
      << err.str();
  const auto got = sim_->WaitMessagesTo(kAmina, 2, 8s);
  ASSERT_EQ(got.size(), 2u) << "the re-queued reply did not go out within 8 s";
  EXPECT_EQ(got[1].text, help);
  EXPECT_EQ(StopDaemon(), 0);
}

TEST_F(DaemonTest, EveryShippedCommandReachesTheLedgerAndComesBackAsAnSms) {
  StartDaemon();
  // Balance and mini statement.
  std::string r = WithPin(kAmina, "BAL");
  EXPECT_TRUE(Has(r, "10,000.00")) << r;
  r = WithPin(kAmina, "MINI");
  EXPECT_FALSE(Has(r, "<no")) << r;

  // Send money to a registered subscriber: both phones hear of it.
  r = WithPin(kAmina, "SEND 0700000002 500");
  EXPECT_TRUE(Has(r, "500.00")) << r;
  auto brian = sim_->WaitMessagesTo(kBrian, 1, 20s);
  ASSERT_EQ(brian.size(), 1u);
  EXPECT_TRUE(Has(brian[0].text, "500.00")) << brian[0].text;

  // Send money to a phone with no account: it gets a withdrawal code.
  r = WithPin(kAmina, "SEND 0711999888 200");
  EXPECT_TRUE(Has(r, "200.00")) << r;
  auto stranger = sim_->WaitMessagesTo("254711999888", 1, 20s);
  ASSERT_EQ(stranger.size(), 1u);

  // Withdraw at an agent, airtime, in Swahili too.
  r = WithPin(kBrian, "WITHDRAW 123456 1000");
  EXPECT_TRUE(Has(r, "1,000.00")) << r;
  auto agent = sim_->WaitMessagesTo("254700000100", 1, 20s);
  EXPECT_EQ(agent.size(), 1u) << "the agent is told";
  r = WithPin(kBrian, "TOPUP 100");
  EXPECT_TRUE(Has(r, "100.00")) << r;
  r = WithPin(kBrian, "SALIO");
  EXPECT_FALSE(Has(r, "<no")) << r;

  // Bind an account to a new phone: REG <account>, then the PIN alone.
  r = WithPin(kDavid, "REG 1000000004");
  EXPECT_FALSE(Has(r, "<no")) << r;
  r = WithPin(kDavid, "BAL");
  EXPECT_TRUE(Has(r, "5,000.00")) << r;

  // Change the PIN: the old and the new one each travel alone.
  const std::string first = Say(kDavid, "PIN");
  const std::string old_code = CodeIn(first);
  ASSERT_FALSE(old_code.empty()) << first;
  const std::string second = Say(kDavid, old_code + " " + kDemoPin);
  const std::string new_code = CodeIn(second);
  ASSERT_FALSE(new_code.empty()) << second;
  r = Say(kDavid, new_code + " 9731");
  EXPECT_FALSE(Has(r, "<no")) << r;
  // Not "BAL" again: an identical text within minutes is taken for the SMSC redelivering it.
  r = WithPin(kDavid, "BALANCE", "9731");
  EXPECT_TRUE(Has(r, "5,000.00")) << r;

  // Cancel a pending challenge; help; stop; lock.
  const std::string pending = Say(kAmina, "PAY KPLC 777 100");
  const std::string cancel_code = CodeIn(pending);
  ASSERT_FALSE(cancel_code.empty()) << pending;
  r = Say(kAmina, "CANCEL " + cancel_code);
  EXPECT_FALSE(Has(r, "<no")) << r;
  r = Say(kAmina, cancel_code + " " + kDemoPin);
  EXPECT_FALSE(Has(r, "Confirmed")) << "a cancelled code pays nothing: " << r;
  r = Say(kAmina, "HELP");
  EXPECT_FALSE(Has(r, "<no")) << r;
  r = Say(kAmina, "HELP PAY");
  EXPECT_TRUE(Has(r, "PAY")) << r;
  r = Say(kAmina, "STOP");
  EXPECT_FALSE(Has(r, "<no")) << r;
  r = Say("254700000003", "LOCK");
  EXPECT_FALSE(Has(r, "<no")) << r;

  // Account and PIN in one message: refused, nothing forwarded.
  r = Say(kBrian, "BAL 1000000002 1234");
  EXPECT_TRUE(Has(r, "PIN")) << r;

  EXPECT_EQ(StopDaemon(), 0);
  const std::string log = Log();
  EXPECT_FALSE(HasToken(log, "9731")) << "a PIN reached the log";
  EXPECT_FALSE(HasToken(log, kDemoPin)) << "a PIN reached the log";
  EXPECT_FALSE(HasToken(log, "1000000004")) << "an account number reached the log";
  EXPECT_FALSE(HasToken(log, "1000000002")) << "an account number reached the log";
}

TEST_F(DaemonTest, AnMoIsAcknowledgedOnlyOnceStoredAndProcessedOnce) {
  StartDaemon();
  for (int i = 0; i < 20; ++i)
    sim_->SendText("2547001000" + std::to_string(10 + i), kShortCode, "HELP");
  ASSERT_TRUE(test::WaitFor([&] { return sim_->acked_mos() == 20; }, 20s));
  for (int i = 0; i < 20; ++i) {
    auto got = sim_->WaitMessagesTo("2547001000" + std::to_string(10 + i), 1, 20s);
    EXPECT_EQ(got.size(), 1u) << i;
  }
  EXPECT_EQ(StopDaemon(), 0);
}

}  // namespace
}  // namespace smsgw::daemon_test

namespace smsgw::daemon_test {
namespace {

class GroupCommitDelayTest : public DaemonTest {
 protected:
  std::string ConfigText() override {
    std::string text = DaemonTest::ConfigText();
    const std::string key = "  key_file: var/keys/store.key\n";
    text.replace(text.find(key), key.size(),
                 key + "  group_commit:\n    max_messages: 8\n    max_delay: 30ms\n");
    return text;
  }
};

TEST_F(GroupCommitDelayTest, MosWaitingForCompanyAreStillAcknowledgedAndAnswered) {
  StartDaemon();
  for (int i = 0; i < 20; ++i) {
    sim_->SendText("2547003000" + std::to_string(10 + i), kShortCode, "HELP");
  }
  ASSERT_TRUE(test::WaitFor([&] { return sim_->acked_mos() == 20; }, 20s));
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(sim_->WaitMessagesTo("2547003000" + std::to_string(10 + i), 1, 20s).size(), 1u);
  }
  EXPECT_EQ(StopDaemon(), 0);
}

}  // namespace
}  // namespace smsgw::daemon_test

namespace smsgw::daemon_test {
namespace {

// An MO with the handset's message reference: a redelivery (same reference) is taken once,
// the same text sent again (a new reference) is a new message.
TEST_F(DaemonTest, TheHandsetsMessageReferenceTellsARepeatFromARedelivery) {
  StartDaemon();
  auto send = [&](uint16_t reference) {
    sim_->Run([&](smpp::testing::SmscSimulator& sim) {
      smpp::DeliverSm d;
      d.source = {1, 1, kAmina};
      d.destination = {0, 1, kShortCode};
      const std::string text = "HELP";
      d.short_message.assign(text.begin(), text.end());
      d.tlvs.user_message_reference = reference;
      sim.PushMo(std::move(d));
    });
  };
  send(41);
  send(41);  // the SMSC again, as when our response was lost
  send(42);  // the subscriber again
  ASSERT_TRUE(test::WaitFor([&] { return sim_->acked_mos() == 3; }, 20s));
  EXPECT_EQ(sim_->WaitMessagesTo(kAmina, 2, 20s).size(), 2u);
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(sim_->MessagesTo(kAmina).size(), 2u) << "the redelivery is answered once";
  EXPECT_EQ(StopDaemon(), 0);
}

}  // namespace
}  // namespace smsgw::daemon_test
