// How the gateway configuration becomes the settings of the store and of the embedded ledger:
// one mapping for the daemon and for `smsgw ctl` / `smsgw ledger --config`, so they open the
// same files with the same keys.
#pragma once

#include <memory>

#include "conf/gateway_config.h"
#include "conf/status.h"
#include "store/crypto.h"
#include "store/options.h"

namespace smsgw::gateway {

// The store section: path, durability and dedup windows. `mode` and `keys` are left to the
// caller (StoreKeyRing). synchronous: extra is kFull (the store has no stronger setting).
// resend_window: 0s (off) is the engine's to honour; the store keeps its smallest window,
// 1 ms, so FindResend finds nothing a subscriber could have sent earlier.
store::Options StoreOptionsFromConfig(const conf::StoreConfig& config);

// The key a KeySource designates (its file, or the environment variable's value captured when
// the config was loaded) as a store key. The file is created when missing only when
// `allow_create` and the config says so (keys.create_missing): the daemon at start, never an
// administration command.
Result<store::Key> KeyFromConfig(const conf::KeySource& source, bool allow_create);

// KeyFromConfig for store.key_file, as a key ring of that one key.
Result<std::shared_ptr<const store::KeyRing>> StoreKeyRing(const conf::StoreConfig& config,
                                                           bool allow_create);

}  // namespace smsgw::gateway
