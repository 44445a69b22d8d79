#include "parser/replies.h"

#include "parser/money.h"

namespace smsgw::parser {
namespace {

// Exactly the values each built-in reply receives (see ErrorReply, RuleText, HelpText): the
// loader refuses a template that declares anything else, so a loaded grammar always renders.
using Values = std::vector<std::string_view>;
const Values kListValues = {"commands"};
const Values kSuggestValues = {"commands", "suggestion", "usage", "command"};
const Values kMissingValues = {"commands", "field", "usage", "command"};
const Values kExtraValues = {"commands", "usage", "command"};
const Values kFieldValues = {"commands", "field", "usage", "command", "rule"};
const Values kRuleValues = {"field", "min", "max", "length", "example", "choices"};
const Values kHelpValues = {"commands", "usage", "help", "command"};

std::string_view At(const std::vector<std::string>& per_language, std::size_t language) {
  if (language < per_language.size()) return per_language[language];
  return per_language.empty() ? std::string_view() : per_language.front();
}

// The command's first keyword in `language`, or its first keyword at all.
std::string_view KeywordIn(const CommandSpec& c, std::size_t language) {
  for (const auto& k : c.keywords) {
    if (k.language == language) return k.text;
  }
  return c.keywords.empty() ? std::string_view() : std::string_view(c.keywords.front().text);
}

std::string Capitalised(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

// "rule.<rule name>"; digits with min == max read better as "must have 4 digits".
std::string RuleTemplate(const ParseError& e) {
  if (e.rule == Rule::kDigits && e.min == e.max) return "rule.digits_exact";
  return "rule." + std::string(RuleName(e.rule));
}

std::string Label(const CommandSpec* c, std::string_view field, std::size_t language) {
  const FieldSpec* f = c == nullptr ? nullptr : c->FindField(field);
  if (f == nullptr) return std::string(field);
  return std::string(At(f->labels, language));
}

Result<std::string> ErrorReply(const Grammar& g, std::size_t language, const ParseError& e) {
  // The command the reply is about: the one the keyword named, or the one suggested.
  const CommandSpec* c = g.FindCommand(e.command);
  if (c == nullptr && !e.suggestion.empty()) {
    const auto* entries =
        g.KeywordsStartingWith(std::string_view(e.suggestion).substr(0, e.suggestion.find(' ')));
    if (entries != nullptr) c = &g.commands[entries->front().command];
  }
  std::vector<TemplateValue> v = {
      {"commands", CommandList(g, language)},
      {"suggestion", e.suggestion},
      {"field", Label(c, e.field, language)},
      {"usage", c == nullptr ? std::string() : std::string(At(c->usage, language))},
      {"command", c == nullptr ? std::string() : std::string(KeywordIn(*c, language))}};
  std::string_view name;
  switch (e.kind) {
    case ErrorKind::kEmpty:
      name = "error.empty";
      break;
    case ErrorKind::kUnknownCommand:
      name = e.suggestion.empty() ? "error.unknown" : "error.unknown_suggest";
      break;
    case ErrorKind::kMissingField:
      name = "error.missing";
      break;
    case ErrorKind::kExtraValues:
      name = "error.extra";
      break;
    case ErrorKind::kBadField: {
      name = "error.field";
      Result<std::string> rule = RuleText(g, g.languages[language], e);
      if (!rule.ok()) return rule.status();
      v.push_back({"rule", *rule});
      break;
    }
  }
  Result<std::string> text = Render(g, name, g.languages[language], v);
  if (!text.ok()) return text;
  return Capitalised(std::move(*text));
}

}  // namespace

const std::vector<BuiltinTemplate>& BuiltinTemplates() {
  static const std::vector<BuiltinTemplate> all = {
      {"error.empty", kListValues},
      {"error.unknown", kListValues},
      {"error.unknown_suggest", kSuggestValues},
      {"error.missing", kMissingValues},
      {"error.extra", kExtraValues},
      {"error.field", kFieldValues},
      {"error.credential_split", kListValues},
      {"rule.msisdn", kRuleValues},
      {"rule.amount_format", kRuleValues},
      {"rule.amount_range", kRuleValues},
      {"rule.digits", kRuleValues},
      {"rule.digits_exact", kRuleValues},
      {"rule.word", kRuleValues},
      {"rule.choice", kRuleValues},
      {"rule.luhn", kRuleValues},
      {"rule.date", kRuleValues},
      {"rule.text", kRuleValues},
      {"help.list", kListValues},
      {"help.command", kHelpValues},
  };
  return all;
}

const std::vector<std::string_view>& EngineValues() {
  static const std::vector<std::string_view> all = {"code",     "minutes",   "txid",     "balance",
                                                    "time",     "sender",    "customer", "name",
                                                    "attempts", "statement", "ref"};
  return all;
}

Result<std::string> ReplyFor(const Grammar& grammar, const ParseOutcome& outcome) {
  const std::size_t language = grammar.LanguageOrDefault(outcome.language());
  switch (outcome.kind()) {
    case ParseOutcome::Kind::kCommand:
      return std::string();
    case ParseOutcome::Kind::kError:
      return ErrorReply(grammar, language, outcome.error());
    case ParseOutcome::Kind::kViolation: {
      const std::vector<TemplateValue> v = {{"commands", CommandList(grammar, language)}};
      return Render(grammar, "error.credential_split", grammar.languages[language], v);
    }
  }
  return std::string();
}

Result<std::string> RuleText(const Grammar& grammar, std::string_view language,
                             const ParseError& error) {
  const std::size_t lang = grammar.LanguageOrDefault(language);
  if (error.rule == Rule::kNone) return Status::InvalidArgument("the error breaks no field rule");
  const std::string name = RuleTemplate(error);
  const std::vector<TemplateValue> v = {
      {"field", Label(grammar.FindCommand(error.command), error.field, lang)},
      {"min", error.min},
      {"max", error.max},
      {"length", error.max},
      {"example", error.hint},
      {"choices", error.hint}};
  return Render(grammar, name, grammar.languages[lang], v);
}

Result<std::string> HelpText(const Grammar& grammar, std::string_view language,
                             std::string_view command) {
  const std::size_t lang = grammar.LanguageOrDefault(language);
  std::vector<TemplateValue> v = {{"commands", CommandList(grammar, lang)}};
  if (command.empty()) return Render(grammar, "help.list", grammar.languages[lang], v);
  const CommandSpec* c = grammar.FindCommand(command);
  if (c == nullptr) return Status::NotFound("no command " + std::string(command));
  v.push_back({"usage", std::string(At(c->usage, lang))});
  v.push_back({"help", std::string(At(c->help, lang))});
  v.push_back({"command", std::string(KeywordIn(*c, lang))});
  return Render(grammar, "help.command", grammar.languages[lang], v);
}

void DescribeRule(const Grammar& g, const FieldSpec& spec, std::size_t language, ParseError* e) {
  switch (e->rule) {
    case Rule::kAmountFormat:
    case Rule::kAmountRange:
      e->min = FormatAmount(g.money, spec.min_minor, AmountStyle::kBound);
      e->max = FormatAmount(g.money, spec.max_minor, AmountStyle::kBound);
      break;
    case Rule::kMsisdn:
      e->hint = ExampleMsisdn(g.number_plan);
      break;
    case Rule::kChoice:
      e->hint = Choices(g, spec, language);
      break;
    case Rule::kDate:
      e->hint = "30-11-2024";
      break;
    default:
      e->min = std::to_string(spec.min_length);
      e->max = std::to_string(spec.max_length);
      break;
  }
}

std::string CommandList(const Grammar& grammar, std::size_t language) {
  std::string out;
  for (const auto& c : grammar.commands) {
    if (c.keywordless()) continue;
    if (!out.empty()) out += ", ";
    out += KeywordIn(c, language);
  }
  return out;
}

std::string ExampleMsisdn(const NumberPlan& plan) {
  std::string national = plan.mobile_prefixes.empty() ? "7" : plan.mobile_prefixes.front();
  for (char d = '1'; national.size() < static_cast<std::size_t>(plan.national_number_length);
       d = d == '9' ? '0' : static_cast<char>(d + 1)) {
    national += d;
  }
  national.resize(static_cast<std::size_t>(plan.national_number_length));
  return plan.national_prefix + national;
}

std::string Choices(const Grammar& grammar, const FieldSpec& spec, std::size_t language) {
  if (spec.command_topic) return CommandList(grammar, language);
  std::string out;
  for (const auto& c : spec.choices) out += (out.empty() ? "" : ", ") + c;
  return out;
}

std::string DisplayValue(const Grammar& grammar, const Field& field) {
  if (field.type == FieldType::kAmount && field.cls == FieldClass::kAmount) {
    return FormatAmount(grammar.money, field.minor, AmountStyle::kReply);
  }
  return MaskedValue(field);
}

std::vector<TemplateValue> FieldValues(const Grammar& grammar, const Command& command) {
  std::vector<TemplateValue> out;
  for (const auto& f : command.fields) {
    if (f.cls == FieldClass::kCredential) continue;
    out.push_back({f.name, DisplayValue(grammar, f)});
  }
  return out;
}

}  // namespace smsgw::parser
