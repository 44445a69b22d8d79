// Loads every CA file the configuration names, as the daemon would when it connects, so that
// `smsgw check` (and `smsgw run` before it binds) reports a file that exists but holds no
// usable certificate, instead of each connection failing later with a handshake error.
#pragma once

#include <string>
#include <vector>

#include "conf/gateway_config.h"

namespace smsgw::gateway {

// One line per unusable file: "<config_path>: <key path>: <why>". Empty when all load.
std::vector<std::string> CheckTlsFiles(const conf::GatewayConfig& config,
                                       const std::string& config_path);

}  // namespace smsgw::gateway
