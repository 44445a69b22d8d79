#include <ostream>

#include "gateway/subcommand.h"

namespace smsgw::gateway {

Subcommand TrySubcommand() {
  return {"try",
          "show what the grammar makes of a message, without a network",
          "smsgw try",
          {{"config", "FILE", "gateway configuration (default conf/gateway.yaml)"}},
          [](const ParsedArgs&, std::ostream&, std::ostream& err) {
            err << "smsgw try: not implemented in this build\n";
            return kExitFailure;
          }};
}

}  // namespace smsgw::gateway
