#include <ostream>
#include <span>

#include "gateway/subcommand.h"
#include "gateway/version.h"
#include "parser/edit_distance.h"

namespace smsgw::gateway {

const std::vector<Subcommand>& AllSubcommands() {
  static const std::vector<Subcommand> all = {RunSubcommand(),    CheckSubcommand(),
                                              TrySubcommand(),    CtlSubcommand(),
                                              LedgerSubcommand(), VersionSubcommand()};
  return all;
}

namespace {

void PrintTopHelp(std::ostream& out) {
  out << "smsgw " << kVersion << " - SMS/USSD payment gateway\n\n"
      << "Usage: smsgw <command> [options]\n\nCommands:\n";
  for (const auto& c : AllSubcommands()) {
    out << "  " << c.name << std::string(c.name.size() < 10 ? 10 - c.name.size() : 1, ' ')
        << c.summary << "\n";
  }
  out << "\nRun 'smsgw <command> --help' for a command's options.\n";
}

void PrintHelp(const Subcommand& c, std::ostream& out) {
  out << "Usage: " << c.usage << "\n\n" << FormatOptions(c.options);
}

}  // namespace

int Dispatch(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  if (argv.size() < 2) {
    PrintTopHelp(err);
    return kExitUsage;
  }
  const std::string& name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    PrintTopHelp(out);
    return kExitOk;
  }
  for (const auto& c : AllSubcommands()) {
    if (c.name != name && !(name == "--version" && c.name == "version")) continue;
    std::span<const std::string> rest(argv.begin() + 2, argv.end());
    Result<ParsedArgs> args = ParseArgs(rest, c.options);
    if (!args.ok()) {
      err << "smsgw " << c.name << ": " << args.status().message() << "\n"
          << "Run 'smsgw " << c.name << " --help' for the options.\n";
      return kExitUsage;
    }
    if (args->Has("help")) {
      PrintHelp(c, out);
      return kExitOk;
    }
    return c.main(*args, out, err);
  }
  std::vector<std::string_view> names;
  for (const auto& c : AllSubcommands()) names.push_back(c.name);
  err << "smsgw: '" << name << "' is not a command.";
  std::string_view hint = parser::ClosestMatch(name, names, 2);
  if (!hint.empty()) err << " Did you mean '" << hint << "'?";
  err << "\nRun 'smsgw --help' for the list.\n";
  return kExitUsage;
}

}  // namespace smsgw::gateway
