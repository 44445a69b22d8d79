// The checks that span several keys, run after the schema reader has filled the config:
// unique connection names and short codes, short codes naming existing connections,
// minimum <= maximum pairs, the backend section its type needs, and the secrets, which may
// come from the environment instead of the file (this is where they are filled in). Internal
// to conf/.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "conf/config_reader.h"
#include "conf/gateway_config.h"

namespace smsgw::conf::schema {

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Reports into ctx; completes `config` with the environment's secrets and key settings.
void CheckAndComplete(GatewayConfig& config, ReadContext& ctx, const EnvLookup& env);

}  // namespace smsgw::conf::schema
