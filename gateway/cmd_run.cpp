#include <ostream>

#include "gateway/config_option.h"
#include "gateway/subcommand.h"

namespace smsgw::gateway {

Subcommand RunSubcommand() {
  return {"run",
          "run the gateway daemon in the foreground",
          "smsgw run [--config FILE]\n\n"
          "Validates the configuration and grammar like `smsgw check`, then runs the gateway\n"
          "in the foreground. (This build has no daemon yet: after validating, it says so and\n"
          "exits 3.) Exit status 1: the configuration is invalid; 2: the command line was\n"
          "wrong; 3: the gateway could not run.",
          {ConfigOption()},
          [](const ParsedArgs& args, std::ostream&, std::ostream& err) {
            auto loaded = LoadConfigOrExit(args, "run", err);
            if (const int* code = std::get_if<int>(&loaded)) return *code;
            const auto& config = std::get<conf::GatewayConfig>(loaded);
            err << "smsgw run: " << config.source_file << " is valid, but the daemon is not part\n"
                << "of this build yet: no SMPP bind, store or backend was started.\n";
            return kExitFailure;
          }};
}

}  // namespace smsgw::gateway
