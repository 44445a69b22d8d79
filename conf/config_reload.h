// What a SIGHUP may apply. Each setting is [reload] or [restart] (conf/gateway_config.h,
// docs/configuration.md); this compares two valid configurations and names the [restart]
// settings that differ, so the daemon can apply the rest and say which changes wait for a
// restart.
#pragma once

#include <string>
#include <vector>

#include "conf/gateway_config.h"

namespace smsgw::conf {

// Key paths of the [restart] settings whose values differ, in schema order:
// "smpp.connections[0].port", or the list itself ("smpp.connections") when entries were added
// or removed. Empty when `next` can be applied entirely by a reload.
std::vector<std::string> RestartOnlyChanges(const GatewayConfig& current,
                                            const GatewayConfig& next);

}  // namespace smsgw::conf
