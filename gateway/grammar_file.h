// Reading the grammar file from disk: the thin I/O layer over parser::LoadGrammar.
#pragma once

#include <string>
#include <vector>

#include "parser/diagnostic.h"
#include "parser/grammar_loader.h"

namespace smsgw::gateway {

// grammar.yaml next to the configuration file: "conf/gateway.yaml" -> "conf/grammar.yaml".
std::string GrammarPathNextTo(const std::string& config_path);

// Reads and loads `path`. A file that cannot be read gives one error diagnostic (line 0).
parser::GrammarLoad LoadGrammarFile(const std::string& path);

// For `smsgw check`: every error and warning of the grammar at `path`, in file order. No
// errors means the file would load.
std::vector<parser::Diagnostic> CheckGrammarFile(const std::string& path);

}  // namespace smsgw::gateway
