#include "gateway/grammar_file.h"

#include <filesystem>

#include "conf/text_file.h"

namespace smsgw::gateway {

std::string GrammarPathNextTo(const std::string& config_path) {
  return (std::filesystem::path(config_path).parent_path() / "grammar.yaml").string();
}

namespace {

// The grammar loader refuses more than this too; reading stops here.
constexpr std::size_t kMaxGrammarBytes = 4 << 20;

}  // namespace

parser::GrammarLoad LoadGrammarFile(const std::string& path) {
  Result<std::string> text = conf::ReadTextFile(path, kMaxGrammarBytes);
  if (!text.ok()) {
    parser::GrammarLoad out;
    std::string message = text.status().message();
    if (text.status().IsInvalidArgument()) message += "; not a grammar";
    out.diagnostics.push_back({parser::Diagnostic::Severity::kError, path, 0, 0, "", message});
    return out;
  }
  return parser::LoadGrammar(*text, path);
}

std::vector<parser::Diagnostic> CheckGrammarFile(const std::string& path) {
  return LoadGrammarFile(path).diagnostics;
}

}  // namespace smsgw::gateway
