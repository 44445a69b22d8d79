// The `templates:` section: name -> {placeholders: [...], <language>: text, ...}.
#include <algorithm>

#include "parser/grammar_load_internal.h"
#include "parser/gsm7.h"
#include "parser/templates.h"

namespace smsgw::parser {
namespace {

bool IsTemplateName(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
  });
}

bool Uses(const TemplateText& text, int placeholder) {
  return std::any_of(text.segments.begin(), text.segments.end(),
                     [&](const auto& s) { return s.placeholder == placeholder; });
}

std::size_t LiteralLength(const TemplateText& text, bool* gsm7) {
  std::size_t septets = 0;
  *gsm7 = true;
  for (const auto& s : text.segments) {
    if (s.placeholder >= 0) continue;
    auto n = Gsm7Length(s.literal);
    if (!n) {
      *gsm7 = false;
      return 0;
    }
    septets += *n;
  }
  return septets;
}

void LoadText(YamlReader& r, const Grammar& g, const YAML::Node& node, const std::string& path,
              std::size_t language, Template* t) {
  const std::string p = Key(path, g.languages[language]);
  auto source = r.ScalarOf(node, p);
  if (!source) return;
  TemplateText& text = t->texts[language];
  const auto problems = CompileTemplateText(*source, t->placeholders, &text);
  for (const auto& problem : problems) r.Error(node, p, problem.message);
  if (!problems.empty()) return;
  for (std::size_t i = 0; i < t->placeholders.size(); ++i) {
    if (!Uses(text, static_cast<int>(i))) {
      r.Warning(YamlReader::MarkOf(node), p,
                "does not use {" + t->placeholders[i] + "}, which the template declares");
    }
  }
  bool gsm7 = true;
  const std::size_t septets = LiteralLength(text, &gsm7);
  if (!gsm7) {
    r.Warning(YamlReader::MarkOf(node), p,
              "has characters outside the GSM 7-bit alphabet: it will be sent as UCS-2 "
              "(70 characters per SMS)");
  } else if (septets > kSmsSeptets) {
    r.Warning(
        YamlReader::MarkOf(node), p,
        "is " + std::to_string(septets) + " characters before its values: longer than one SMS");
  }
}

}  // namespace

void LoadTemplates(YamlReader& r, Grammar& g, const YAML::Node& root) {
  const YAML::Node node = root["templates"];
  if (!node.IsDefined()) return r.Error(root, "templates", "missing (required)");
  if (!r.Map(node, "templates", {})) return;
  for (const auto& kv : node) {
    const std::string name = kv.first.Scalar();
    const std::string path = "templates." + name;
    if (!IsTemplateName(name)) {
      r.Error(kv.first, path, "template names are lower case letters, digits, '_' and '.'");
      continue;
    }
    if (!r.Map(kv.second, path, {})) continue;
    Template t;
    t.name = name;
    t.mark = YamlReader::MarkOf(kv.first);
    t.texts.resize(g.languages.size());
    t.placeholders = r.Strings(kv.second, "placeholders", path);
    for (std::size_t i = 0; i < t.placeholders.size(); ++i) {
      if (std::find(t.placeholders.begin(), t.placeholders.begin() + static_cast<long>(i),
                    t.placeholders[i]) != t.placeholders.begin() + static_cast<long>(i)) {
        r.Error(kv.second["placeholders"], Key(path, "placeholders"),
                "{" + t.placeholders[i] + "} declared twice");
      }
    }
    for (const auto& entry : kv.second) {
      const std::string key = entry.first.Scalar();
      if (key != "placeholders" && !g.LanguageIndex(key)) {
        r.Error(entry.first, Key(path, key),
                "'" + key + "' is neither placeholders nor one of the grammar's languages");
      }
    }
    for (std::size_t lang = 0; lang < g.languages.size(); ++lang) {
      const YAML::Node text = kv.second[g.languages[lang]];
      if (!text.IsDefined()) {
        r.Error(kv.first, Key(path, g.languages[lang]),
                "missing: every template needs a text "
                "in every language");
        continue;
      }
      LoadText(r, g, text, path, lang, &t);
    }
    g.templates.push_back(std::move(t));
  }
}

}  // namespace smsgw::parser
