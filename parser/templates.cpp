#include "parser/templates.h"

#include <algorithm>

namespace smsgw::parser {
namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

std::vector<TemplateProblem> CompileTemplateText(std::string_view source,
                                                 const std::vector<std::string>& placeholders,
                                                 TemplateText* out) {
  std::vector<TemplateProblem> problems;
  out->source = std::string(source);
  out->segments.clear();
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) out->segments.push_back({std::move(literal), -1});
    literal.clear();
  };
  std::size_t i = 0;
  while (i < source.size()) {
    const char c = source[i];
    if ((c == '{' || c == '}') && i + 1 < source.size() && source[i + 1] == c) {
      literal += c;
      i += 2;
      continue;
    }
    if (c == '}') {
      problems.push_back({i, "unmatched '}' (write '}}' for a literal brace)"});
      ++i;
      continue;
    }
    if (c != '{') {
      literal += c;
      ++i;
      continue;
    }
    const std::size_t close = source.find('}', i + 1);
    if (close == std::string_view::npos) {
      problems.push_back({i, "unmatched '{' (write '{{' for a literal brace)"});
      break;
    }
    const std::string_view name = source.substr(i + 1, close - i - 1);
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsNameChar)) {
      problems.push_back({i, "malformed placeholder {" + std::string(name) +
                                 "}: names are lower case letters, digits and '_'"});
    } else {
      auto it = std::find(placeholders.begin(), placeholders.end(), name);
      if (it == placeholders.end()) {
        std::string declared;
        for (const auto& p : placeholders) declared += (declared.empty() ? "" : ", ") + p;
        problems.push_back({i, "unknown placeholder {" + std::string(name) +
                                   "} (declared: " + (declared.empty() ? "none" : declared) + ")"});
      } else {
        flush();
        out->segments.push_back({{}, static_cast<int>(it - placeholders.begin())});
      }
    }
    i = close + 1;
  }
  flush();
  return problems;
}

Result<std::string> Render(const Template& tmpl, std::size_t language,
                           std::span<const TemplateValue> values) {
  if (language >= tmpl.texts.size()) {
    return Status::InvalidArgument("template " + tmpl.name + " has no text in that language");
  }
  std::string out;
  for (const auto& seg : tmpl.texts[language].segments) {
    if (seg.placeholder < 0) {
      out += seg.literal;
      continue;
    }
    const std::string& name = tmpl.placeholders[static_cast<std::size_t>(seg.placeholder)];
    auto it = std::find_if(values.begin(), values.end(),
                           [&](const TemplateValue& v) { return v.name == name; });
    if (it == values.end()) {
      return Status::InvalidArgument("template " + tmpl.name + " needs a value for {" + name + "}");
    }
    out += it->value;
  }
  return out;
}

Result<std::string> Render(const Grammar& grammar, std::string_view name, std::string_view language,
                           std::span<const TemplateValue> values) {
  const Template* tmpl = grammar.FindTemplate(name);
  if (tmpl == nullptr) return Status::NotFound("no template " + std::string(name));
  return Render(*tmpl, grammar.LanguageOrDefault(language), values);
}

Status RequireTemplate(const Grammar& grammar, std::string_view name,
                       std::span<const std::string_view> supplied) {
  const Template* tmpl = grammar.FindTemplate(name);
  if (tmpl == nullptr) {
    return Status::NotFound(grammar.file + ": no template " + std::string(name));
  }
  for (const auto& p : tmpl->placeholders) {
    if (std::find(supplied.begin(), supplied.end(), p) == supplied.end()) {
      return Status::InvalidArgument(grammar.file + ":" + std::to_string(tmpl->mark.line) +
                                     ": template " + tmpl->name + " declares {" + p +
                                     "}, which is not supplied");
    }
  }
  return Status::OK();
}

}  // namespace smsgw::parser
