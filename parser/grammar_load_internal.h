// Shared by the grammar loader's parts (grammar_loader.cpp, grammar_load_*.cpp,
// grammar_checks.cpp); not part of the parser's contract.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <vector>

#include "parser/grammar.h"
#include "parser/yaml_reader.h"

namespace smsgw::parser {

inline constexpr int kMaxWordLength = 60;
inline constexpr int kMaxDigitsLength = 32;
inline constexpr int kMaxTextLength = 1600;

// Language-keyed mappings ("en: PAY"): the value per declared language, reporting languages
// the grammar does not declare. Missing languages are nullopt.
std::vector<std::optional<YAML::Node>> PerLanguage(YamlReader& r, const Grammar& g,
                                                   const YAML::Node& node, const std::string& path);

// The `templates:` and `commands:` sections of the root mapping.
void LoadTemplates(YamlReader& r, Grammar& g, const YAML::Node& root);
void LoadCommands(YamlReader& r, Grammar& g, const YAML::Node& root);
// Normalises fields' default values through their types' rules; needs the keyword index.
void ResolveDefaults(YamlReader& r, Grammar& g);
// Checks across commands and templates, after Grammar::BuildIndexes.
void CheckGrammar(YamlReader& r, const Grammar& g);
// The `ussd:` section (grammar_load_ussd.cpp): loading after the commands, then the checks
// that need the indexes (references, paths, the 182-character limit).
void LoadUssd(YamlReader& r, Grammar& g, const YAML::Node& root);
void CheckUssd(YamlReader& r, Grammar& g);

}  // namespace smsgw::parser
