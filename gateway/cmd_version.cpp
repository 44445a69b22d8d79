#include <ostream>

#include "gateway/subcommand.h"
#include "gateway/version.h"

namespace smsgw::gateway {

Subcommand VersionSubcommand() {
  return {"version",
          "print the version",
          "smsgw version\n\nPrints smsgw's version.",
          {},
          [](const ParsedArgs&, std::ostream& out, std::ostream&) {
            out << "smsgw " << kVersion << "\n";
            return kExitOk;
          }};
}

}  // namespace smsgw::gateway
