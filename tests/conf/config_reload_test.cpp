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

// The HTTP client, its breaker and the store's instruction retry policy are built at start: a
// reload that took the new values would leave the engine counting attempts the store does not.
TEST(RestartOnlyChanges, EveryHttpBackendSettingWaitsForARestart) {
  GatewayConfig next = Shipped();
  next.backend.type = BackendType::kHttp;
  next.backend.http.connect_timeout = std::chrono::seconds(1);
  next.backend.http.request_timeout = std::chrono::seconds(3);
  next.backend.http.max_attempts = 20;
  next.backend.http.backoff_min = std::chrono::seconds(1);
  next.backend.http.backoff_max = std::chrono::minutes(5);
  next.backend.http.circuit_breaker_threshold = 9;
  next.backend.http.circuit_breaker_open_time = std::chrono::minutes(1);
  EXPECT_EQ(
      RestartOnlyChanges(Shipped(), next),
      (Paths{"backend.type", "backend.http.connect_timeout", "backend.http.request_timeout",
             "backend.http.max_attempts", "backend.http.backoff_min", "backend.http.backoff_max",
             "backend.http.circuit_breaker_threshold", "backend.http.circuit_breaker_open_time"}));
}

TEST(RestartOnlyChanges, AddedEntriesNameTheList) {
  GatewayConfig next = Shipped();
  next.smpp.connections.push_back(next.smpp.connections[0]);
  next.short_codes.push_back(ShortCode{});
  EXPECT_EQ(RestartOnlyChanges(Shipped(), next), (Paths{"smpp.connections", "short_codes"}));
}

}  // namespace
}  // namespace smsgw::conf
