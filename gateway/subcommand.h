// The git-style subcommands of the smsgw binary. Each lives in its own cmd_<name>.cpp and
// describes itself with a Subcommand; main.cpp only dispatches.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "gateway/cli_args.h"

namespace smsgw::gateway {

struct Subcommand {
  std::string name;
  std::string summary;  // one line for `smsgw --help`
  std::string usage;    // "smsgw check [--config FILE]" and a paragraph of explanation
  std::vector<OptionSpec> options;
  // Returns the process exit code: 0 success, 1 the input was found wrong (e.g. a bad config),
  // 2 usage error, 3 a runtime failure (cannot open the store, bind failed for good, ...).
  int (*main)(const ParsedArgs& args, std::ostream& out, std::ostream& err);
};

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitFailure = 3;

// The default configuration path when --config is not given.
inline constexpr const char* kDefaultConfigPath = "conf/gateway.yaml";

Subcommand RunSubcommand();
Subcommand CheckSubcommand();
Subcommand TrySubcommand();
Subcommand CtlSubcommand();
Subcommand LedgerSubcommand();
Subcommand VersionSubcommand();

// All subcommands in the order `smsgw --help` lists them.
const std::vector<Subcommand>& AllSubcommands();

// Entry point shared by main() and the CLI tests.
int Dispatch(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);

}  // namespace smsgw::gateway
