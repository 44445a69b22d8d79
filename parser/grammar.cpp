#include "parser/grammar.h"

#include <algorithm>

namespace smsgw::parser {

bool CredentialSplitPolicy::Forbidden(FieldClass a, FieldClass b) const {
  for (const auto& [x, y] : forbidden_pairs) {
    if ((x == a && y == b) || (x == b && y == a)) return true;
  }
  return false;
}

const FieldSpec* CommandSpec::FindField(std::string_view field_name) const {
  for (const auto& f : fields) {
    if (f.name == field_name) return &f;
  }
  return nullptr;
}

bool Template::Declares(std::string_view placeholder) const {
  return std::find(placeholders.begin(), placeholders.end(), placeholder) != placeholders.end();
}

std::optional<std::size_t> Grammar::LanguageIndex(std::string_view code) const {
  for (std::size_t i = 0; i < languages.size(); ++i) {
    if (languages[i] == code) return i;
  }
  return std::nullopt;
}

std::size_t Grammar::LanguageOrDefault(std::string_view code) const {
  return LanguageIndex(code).value_or(default_language);
}

const CommandSpec* Grammar::FindCommand(std::string_view name) const {
  auto it = command_index_.find(name);
  return it == command_index_.end() ? nullptr : &commands[it->second];
}

const Template* Grammar::FindTemplate(std::string_view name) const {
  auto it = template_index_.find(name);
  return it == template_index_.end() ? nullptr : &templates[it->second];
}

const std::vector<Grammar::KeywordEntry>* Grammar::KeywordsStartingWith(
    std::string_view token) const {
  auto it = keywords_.find(token);
  return it == keywords_.end() ? nullptr : &it->second;
}

void Grammar::BuildIndexes() {
  keywords_.clear();
  keywordless_.clear();
  command_index_.clear();
  template_index_.clear();
  for (std::size_t c = 0; c < commands.size(); ++c) {
    command_index_.emplace(commands[c].name, c);
    if (commands[c].keywordless()) keywordless_.push_back(c);
    for (const auto& k : commands[c].keywords) {
      KeywordEntry entry{c, k.language, {}};
      std::string_view rest = k.text;
      std::size_t space = rest.find(' ');
      std::string first(rest.substr(0, space));
      while (space != std::string_view::npos) {
        rest.remove_prefix(space + 1);
        space = rest.find(' ');
        entry.rest.emplace_back(rest.substr(0, space));
      }
      keywords_[first].push_back(std::move(entry));
    }
  }
  for (auto& [first, entries] : keywords_) {
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto& a, const auto& b) { return a.rest.size() > b.rest.size(); });
  }
  for (std::size_t t = 0; t < templates.size(); ++t) template_index_.emplace(templates[t].name, t);
}

}  // namespace smsgw::parser
