// Reply templates: "Pay {amount} to {biller}? Reply {code} <PIN> within {minutes} min."
// "{name}" is a placeholder the template declares; "{{" and "}}" are literal braces.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "conf/status.h"
#include "parser/grammar.h"

namespace smsgw::parser {

struct TemplateValue {
  std::string name;
  std::string value;
};

struct TemplateProblem {
  std::size_t offset = 0;  // byte offset in the source text
  std::string message;
};

// Compiles `source` into `out`. Returns every problem found: an undeclared placeholder, a
// malformed name, an unmatched brace. An empty result means `out` is usable.
std::vector<TemplateProblem> CompileTemplateText(std::string_view source,
                                                 const std::vector<std::string>& placeholders,
                                                 TemplateText* out);

// Renders template `name` in `language` (a code; unknown or empty: the default language).
// Every placeholder the text uses needs a value; values it does not use are ignored, so a
// caller may pass everything it has. NotFound for an unknown template, InvalidArgument for a
// missing value.
Result<std::string> Render(const Grammar& grammar, std::string_view name, std::string_view language,
                           std::span<const TemplateValue> values);
Result<std::string> Render(const Template& tmpl, std::size_t language,
                           std::span<const TemplateValue> values);

// For the commands engine's start-up check: OK when template `name` exists and every
// placeholder it declares is among `supplied`.
Status RequireTemplate(const Grammar& grammar, std::string_view name,
                       std::span<const std::string_view> supplied);

}  // namespace smsgw::parser
