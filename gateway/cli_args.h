// Command-line options for smsgw's subcommands: `--name value`, `--name=value`, boolean flags
// and positional arguments. Pure: no I/O, so it is tested without a process.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "conf/status.h"

namespace smsgw::gateway {

struct OptionSpec {
  std::string name;        // without the leading "--"
  std::string value_name;  // empty for a boolean flag
  std::string help;
};

class ParsedArgs {
 public:
  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  std::optional<std::string> Get(const std::string& name) const;
  std::string GetOr(const std::string& name, const std::string& fallback) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

  void Set(const std::string& name, std::string value) { values_[name] = std::move(value); }
  void AddPositional(std::string value) { positionals_.push_back(std::move(value)); }

 private:
  std::map<std::string, std::string> values_;  // flags map to ""
  std::vector<std::string> positionals_;
};

// Unknown options, missing values and values given to flags are InvalidArgument errors whose
// message names the option and, when one is close, suggests the intended one. "--" ends the
// options; everything after it is positional.
Result<ParsedArgs> ParseArgs(std::span<const std::string> args, std::span<const OptionSpec> specs);

// The "Options:" block of a help text, one aligned line per option.
std::string FormatOptions(std::span<const OptionSpec> specs);

}  // namespace smsgw::gateway
