#include <ostream>

#include "gateway/subcommand.h"

namespace smsgw::gateway {

Subcommand LedgerSubcommand() {
  return {"ledger",
          "administer the embedded ledger (accounts, PINs, balances)",
          "smsgw ledger",
          {{"config", "FILE", "gateway configuration (default conf/gateway.yaml)"}},
          [](const ParsedArgs&, std::ostream&, std::ostream& err) {
            err << "smsgw ledger: not implemented in this build\n";
            return kExitFailure;
          }};
}

}  // namespace smsgw::gateway
