#include <ostream>

#include "gateway/subcommand.h"

namespace smsgw::gateway {

Subcommand CheckSubcommand() {
  return {"check",
          "validate the configuration and grammar",
          "smsgw check",
          {{"config", "FILE", "gateway configuration (default conf/gateway.yaml)"}},
          [](const ParsedArgs&, std::ostream&, std::ostream& err) {
            err << "smsgw check: not implemented in this build\n";
            return kExitFailure;
          }};
}

}  // namespace smsgw::gateway
