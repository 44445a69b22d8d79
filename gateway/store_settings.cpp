#include "gateway/store_settings.h"

#include <algorithm>
#include <string_view>

#include "conf/key_file.h"

namespace smsgw::gateway {

namespace {

int64_t Ms(conf::Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

store::Options StoreOptionsFromConfig(const conf::StoreConfig& config) {
  store::Options o;
  o.path = config.path;
  o.synchronous = config.synchronous == conf::Synchronous::kNormal ? store::Synchronous::kNormal
                                                                   : store::Synchronous::kFull;
  o.redelivery_window_ms = Ms(config.network_dedup_window);
  o.handset_reference_redelivery_window_ms = Ms(config.network_dedup_window_handset_reference);
  o.unidentified_redelivery_window_ms = Ms(config.network_dedup_window_without_id);
  o.resend_window_ms = std::max<int64_t>(1, Ms(config.resend_window));
  return o;
}

Result<store::Key> KeyFromConfig(const conf::KeySource& source, bool allow_create) {
  conf::KeySource k = source;
  k.create_if_missing = allow_create && source.create_if_missing;
  Result<conf::KeyBytes> bytes = conf::ReadKey(k);
  store::Wipe(k.env_value);
  if (!bytes.ok()) return bytes.status();
  std::span<const unsigned char> b = bytes->bytes();
  return store::Key::FromBytes(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
}

Result<std::shared_ptr<const store::KeyRing>> StoreKeyRing(const conf::StoreConfig& config,
                                                           bool allow_create) {
  Result<store::Key> key = KeyFromConfig(config.key, allow_create);
  if (!key.ok()) return key.status().WithContext("store.key_file");
  return std::make_shared<const store::KeyRing>(std::move(*key));
}

}  // namespace smsgw::gateway
