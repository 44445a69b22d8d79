// The `commands:` section: keywords per language, fields, challenge steps, replies, notices.
#include <algorithm>
#include <limits>

#include "parser/edit_distance.h"
#include "parser/field_values.h"
#include "parser/grammar_load_internal.h"
#include "parser/matcher.h"
#include "parser/money.h"
#include "parser/tokenizer.h"

namespace smsgw::parser {
namespace {

bool IsIdentifier(std::string_view s) {
  return !s.empty() && s.front() >= 'a' && s.front() <= 'z' &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
         });
}

bool IsOperation(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
  });
}

std::optional<std::string> Identifier(YamlReader& r, const YAML::Node& node, std::string_view key,
                                      const std::string& path) {
  auto v = r.String(node, key, path, true);
  if (v && !IsIdentifier(*v)) {
    r.Error(node[std::string(key)], Key(path, key),
            "'" + *v +
                "' is not a name (lower case letters, digits and '_', starting with a "
                "letter)");
    return std::nullopt;
  }
  return v;
}

// A keyword as the tokenizer will see it in messages: "change pin" -> "CHANGE PIN".
std::string NormaliseKeyword(const Grammar& g, std::string_view text) {
  Tokens tokens;
  tokens.Tokenize(text, g.money);
  std::string out;
  for (const auto& t : tokens.tokens()) {
    if (!out.empty()) out += ' ';
    out += t.text;
  }
  return out;
}

void LoadKeywords(YamlReader& r, const Grammar& g, const YAML::Node& node, const std::string& path,
                  CommandSpec* c) {
  const auto per = PerLanguage(r, g, node, path);
  for (std::size_t lang = 0; lang < per.size(); ++lang) {
    if (!per[lang]) continue;
    const std::string p = Key(path, g.languages[lang]);
    std::vector<YAML::Node> items;
    if (per[lang]->IsSequence()) {
      for (std::size_t i = 0; i < per[lang]->size(); ++i) items.push_back((*per[lang])[i]);
    } else {
      items.push_back(*per[lang]);
    }
    for (const auto& item : items) {
      auto text = r.ScalarOf(item, p);
      if (!text) continue;
      const std::string k = NormaliseKeyword(g, *text);
      if (k.empty()) {
        r.Error(item, p, "'" + *text + "' has no letters or digits to match");
        continue;
      }
      c->keywords.push_back({k, lang, YamlReader::MarkOf(item)});
    }
  }
}

std::optional<int64_t> AmountBound(YamlReader& r, const Grammar& g, const YAML::Node& node,
                                   std::string_view key, const std::string& path) {
  auto text = r.String(node, key, path, false);
  if (!text) return std::nullopt;
  MoneyFormat plain = g.money;  // bounds are written the YAML way: 70000 or 0.50
  plain.decimal_separator = '.';
  plain.grouping_separator = '\0';
  int64_t minor = 0;
  if (!ParseAmountNumber(*text, plain, &minor)) {
    r.Error(node[std::string(key)], Key(path, key),
            "'" + *text + "' is not an amount (write it like 70000 or 0.50)");
    return std::nullopt;
  }
  return minor;
}

void LoadLength(YamlReader& r, const Grammar& g, const YAML::Node& node, const std::string& path,
                FieldSpec* f) {
  int lo = 1, hi = kMaxDigitsLength;
  switch (f->type) {
    case FieldType::kWord:
      hi = kMaxWordLength;
      break;
    case FieldType::kText:
      hi = kMaxTextLength;
      break;
    case FieldType::kAccount:
      lo = 6, hi = 19;
      break;
    case FieldType::kCode:
      lo = hi = g.challenge.code_length;
      break;
    case FieldType::kPin:
      lo = g.pin.min_length, hi = g.pin.max_length;
      break;
    default:
      break;
  }
  f->min_length = lo;
  f->max_length = f->type == FieldType::kWord ? 32 : hi;
  if (!node["length"].IsDefined()) return;
  const int cap = f->type == FieldType::kWord   ? kMaxWordLength
                  : f->type == FieldType::kText ? kMaxTextLength
                                                : kMaxDigitsLength;
  switch (f->type) {
    case FieldType::kDigits:
    case FieldType::kWord:
    case FieldType::kAccount:
    case FieldType::kText:
      if (auto len = r.Range(node, "length", path, 1, cap, {f->min_length, f->max_length})) {
        f->min_length = len->first;
        f->max_length = len->second;
      }
      break;
    case FieldType::kPin:
      r.Error(node["length"], Key(path, "length"), "a PIN's length is set once, in pin.length");
      break;
    case FieldType::kCode:
      r.Error(node["length"], Key(path, "length"),
              "a code's length is set once, in challenge.code_length");
      break;
    default:
      r.Error(node["length"], Key(path, "length"),
              "a " + std::string(FieldTypeName(f->type)) + " field has no length");
  }
}

void OnlyFor(YamlReader& r, const YAML::Node& node, std::string_view key, const std::string& path,
             const FieldSpec& f, FieldType type) {
  if (node[std::string(key)].IsDefined() && f.type != type) {
    r.Error(node[std::string(key)], Key(path, key),
            "only " + std::string(FieldTypeName(type)) + " fields take " + std::string(key));
  }
}

std::string DefaultLabel(std::string name) {
  std::replace(name.begin(), name.end(), '_', ' ');
  return name;
}

std::optional<FieldSpec> LoadField(YamlReader& r, const Grammar& g, const YAML::Node& node,
                                   const std::string& parent, std::size_t index) {
  std::string path = Item(parent, "", index);
  if (!r.Map(node, path,
             {"name", "type", "class", "optional", "default", "length", "min", "max", "luhn",
              "any_country", "values", "label"})) {
    return std::nullopt;
  }
  FieldSpec f;
  f.mark = YamlReader::MarkOf(node);
  auto name = Identifier(r, node, "name", path);
  if (name) f.name = *name, path = Item(parent, *name, index);
  auto type_name = r.String(node, "type", path, true);
  if (!type_name) return std::nullopt;
  auto type = FieldTypeFromName(*type_name);
  if (!type) {
    std::vector<std::string_view> names;
    for (int t = 0; t < kFieldTypeCount; ++t) names.push_back(FieldTypeName(FieldType(t)));
    std::string msg = "unknown type '" + *type_name + "'";
    const std::string_view hint = ClosestMatch(*type_name, names, 3);
    msg += hint.empty() ? " (types: msisdn, amount, digits, word, code, account, pin, date, text)"
                        : " (did you mean '" + std::string(hint) + "'?)";
    r.Error(node["type"], Key(path, "type"), msg);
    return std::nullopt;
  }
  f.type = *type;
  f.cls = DefaultClass(f.type);
  if (auto cls_name = r.String(node, "class", path, false)) {
    if (auto cls = FieldClassFromName(*cls_name)) {
      f.cls = *cls;
    } else {
      r.Error(node["class"], Key(path, "class"),
              "unknown class '" + *cls_name +
                  "' (classes: account, credential, amount, party, reference, free)");
    }
  }
  if (f.type == FieldType::kPin && f.cls != FieldClass::kCredential) {
    r.Error(node["class"], Key(path, "class"), "a pin field is always of class credential");
  }
  f.optional = r.Bool(node, "optional", path).value_or(false);
  LoadLength(r, g, node, path, &f);
  OnlyFor(r, node, "min", path, f, FieldType::kAmount);
  OnlyFor(r, node, "max", path, f, FieldType::kAmount);
  OnlyFor(r, node, "luhn", path, f, FieldType::kAccount);
  OnlyFor(r, node, "any_country", path, f, FieldType::kMsisdn);
  OnlyFor(r, node, "values", path, f, FieldType::kWord);
  if (f.type == FieldType::kAmount) {
    int64_t scale = 1;
    for (int i = 0; i < g.money.minor_digits; ++i) scale *= 10;
    f.min_minor = AmountBound(r, g, node, "min", path).value_or(1);
    f.max_minor = AmountBound(r, g, node, "max", path).value_or(999'999'999'999'999 * scale);
    if (f.min_minor > f.max_minor) r.Error(node, path, "min is greater than max");
    if (f.min_minor < 1) r.Error(node["min"], Key(path, "min"), "must be more than 0");
  }
  f.luhn = r.Bool(node, "luhn", path).value_or(false);
  f.any_country = r.Bool(node, "any_country", path).value_or(false);
  const YAML::Node values = node["values"];
  if (values.IsDefined() && values.IsScalar() && values.Scalar() == "commands") {
    f.command_topic = true;
  } else {
    for (const std::string& v : r.Strings(node, "values", path)) {
      std::string upper = NormaliseKeyword(g, v);
      if (upper.empty() || upper.find(' ') != std::string::npos) {
        r.Error(values, Key(path, "values"), "'" + v + "' is not one word");
      } else {
        f.choices.push_back(std::move(upper));
      }
    }
  }
  f.labels.assign(g.languages.size(), DefaultLabel(f.name));
  if (node["label"].IsDefined()) {
    const auto per = PerLanguage(r, g, node["label"], Key(path, "label"));
    for (std::size_t lang = 0; lang < per.size(); ++lang) {
      if (!per[lang]) continue;
      if (auto s = r.ScalarOf(*per[lang], Key(Key(path, "label"), g.languages[lang]))) {
        f.labels[lang] = *s;
      }
    }
  }
  if (auto d = r.String(node, "default", path, false)) {
    if (!f.optional) {
      r.Error(node["default"], Key(path, "default"), "only an optional field has a default");
    } else if (*d == "sender") {
      if (f.type != FieldType::kMsisdn) {
        r.Error(node["default"], Key(path, "default"), "only an msisdn field defaults to sender");
      }
      f.default_kind = FieldSpec::Default::kSender;
    } else {
      f.default_kind = FieldSpec::Default::kValue;
      f.default_value = *d;  // normalised by ResolveDefaults once keywords are indexed
    }
  }
  return f;
}

void LoadFields(YamlReader& r, const Grammar& g, const YAML::Node& node, const std::string& path,
                CommandSpec* c) {
  if (!r.Seq(node, path)) return;
  if (node.size() > kMaxFields) {
    r.Error(node, path, "more than " + std::to_string(kMaxFields) + " fields");
    return;
  }
  for (std::size_t i = 0; i < node.size(); ++i) {
    auto f = LoadField(r, g, node[i], path, i);
    if (!f) continue;
    if (c->FindField(f->name) != nullptr) {
      r.Error(node[i], Item(path, f->name, i), "field name used twice");
    }
    if (!c->fields.empty() && c->fields.back().type == FieldType::kText) {
      r.Error(node[i], Item(path, f->name, i),
              "comes after a text field, which takes the rest of the message");
    }
    c->fields.push_back(std::move(*f));
  }
}

void LoadSteps(YamlReader& r, const YAML::Node& node, const std::string& path, CommandSpec* c) {
  if (!r.Seq(node, path)) return;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string p = Item(path, "", i);
    if (!r.Map(node[i], p, {"collect", "prompt"})) continue;
    auto collect = Identifier(r, node[i], "collect", p);
    auto prompt = r.String(node[i], "prompt", p, true);
    if (!collect || !prompt) continue;
    for (const auto& s : c->challenge) {
      if (s.collect == *collect) r.Error(node[i]["collect"], Key(p, "collect"), "collected twice");
    }
    c->challenge.push_back({*collect, *prompt, YamlReader::MarkOf(node[i])});
  }
}

void LoadNotices(YamlReader& r, const YAML::Node& node, const std::string& path, CommandSpec* c) {
  if (!r.Seq(node, path)) return;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string p = Item(path, "", i);
    if (!r.Map(node[i], p, {"to", "template"})) continue;
    auto to = r.String(node[i], "to", p, true);
    auto tmpl = r.String(node[i], "template", p, true);
    if (to && tmpl) c->notices.push_back({*to, *tmpl, YamlReader::MarkOf(node[i])});
  }
}

std::vector<std::string> PerLanguageText(YamlReader& r, const Grammar& g, const YAML::Node& node,
                                         const std::string& path) {
  std::vector<std::string> out(g.languages.size());
  if (!node.IsDefined()) return out;
  const auto per = PerLanguage(r, g, node, path);
  for (std::size_t lang = 0; lang < per.size(); ++lang) {
    if (!per[lang]) continue;
    if (auto s = r.ScalarOf(*per[lang], Key(path, g.languages[lang]))) out[lang] = *s;
  }
  return out;
}

std::string GeneratedUsage(const CommandSpec& c, std::size_t language) {
  std::string out;
  for (const auto& k : c.keywords) {
    if (k.language == language) {
      out = k.text;
      break;
    }
  }
  if (out.empty() && !c.keywords.empty()) out = c.keywords.front().text;
  for (const auto& f : c.fields) {
    if (!out.empty()) out += ' ';
    out += f.optional ? "[" + f.labels[language] + "]" : "<" + f.labels[language] + ">";
  }
  return out;
}

void LoadCommand(YamlReader& r, Grammar& g, const YAML::Node& node, std::size_t index) {
  std::string path = Item("commands", "", index);
  if (!r.Map(node, path,
             {"name", "operation", "keywords", "fields", "challenge", "reply", "notices", "usage",
              "help"})) {
    return;
  }
  CommandSpec c;
  c.mark = YamlReader::MarkOf(node);
  auto name = Identifier(r, node, "name", path);
  if (!name) return;
  c.name = *name;
  path = Item("commands", c.name, index);
  if (std::any_of(g.commands.begin(), g.commands.end(),
                  [&](const CommandSpec& o) { return o.name == c.name; })) {
    r.Error(node["name"], Key(path, "name"), "another command has this name");
  }
  if (auto op = r.String(node, "operation", path, true)) {
    if (!IsOperation(*op)) {
      r.Error(node["operation"], Key(path, "operation"),
              "'" + *op + "' is not an operation name (like bill.pay)");
    }
    c.operation = *op;
  }
  if (node["keywords"].IsDefined()) LoadKeywords(r, g, node["keywords"], Key(path, "keywords"), &c);
  if (node["fields"].IsDefined()) LoadFields(r, g, node["fields"], Key(path, "fields"), &c);
  if (node["challenge"].IsDefined()) LoadSteps(r, node["challenge"], Key(path, "challenge"), &c);
  if (auto reply = r.String(node, "reply", path, false)) c.reply = *reply;
  if (node["notices"].IsDefined()) LoadNotices(r, node["notices"], Key(path, "notices"), &c);
  c.usage = PerLanguageText(r, g, node["usage"], Key(path, "usage"));
  c.help = PerLanguageText(r, g, node["help"], Key(path, "help"));
  for (std::size_t lang = 0; lang < g.languages.size(); ++lang) {
    if (c.usage[lang].empty()) c.usage[lang] = GeneratedUsage(c, lang);
  }
  g.commands.push_back(std::move(c));
}

}  // namespace

void LoadCommands(YamlReader& r, Grammar& g, const YAML::Node& root) {
  const YAML::Node node = root["commands"];
  if (!node.IsDefined()) return r.Error(root, "commands", "missing (required)");
  if (!r.Seq(node, "commands")) return;
  for (std::size_t i = 0; i < node.size(); ++i) LoadCommand(r, g, node[i], i);
}

void ResolveDefaults(YamlReader& r, Grammar& g) {
  for (auto& c : g.commands) {
    for (auto& f : c.fields) {
      if (f.default_kind != FieldSpec::Default::kValue || f.type == FieldType::kText) continue;
      ValueBuf buf;
      const Rule rule = ReadLiteral(g, f, f.default_value, &buf);
      if (rule != Rule::kNone) {
        r.Error(f.mark, "commands[" + c.name + "].fields[" + f.name + "].default",
                "'" + f.default_value + "' is not a valid " + std::string(FieldTypeName(f.type)) +
                    " for this field (" + std::string(RuleName(rule)) + ")");
        continue;
      }
      f.default_value.assign(buf.data, buf.size);
      f.default_minor = buf.minor;
    }
  }
}

}  // namespace smsgw::parser
