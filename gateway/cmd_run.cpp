#include <ostream>

#include "gateway/config_option.h"
#include "gateway/daemon/daemon.h"
#include "gateway/subcommand.h"

namespace smsgw::gateway {

Subcommand RunSubcommand() {
  return {"run",
          "run the gateway daemon in the foreground",
          "smsgw run [--config FILE]\n\n"
          "Validates the configuration and grammar like `smsgw check`, then runs the gateway\n"
          "in the foreground, logging to stderr. SIGHUP reloads the grammar and the [reload]\n"
          "settings (an invalid file keeps the running ones); SIGTERM or SIGINT drains and\n"
          "stops, a second one exits at once. Exit status 0: stopped cleanly; 1: the\n"
          "configuration is invalid; 2: the command line was wrong; 3: the gateway could not\n"
          "start (the reason is on stderr); 4: the store could not be opened (locked by\n"
          "another process, corrupt, from a newer smsgw, or its directory is missing); it\n"
          "was left as it is; 5: a second SIGTERM or SIGINT cut the drain short.",
          {ConfigOption()},
          [](const ParsedArgs& args, std::ostream&, std::ostream& err) {
            auto loaded = LoadConfigOrExit(args, "run", err);
            if (const int* code = std::get_if<int>(&loaded)) return *code;
            return RunDaemon(std::get<conf::GatewayConfig>(std::move(loaded)), DaemonOptions{},
                             err);
          }};
}

}  // namespace smsgw::gateway
