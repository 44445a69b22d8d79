// The --config option shared by the subcommands that read conf/gateway.yaml.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <variant>

#include "conf/gateway_config.h"
#include "gateway/cli_args.h"

namespace smsgw::gateway {

OptionSpec ConfigOption();

// Loads and validates the configuration named by --config (default kDefaultConfigPath), and
// the grammar it names. Stray positional arguments are a usage error. On failure every error
// goes to `err`, one per line, followed by a summary naming `command`, and the exit code to
// return is given instead of a config: kExitUsage or kExitInvalid.
std::variant<conf::GatewayConfig, int> LoadConfigOrExit(const ParsedArgs& args,
                                                        const std::string& command,
                                                        std::ostream& err);

// For the administration commands (ctl, ledger), which take the files and keys from the
// configuration but have positional arguments of their own and never read the grammar (a
// broken grammar must not keep an operator from the store). The file named by --config, else
// `default_path` when given (ledger: kDefaultConfigPath); nullopt when --config was not given
// and there is no default path or no file there. The file is validated as the daemon would
// (the secrets it names from the environment must be set); on failure the errors go to `err`
// as with LoadConfigOrExit and kExitInvalid is returned instead.
std::variant<std::optional<conf::GatewayConfig>, int> LoadAdminConfigOrExit(
    const ParsedArgs& args, const std::string& command, std::ostream& err,
    const char* default_path = nullptr);

// For `smsgw try`, which runs the commands engine with the configuration's limits, as the
// daemon does, but opens nothing the configuration names: the file named by --config (default
// kDefaultConfigPath), validated without looking at the files it names or reading its secrets,
// so a production file whose secrets live in the daemon's environment serves as it is.
// nullopt when --config was not given and the default file does not exist (a grammar tried on
// its own). On failure the errors go to `err` as with LoadConfigOrExit and kExitInvalid is
// returned instead.
std::variant<std::optional<conf::GatewayConfig>, int> LoadTryConfigOrExit(const ParsedArgs& args,
                                                                          std::ostream& err);

}  // namespace smsgw::gateway
