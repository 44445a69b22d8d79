#include "gateway/grammar_check.h"

#include "gateway/grammar_file.h"

namespace smsgw::gateway {

std::vector<std::string> CheckGrammar(const conf::GatewayConfig& config) {
  // Only errors fail the check; warnings (a reply longer than one SMS) are the grammar
  // author's call and are shown by `smsgw try`.
  std::vector<std::string> errors;
  for (const parser::Diagnostic& d : CheckGrammarFile(config.grammar_path)) {
    if (d.is_error()) errors.push_back(d.ToString());
  }
  return errors;
}

}  // namespace smsgw::gateway
