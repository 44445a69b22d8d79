// Validation of the grammar file a configuration names (conf/grammar.yaml), for `smsgw check`
// and `smsgw run`.
#pragma once

#include <string>
#include <vector>

#include "conf/gateway_config.h"

namespace smsgw::gateway {

// Every problem with config.grammar_path, each formatted FILE:LINE:COLUMN: KEY: message like
// the configuration's errors; empty when the grammar is usable.
std::vector<std::string> CheckGrammar(const conf::GatewayConfig& config);

}  // namespace smsgw::gateway
