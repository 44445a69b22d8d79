// Concatenated MOs through the daemon as a process, against an SMSC that sends one deliver_sm
// at a time and waits for its answer before the next (a window of one), as many do.
#include <gtest/gtest.h>

#include "tests/daemon/daemon_fixture.h"
#include "tests/support/phone_console_mo.h"

namespace smsgw::daemon_test {
namespace {

// "HELP" cut in two by the part boundary: only the joined text reads as a command. 151
// spaces and "HE" fill the first GSM 7-bit part (153 septets), "LP" and 20 spaces (to be
// longer than one SMS) are the second.
const std::string kSplitHelp = std::string(151, ' ') + "HELP" + std::string(20, ' ');

class ConcatMoTest : public DaemonTest {
 protected:
  void SetUp() override {
    DaemonTest::SetUp();
    smpp::testing::SmscSimConfig c;
    c.mo_window = 1;
    sim_ = std::make_unique<test::SimThread>(c);
    std::ofstream(config_) << ConfigText();  // the new simulator's port
  }

  // The parts of `text` from `from`, with handset message references from `mr`.
  std::vector<smpp::DeliverSm> Parts(const std::string& from, const std::string& text,
                                     uint16_t mr) {
    auto parts = console::BuildMoParts(from, kShortCode, text, 9);
    EXPECT_TRUE(parts.ok()) << parts.status().ToString();
    for (smpp::DeliverSm& p : *parts) p.tlvs.user_message_reference = mr++;
    return *parts;
  }

  void Push(smpp::DeliverSm part) {
    sim_->Run([&](smpp::testing::SmscSimulator& sim) { sim.PushMo(std::move(part)); });
  }

  // The first column of the first row of `sql` on the daemon's store.
  std::string Db(const std::string& sql) {
    return store::testing::RawQuery(dir_.File("var/smsgw.db"), sql);
  }

  std::string HelpReply() {
    const std::string reply = Say(kBrian, "HELP");
    EXPECT_TRUE(Has(reply, "Commands:")) << reply;
    return reply;
  }
};

TEST_F(ConcatMoTest, ALongMoIsAnsweredWhenTheSmscSendsOnePartAtATime) {
  StartDaemon();
  const std::string help = HelpReply();
  auto parts = Parts(kAmina, kSplitHelp, 40);
  ASSERT_EQ(parts.size(), 2u);
  for (smpp::DeliverSm& p : parts) Push(std::move(p));
  auto got = sim_->WaitMessagesTo(kAmina, 1, 20s);
  ASSERT_EQ(got.size(), 1u) << "the second part never came: the first was not answered";
  EXPECT_EQ(got[0].text, help);
  EXPECT_TRUE(test::WaitFor([&] { return sim_->all_acked(); }, 10s));
  EXPECT_EQ(StopDaemon(), 0);
  EXPECT_EQ(Db("SELECT count(*) FROM inbound_part"), "0") << "joined parts are deleted";
}

// A part acknowledged before a restart is not lost: the store holds it, and the part that
// arrives after the restart completes the message.
TEST_F(ConcatMoTest, APartAcknowledgedBeforeARestartStillCompletesItsMessage) {
  StartDaemon();
  const std::string help = HelpReply();
  auto parts = Parts(kAmina, kSplitHelp, 60);
  ASSERT_EQ(parts.size(), 2u);
  Push(parts[0]);
  ASSERT_TRUE(test::WaitFor([&] { return sim_->all_acked(); }, 20s));
  EXPECT_EQ(StopDaemon(), 0);
  EXPECT_EQ(Db("SELECT count(*) FROM inbound_part"), "1");

  StartDaemon();
  Push(parts[1]);
  auto got = sim_->WaitMessagesTo(kAmina, 1, 20s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].text, help);
  EXPECT_EQ(StopDaemon(), 0);
  EXPECT_EQ(Db("SELECT count(*) FROM inbound_part"), "0");
  // The joined text is what was stored, not either part.
  EXPECT_EQ(Db("SELECT count(*) FROM inbound WHERE source = '" + std::string(kAmina) +
               "' AND outcome = 'help'"),
            "1");
}

}  // namespace
}  // namespace smsgw::daemon_test
