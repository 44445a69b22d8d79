// Loading conf/grammar.yaml. No I/O: the caller reads the file (see gateway/grammar_file.h)
// and passes its text, with the file name for diagnostics.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "parser/diagnostic.h"
#include "parser/grammar.h"

namespace smsgw::parser {

struct GrammarLoad {
  // Null when any diagnostic is an error. Immutable: share it, swap it on reload.
  std::shared_ptr<const Grammar> grammar;
  // Every error and warning found, in file order. Warnings (a reply that will not fit one
  // SMS, a translation that leaves out a placeholder) do not stop the grammar loading.
  std::vector<Diagnostic> diagnostics;

  bool ok() const { return grammar != nullptr; }
};

// Parses and checks a grammar. Reports every problem, not just the first: YAML syntax, unknown
// keys, types, classes and placeholders, keywords used twice, syntaxes that make a message
// ambiguous, commands that could carry a forbidden pair of classes, templates that are
// missing or ask for values nobody supplies.
GrammarLoad LoadGrammar(std::string_view yaml_text, std::string_view file_name);

}  // namespace smsgw::parser
