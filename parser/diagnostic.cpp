#include "parser/diagnostic.h"

namespace smsgw::parser {

std::string Diagnostic::ToString() const {
  std::string out = file;
  if (line > 0) {
    out += ':' + std::to_string(line);
    if (column > 0) out += ':' + std::to_string(column);
  }
  out += is_error() ? ": error: " : ": warning: ";
  if (!key_path.empty()) out += key_path + ": ";
  out += message;
  return out;
}

bool HasErrors(const std::vector<Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics) {
    if (d.is_error()) return true;
  }
  return false;
}

}  // namespace smsgw::parser
