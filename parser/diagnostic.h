// A finding about a configuration file, located precisely enough for an admin to fix it.
#pragma once

#include <string>
#include <vector>

namespace smsgw::parser {

struct Diagnostic {
  enum class Severity { kError, kWarning };

  Severity severity = Severity::kError;
  std::string file;
  int line = 0;          // 1-based; 0 when the finding is about the whole file
  int column = 0;        // 1-based; 0 when unknown
  std::string key_path;  // "commands[pay].fields[amount].max"; empty for syntax errors
  std::string message;

  bool is_error() const { return severity == Severity::kError; }

  // "conf/grammar.yaml:42:7: error: commands[pay].keywords: keyword PAY is also used by ..."
  std::string ToString() const;
};

bool HasErrors(const std::vector<Diagnostic>& diagnostics);

}  // namespace smsgw::parser
