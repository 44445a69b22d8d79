// The gateway configuration's store section becomes the store's Options and key.
#include "gateway/store_settings.h"

#include <gtest/gtest.h>

#include "tests/support/store_fixture.h"

namespace smsgw::gateway {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(StoreSettings, PathDurabilityAndWindowsComeFromTheStoreSection) {
  conf::StoreConfig c;
  c.path = "/var/lib/smsgw/smsgw.db";
  c.synchronous = conf::Synchronous::kNormal;
  c.network_dedup_window = hours(48);
  c.network_dedup_window_handset_reference = minutes(20);
  c.network_dedup_window_without_id = seconds(90);
  c.resend_window = minutes(15);
  store::Options o = StoreOptionsFromConfig(c);
  EXPECT_EQ(o.path, "/var/lib/smsgw/smsgw.db");
  EXPECT_EQ(o.synchronous, store::Synchronous::kNormal);
  EXPECT_EQ(o.redelivery_window_ms, 48 * 3'600'000LL);
  EXPECT_EQ(o.handset_reference_redelivery_window_ms, 20 * 60'000);
  EXPECT_EQ(o.unidentified_redelivery_window_ms, 90'000);
  EXPECT_EQ(o.resend_window_ms, 15 * 60'000);
  c.synchronous = conf::Synchronous::kExtra;
  c.resend_window = seconds(0);
  o = StoreOptionsFromConfig(c);
  EXPECT_EQ(o.synchronous, store::Synchronous::kFull);
  EXPECT_EQ(o.resend_window_ms, 1);
}

TEST(StoreSettings, TheDefaultsAreTheStoresDefaults) {
  store::Options o = StoreOptionsFromConfig(conf::StoreConfig{});
  store::Options defaults;
  EXPECT_EQ(o.redelivery_window_ms, defaults.redelivery_window_ms);
  EXPECT_EQ(o.handset_reference_redelivery_window_ms,
            defaults.handset_reference_redelivery_window_ms);
  EXPECT_EQ(o.unidentified_redelivery_window_ms, defaults.unidentified_redelivery_window_ms);
  EXPECT_EQ(o.resend_window_ms, defaults.resend_window_ms);
  EXPECT_EQ(o.synchronous, defaults.synchronous);
}

TEST(StoreSettings, TheKeyComesFromItsFileOrTheEnvironmentAndIsCreatedOnlyWhenAllowed) {
  store::testing::TempDir dir;
  const std::string file = dir.File("keys/store.key");
  ASSERT_TRUE(store::CreateKeyFile(file).ok());
  conf::StoreConfig c;
  c.key.file = file;
  auto ring = StoreKeyRing(c, false);
  ASSERT_TRUE(ring.ok()) << ring.status().ToString();
  EXPECT_EQ((*ring)->current().id(), store::LoadKeyFile(file)->id());

  conf::KeySource env = conf::KeySource::Named("SMSGW_STORE_KEY");
  env.env_value = std::string(64, 'a');
  auto from_env = KeyFromConfig(env, false);
  ASSERT_TRUE(from_env.ok()) << from_env.status().ToString();
  EXPECT_EQ(from_env->bytes(), std::string(32, '\xaa'));

  conf::KeySource missing;
  missing.file = dir.File("keys/new.key");
  missing.create_if_missing = true;
  EXPECT_TRUE(KeyFromConfig(missing, false).status().IsNotFound());
  EXPECT_TRUE(KeyFromConfig(missing, true).ok());
  EXPECT_TRUE(KeyFromConfig(missing, false).ok());  // now it exists
}

}  // namespace
}  // namespace smsgw::gateway
