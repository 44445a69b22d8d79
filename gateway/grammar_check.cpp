#include "gateway/grammar_check.h"

#include "gateway/daemon/daemon_open.h"
#include "gateway/grammar_file.h"

namespace smsgw::gateway {

std::vector<std::string> CheckGrammar(const conf::GatewayConfig& config) {
  // Only errors fail the check; warnings (a reply longer than one SMS) are the grammar
  // author's call and are shown by `smsgw try`.
  std::vector<std::string> errors;
  for (const parser::Diagnostic& d : CheckGrammarFile(config.grammar_path)) {
    if (d.is_error()) errors.push_back(d.ToString());
  }
  if (!errors.empty()) return errors;
  // A grammar can load and still lack what the commands engine needs (a template it renders
  // whatever the commands say): the daemon would refuse it at start or reload, so say so now.
  auto grammar = LoadGrammarOf(config);
  if (!grammar.ok()) return {config.grammar_path + ": error: " + grammar.status().message()};
  auto engine = MakeEngine(config, config.backend, *grammar);
  if (!engine.ok()) errors.push_back(config.grammar_path + ": error: " + engine.status().message());
  return errors;
}

}  // namespace smsgw::gateway
