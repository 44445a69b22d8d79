#include "tests/support/grammar_fixture.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "parser/grammar_loader.h"

namespace smsgw::test_support {

std::string SourcePath(const std::string& relative) {
  const char* root = std::getenv("SMSGW_SOURCE_DIR");
  return root != nullptr && *root != '\0' ? std::string(root) + "/" + relative : relative;
}

std::string ReadSource(const std::string& relative) {
  std::ifstream in(SourcePath(relative), std::ios::binary);
  if (!in) {
    std::cerr << "cannot read " << SourcePath(relative) << "\n";
    std::abort();
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

const std::string& ShippedGrammarText() {
  static const std::string text = ReadSource("conf/grammar.yaml");
  return text;
}

std::shared_ptr<const parser::Grammar> ShippedGrammar() {
  static const std::shared_ptr<const parser::Grammar> grammar = [] {
    parser::GrammarLoad load = parser::LoadGrammar(ShippedGrammarText(), "conf/grammar.yaml");
    if (!load.ok()) {
      for (const auto& d : load.diagnostics) std::cerr << d.ToString() << "\n";
      std::abort();
    }
    return load.grammar;
  }();
  return grammar;
}

std::string InsertAfterLine(const std::string& text, const std::string& anchor_line,
                            const std::string& insert) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = text.find('\n', pos);
    const std::size_t next = end == std::string::npos ? text.size() : end + 1;
    if (text.compare(pos, (end == std::string::npos ? text.size() : end) - pos, anchor_line) == 0) {
      return text.substr(0, next) + insert + text.substr(next);
    }
    pos = next;
  }
  std::cerr << "no line '" << anchor_line << "'\n";
  std::abort();
}

int LineOf(const std::string& text, const std::string& needle) {
  const std::size_t at = text.find(needle);
  if (at == std::string::npos) return 0;
  int line = 1;
  for (std::size_t i = 0; i < at; ++i) line += text[i] == '\n';
  return line;
}

}  // namespace smsgw::test_support
