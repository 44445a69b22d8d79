// The running daemon's admin endpoint: /healthz and /metrics behind the bearer token.
#include <gtest/gtest.h>

#include "tests/daemon/daemon_fixture.h"
#include "tests/support/admin_client.h"

namespace smsgw::daemon_test {
namespace {

using test::AdminGet;

class AdminTest : public DaemonTest {
 protected:
  std::string Token() {
    std::string t = test::ReadFileText(dir_.File("var/keys/admin.token"));
    while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
    return t;
  }
};

TEST_F(AdminTest, HealthAndMetricsNeedTheTokenAndTellTheTruth) {
  StartDaemon();
  ASSERT_FALSE(Say(kAmina, "HELP").starts_with("<no"));

  EXPECT_EQ(AdminGet(admin_port_, "/healthz", "").status, 401);
  EXPECT_EQ(AdminGet(admin_port_, "/metrics", "not-the-token").status, 401);

  test::AdminAnswer health = AdminGet(admin_port_, "/healthz", Token());
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_NE(health.body.find("\"binds_up\":1"), std::string::npos) << health.body;
  EXPECT_NE(health.body.find("\"writable\":true"), std::string::npos) << health.body;

  test::AdminAnswer metrics = AdminGet(admin_port_, "/metrics", Token());
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("smsgw_binds_up 1"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("smsgw_mo_total{outcome=\"stored\"} 1"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("smsgw_mo_processed_total{outcome=\"help\"} 1"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("smsgw_mo_ack_seconds_count 1"), std::string::npos) << metrics.body;
  // Nothing waited before it: stored and processed in one transaction.
  EXPECT_NE(metrics.body.find("smsgw_mo_processed_at_intake_total 1\n"), std::string::npos)
      << metrics.body;
  EXPECT_EQ(test::MetricValue(metrics.body, "smsgw_store_intake_commit_mos_count"), 1.0);
  EXPECT_EQ(test::MetricValue(metrics.body, "smsgw_store_intake_commit_mos_sum"), 1.0);
  // Exposed, and none of the daemon's WAL files has had to give up gathering its writes.
  EXPECT_EQ(test::MetricValue(metrics.body, "smsgw_store_wal_gathering_off_total"), 0.0);
  EXPECT_EQ(test::MetricValue(metrics.body, "smsgw_store_checkpoint_failures_total"), 0.0);
  EXPECT_EQ(test::MetricValue(metrics.body, "smsgw_ledger_checkpoint_failures_total"), 0.0);
  EXPECT_NE(test::MetricValue(metrics.body, "smsgw_store_wal_frames"), std::nullopt);
  EXPECT_NE(test::MetricValue(metrics.body, "smsgw_ledger_wal_frames"), std::nullopt);
  EXPECT_EQ(test::MetricValue(metrics.body, "smsgw_no_such_metric"), std::nullopt);

  // Without a bind the gateway is not healthy.
  sim_->Run([](smpp::testing::SmscSimulator& sim) { sim.SendUnbind(); });
  ASSERT_TRUE(
      test::WaitFor([&] { return AdminGet(admin_port_, "/healthz", Token()).status == 503; }, 10s));
  EXPECT_EQ(StopDaemon(), 0);
}

TEST_F(AdminTest, ThrottledSubmitsAreCountedPerConnection) {
  smpp::testing::SmscSimConfig throttling;
  throttling.throttle_every = 2;  // the second submit_sm is throttled, its resend taken
  sim_ = std::make_unique<test::SimThread>(throttling);
  std::ofstream(config_) << ConfigText();
  StartDaemon();
  ASSERT_FALSE(Say(kAmina, "HELP").starts_with("<no"));
  ASSERT_FALSE(Say(kBrian, "HELP").starts_with("<no"));
  auto has = [&](const std::string& line) {
    return AdminGet(admin_port_, "/metrics", Token()).body.find(line) != std::string::npos;
  };
  // The reply came after its resend was taken; a scrape reads the sessions afresh.
  EXPECT_TRUE(
      test::WaitFor([&] { return has("smsgw_smpp_throttled_total{connection=\"sim\"} 1\n"); }, 10s))
      << AdminGet(admin_port_, "/metrics", Token()).body;
  EXPECT_TRUE(has("smsgw_smpp_throttle_pauses_total{connection=\"sim\"} 0\n"));
  EXPECT_EQ(StopDaemon(), 0);
}

}  // namespace
}  // namespace smsgw::daemon_test
