// Delivery receipts from an SMSC that answers submit_sm_resp with hex message ids and reports
// them in decimal in its receipts (many do), with `smsgw run` as a process: the connection's
// submit_id_base and receipt_id_base bring both to one form, and the reply is marked delivered.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/daemon/daemon_fixture.h"

namespace smsgw::daemon_test {
namespace {

class ReceiptBasesTest : public DaemonTest {
 protected:
  void SetUp() override {
    DaemonTest::SetUp();
    smpp::testing::SmscSimConfig sim;
    sim.send_receipts = true;
    sim.receipt_ids_in_decimal = true;
    sim_ = std::make_unique<test::SimThread>(sim);
    std::ofstream(config_) << ConfigText();  // the new simulator's port
  }

  std::string ConfigText() override {
    std::string text = DaemonTest::ConfigText();
    const std::string after = "      password: secret\n";
    text.insert(text.find(after) + after.size(),
                "      submit_id_base: hex\n      receipt_id_base: decimal\n");
    return text;
  }

  std::string Replies(const std::string& state) {
    return store::testing::RawQuery(dir_.File("var/smsgw.db"),
                                    "SELECT count(*) FROM reply WHERE state = '" + state + "'");
  }
};

TEST_F(ReceiptBasesTest, AReceiptInDecimalMarksTheReplySentWithAHexId) {
  StartDaemon();
  const std::string help = Say(kAmina, "HELP");
  ASSERT_FALSE(Has(help, "<no")) << help;
  EXPECT_TRUE(test::WaitFor([&] { return Replies("delivered") == "1"; }, 10s))
      << "sent: " << Replies("sent") << ", delivered: " << Replies("delivered");
  EXPECT_EQ(StopDaemon(), 0);
}

}  // namespace
}  // namespace smsgw::daemon_test
