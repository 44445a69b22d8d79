#include <ostream>

#include "gateway/config_option.h"
#include "gateway/subcommand.h"

namespace smsgw::gateway {

Subcommand CheckSubcommand() {
  return {"check",
          "validate the configuration and grammar",
          "smsgw check [--config FILE]\n\n"
          "Validates the gateway configuration and the grammar file it names, as `smsgw run`\n"
          "would at start, without starting anything. Prints OK and exits 0 when both are\n"
          "valid; otherwise prints every error as FILE:LINE:COLUMN: KEY: what is wrong and\n"
          "exits 1. Exit status 2 means the command line itself was wrong.",
          {ConfigOption()},
          [](const ParsedArgs& args, std::ostream& out, std::ostream& err) {
            auto loaded = LoadConfigOrExit(args, "check", err);
            if (const int* code = std::get_if<int>(&loaded)) return *code;
            out << "OK\n";
            return kExitOk;
          }};
}

}  // namespace smsgw::gateway
