// Which changes a SIGHUP can apply, and which wait for a restart.
#include "conf/config_reload.h"

#include <gtest/gtest.h>

#include "conf/config_loader.h"
#include "tests/conf/config_test_util.h"

namespace smsgw::conf {
namespace {

GatewayConfig Shipped() {
  Result<GatewayConfig> r =
      LoadGatewayConfig(testing::SourceDir() + "/conf/gateway.yaml", testing::WithEnv({}, false));
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : GatewayConfig{};
}

using Paths = std::vector<std::string>;

TEST(RestartOnlyChanges, NoneBetweenEqualConfigs) {
  EXPECT_EQ(RestartOnlyChanges(Shipped(), Shipped()), Paths{});
}

TEST(RestartOnlyChanges, ReloadableChangesAreNotListed) {
  GatewayConfig next = Shipped();
  next.limits.challenge_ttl = std::chrono::minutes(3);
  next.limits.wrong_pins_per_24h = 9;
  next.logging.level = LogLevel::kDebug;
  next.ussd.session_timeout = std::chrono::seconds(60);
  next.grammar_path = "/etc/smsgw/other.yaml";
  next.short_codes[0].language = "sw";
  next.backend.http.request_timeout = std::chrono::seconds(3);
  EXPECT_EQ(RestartOnlyChanges(Shipped(), next), Paths{});
}

TEST(RestartOnlyChanges, RestartOnlyChangesAreNamed) {
  GatewayConfig next = Shipped();
  next.smpp.connections[0].port = 2776;
  next.smpp.connections[0].tls.enabled = true;
  next.store.synchronous = Synchronous::kNormal;
  next.admin.listen.port = 7781;
  next.backend.http.pool_size = 2;
  next.short_codes[0].code = "20556";
  EXPECT_EQ(
      RestartOnlyChanges(Shipped(), next),
      (Paths{"smpp.connections[0].port", "smpp.connections[0].tls.enabled", "short_codes[0].code",
             "backend.http.pool_size", "store.synchronous", "admin.listen"}));
}

TEST(RestartOnlyChanges, AddedEntriesNameTheList) {
  GatewayConfig next = Shipped();
  next.smpp.connections.push_back(next.smpp.connections[0]);
  next.short_codes.push_back(ShortCode{});
  EXPECT_EQ(RestartOnlyChanges(Shipped(), next), (Paths{"smpp.connections", "short_codes"}));
}

}  // namespace
}  // namespace smsgw::conf
