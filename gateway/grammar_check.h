// Validation of the grammar file a configuration names (conf/grammar.yaml), for `smsgw check`
// and `smsgw run`.
#pragma once

#include <string>
#include <vector>

#include "conf/gateway_config.h"

namespace smsgw::gateway {

// Every error in config.grammar_path (parser::LoadGrammar), each formatted
// FILE:LINE:COLUMN: error: KEY: message; then, for a grammar that loads, what the commands
// engine refuses in it (FILE: error: message: a template it renders missing, say). Empty when
// the daemon would take the grammar.
std::vector<std::string> CheckGrammar(const conf::GatewayConfig& config);

}  // namespace smsgw::gateway
