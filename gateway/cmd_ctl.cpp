#include <ostream>

#include "gateway/subcommand.h"

namespace smsgw::gateway {

Subcommand CtlSubcommand() {
  return {"ctl",
          "inspect and repair the store (status, outbox, audit, backup)",
          "smsgw ctl",
          {{"config", "FILE", "gateway configuration (default conf/gateway.yaml)"}},
          [](const ParsedArgs&, std::ostream&, std::ostream& err) {
            err << "smsgw ctl: not implemented in this build\n";
            return kExitFailure;
          }};
}

}  // namespace smsgw::gateway
