#include "gateway/grammar_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace smsgw::gateway {

std::string GrammarPathNextTo(const std::string& config_path) {
  return (std::filesystem::path(config_path).parent_path() / "grammar.yaml").string();
}

namespace {

parser::GrammarLoad Unreadable(const std::string& path, std::string why) {
  parser::GrammarLoad out;
  out.diagnostics.push_back(
      {parser::Diagnostic::Severity::kError, path, 0, 0, "", "cannot read: " + why});
  return out;
}

}  // namespace

parser::GrammarLoad LoadGrammarFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return Unreadable(path, "it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Unreadable(path, std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return parser::LoadGrammar(text.str(), path);
}

std::vector<parser::Diagnostic> CheckGrammarFile(const std::string& path) {
  return LoadGrammarFile(path).diagnostics;
}

}  // namespace smsgw::gateway
