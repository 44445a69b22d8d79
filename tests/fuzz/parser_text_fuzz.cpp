// libFuzzer target: any bytes as a subscriber's text, parsed with the shipped grammar.
// Besides not crashing, every outcome must hold the parser's promises: a violation's stored
// copy keeps no number, a command's stored copy no credential value (unless the same digits
// are also a value that may be shown), every error has a reply, and Describe() shows nothing
// the stored copy does not.
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "parser/grammar_loader.h"
#include "parser/parse.h"
#include "parser/replies.h"
#include "parser/tokenizer.h"

namespace {

using smsgw::parser::Grammar;

std::shared_ptr<const Grammar> LoadShipped() {
  const char* root = std::getenv("SMSGW_SOURCE_DIR");
  const std::string path =
      (root != nullptr && *root != '\0' ? std::string(root) + "/" : "") + "conf/grammar.yaml";
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  smsgw::parser::GrammarLoad load = smsgw::parser::LoadGrammar(text.str(), path);
  if (!load.ok()) {
    std::cerr << "parser_text_fuzz: run from the source tree (cannot load " << path << ")\n";
    std::abort();
  }
  return load.grammar;
}

void Check(bool ok, const char* what) {
  if (!ok) {
    std::cerr << "parser_text_fuzz: " << what << "\n";
    std::abort();
  }
}

// True when the normalised text has a run of `n` or more digits.
bool HasDigitRun(const Grammar& g, std::string_view text, std::size_t n) {
  smsgw::parser::Tokens tokens;
  tokens.Tokenize(text, g.money);
  for (const auto& t : tokens.tokens()) {
    std::size_t run = 0;
    for (char c : t.text) {
      run = (c >= '0' && c <= '9') ? run + 1 : 0;
      if (run >= n) return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::shared_ptr<const Grammar> grammar = LoadShipped();
  const Grammar& g = *grammar;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const char* language : {"", "sw"}) {
    const smsgw::parser::ParseOutcome o =
        smsgw::parser::Parse(g, text, {.sender = "254711000111", .language = language});
    Check(o.redacted().size() <= text.size() * 4 + 8, "redacted copy out of proportion");
    Check(g.LanguageIndex(o.language()).has_value(), "outcome language not in the grammar");
    if (o.is_violation()) {
      Check(!HasDigitRun(g, o.redacted(), 2), "a violation's stored copy keeps a number");
      Check(!o.violation().parts.empty(), "a violation names no part");
    }
    if (o.is_command()) {
      Check(g.FindCommand(o.command().name) != nullptr, "command not in the grammar");
      for (const auto& f : o.command().fields) {
        if (f.cls != smsgw::parser::FieldClass::kCredential || f.value.empty()) continue;
        // The PIN may legitimately reappear only if another shown value contains its digits.
        bool shown_elsewhere = false;
        for (const auto& other : o.command().fields) {
          shown_elsewhere =
              shown_elsewhere || (&other != &f && other.value.find(f.value) != std::string::npos);
        }
        if (!shown_elsewhere) {
          Check(o.redacted().find(f.value) == std::string::npos, "stored copy shows a PIN");
          Check(o.Describe().find(f.value) == std::string::npos, "Describe() shows a PIN");
        }
      }
    } else {
      Check(smsgw::parser::ReplyFor(g, o).ok(), "an error without a reply");
    }
  }
  return 0;
}
