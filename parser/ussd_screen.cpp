#include "parser/ussd_screen.h"

#include <algorithm>

#include "parser/money.h"

namespace smsgw::parser {
namespace {

const std::vector<std::string_view> kNone = {};
const std::vector<std::string_view> kRef = {"ref"};
const std::vector<std::string_view> kCode = {"code", "service_code"};
const std::vector<std::string_view> kService = {"service_code"};

std::string_view At(const std::vector<std::string>& per_language, std::size_t language) {
  if (language < per_language.size()) return per_language[language];
  return per_language.empty() ? std::string_view() : std::string_view(per_language.front());
}

// How wide a field's value can be as FieldValues shows it.
std::size_t WidestValue(const Grammar& g, const FieldSpec& f) {
  switch (f.type) {
    case FieldType::kAmount:
      return Utf8Length(FormatAmount(g.money, f.max_minor, AmountStyle::kReply));
    case FieldType::kMsisdn:
      return f.any_country ? 15
                           : g.number_plan.country_code.size() +
                                 static_cast<std::size_t>(g.number_plan.national_number_length);
    case FieldType::kDate:
      return 10;
    case FieldType::kWord:
      if (!f.choices.empty()) {
        std::size_t n = 0;
        for (const auto& c : f.choices) n = std::max(n, c.size());
        return n;
      }
      if (f.command_topic) {
        std::size_t n = 0;
        for (const auto& c : g.commands) n = std::max(n, c.name.size());
        return n;
      }
      break;
    default:
      break;
  }
  if (f.cls == FieldClass::kAccount) return 8;  // "****1234"
  if (f.cls == FieldClass::kCredential) return 4;
  return static_cast<std::size_t>(f.max_length);
}

// The rules a value of `f` can break.
std::vector<Rule> RulesOf(const FieldSpec& f) {
  switch (f.type) {
    case FieldType::kAmount:
      return {Rule::kAmountFormat, Rule::kAmountRange};
    case FieldType::kMsisdn:
      return {Rule::kMsisdn};
    case FieldType::kWord:
      return {f.choices.empty() && !f.command_topic ? Rule::kWord : Rule::kChoice};
    case FieldType::kAccount:
      return f.luhn ? std::vector<Rule>{Rule::kDigits, Rule::kLuhn}
                    : std::vector<Rule>{Rule::kDigits};
    case FieldType::kDate:
      return {Rule::kDate};
    case FieldType::kText:
      return {Rule::kText};
    default:
      return {Rule::kDigits};
  }
}

}  // namespace

std::size_t Utf8Length(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

const std::vector<BuiltinTemplate>& UssdTemplates() {
  static const std::vector<BuiltinTemplate> all = {
      {"ussd.submitted", kRef}, {"ussd.cancelled", kNone},    {"ussd.invalid_choice", kNone},
      {"ussd.too_many", kNone}, {"ussd.unknown_code", kCode}, {"ussd.changed", kService},
  };
  return all;
}

Result<std::string> RenderUssdScreen(const Grammar& g, const UssdScreen& s, std::size_t language,
                                     std::span<const TemplateValue> values, std::string_view hint) {
  Result<std::string> text = Render(s.text, language, values);
  if (!text.ok()) return text;
  std::string out;
  if (!hint.empty()) out.append(hint).append("\n");
  out += *text;
  const UssdSection& u = g.ussd;
  int n = 0;
  for (const UssdOption& o : s.options) {
    out += "\n" + std::to_string(++n) + " " + std::string(At(o.labels, language));
  }
  if (s.kind == UssdScreenKind::kConfirm) {
    out += "\n1 " + std::string(At(u.yes, language));
    out += "\n2 " + std::string(At(u.no, language));
  }
  if (s.name != u.start) {
    out += "\n" + std::string(kUssdBack) + " " + std::string(At(u.back, language));
    out += "\n" + std::string(kUssdHome) + " " + std::string(At(u.home, language));
  }
  return out;
}

Result<std::string> UssdRuleHint(const Grammar& g, const CommandSpec& c, const FieldSpec& f,
                                 Rule rule, std::size_t language) {
  ParseError e;
  e.kind = ErrorKind::kBadField;
  e.command = c.name;
  e.field = f.name;
  e.rule = rule;
  DescribeRule(g, f, language, &e);
  Result<std::string> text = RuleText(g, g.languages[language], e);
  if (text.ok() && !text->empty() && (*text)[0] >= 'a' && (*text)[0] <= 'z') {
    (*text)[0] = static_cast<char>((*text)[0] - 'a' + 'A');
  }
  return text;
}

Result<std::size_t> LongestUssdScreen(const Grammar& g, const UssdScreen& s, std::size_t language) {
  const CommandSpec* c = s.command.empty() ? nullptr : g.FindCommand(s.command);
  if (s.kind != UssdScreenKind::kMenu && c == nullptr) {
    return Status::NotFound("no command " + s.command);
  }
  // Placeholders at their widest: a run of 'W' as long as the widest value.
  std::vector<TemplateValue> values;
  for (const std::string& p : s.text.placeholders) {
    const FieldSpec* f = c == nullptr ? nullptr : c->FindField(p);
    values.push_back({p, std::string(f == nullptr ? 0 : WidestValue(g, *f), 'W')});
  }
  std::string hint;
  if (s.kind == UssdScreenKind::kMenu) {
    Result<std::string> h = Render(g, "ussd.invalid_choice", g.languages[language], {});
    if (h.ok()) hint = *h;
  } else if (s.kind == UssdScreenKind::kInput) {
    const FieldSpec* f = c->FindField(s.field);
    if (f == nullptr) return Status::NotFound("no field " + s.field);
    for (Rule rule : RulesOf(*f)) {
      Result<std::string> h = UssdRuleHint(g, *c, *f, rule, language);
      if (h.ok() && Utf8Length(*h) > Utf8Length(hint)) hint = *h;
    }
  }
  Result<std::string> widest = RenderUssdScreen(g, s, language, values, hint);
  if (!widest.ok()) return widest.status();
  return Utf8Length(*widest);
}

}  // namespace smsgw::parser
