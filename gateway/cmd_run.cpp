#include <ostream>

#include "gateway/subcommand.h"

namespace smsgw::gateway {

Subcommand RunSubcommand() {
  return {"run",
          "run the gateway daemon in the foreground",
          "smsgw run",
          {{"config", "FILE", "gateway configuration (default conf/gateway.yaml)"}},
          [](const ParsedArgs&, std::ostream&, std::ostream& err) {
            err << "smsgw run: not implemented in this build\n";
            return kExitFailure;
          }};
}

}  // namespace smsgw::gateway
