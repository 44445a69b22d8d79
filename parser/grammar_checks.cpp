// Checks that need the whole grammar: keywords used twice, syntaxes that make a message
// ambiguous, forbidden class pairs, templates that commands and the parser rely on.
#include <algorithm>
#include <map>

#include "parser/field_values.h"
#include "parser/grammar_load_internal.h"
#include "parser/matcher.h"
#include "parser/money.h"
#include "parser/replies.h"
#include "parser/tokenizer.h"

namespace smsgw::parser {
namespace {

std::string CommandPath(const CommandSpec& c) {
  return "commands[" + c.name + "]";
}

std::string FieldPath(const CommandSpec& c, const FieldSpec& f) {
  return CommandPath(c) + ".fields[" + f.name + "]";
}

std::string LineOf(SourceMark m) {
  return "line " + std::to_string(m.line);
}

// Whether `field` reads token `index` of `text` on its own.
bool Accepts(const Grammar& g, const FieldSpec& field, const Tokens& tokens, std::size_t index,
             std::string_view text) {
  if (index >= tokens.size()) return false;
  ValueBuf buf;
  return ReadField(g, field, tokens, index, 1, text, &buf) == Rule::kNone;
}

// The smallest value a field accepts, as a subscriber would type it.
std::string SampleValue(const Grammar& g, const FieldSpec& f) {
  const auto n = static_cast<std::size_t>(f.min_length);
  switch (f.type) {
    case FieldType::kMsisdn:
      return ExampleMsisdn(g.number_plan);
    case FieldType::kAmount:
      return FormatAmount(g.money, f.min_minor, AmountStyle::kTyped);
    case FieldType::kAccount:
    case FieldType::kDigits:
    case FieldType::kCode:
    case FieldType::kPin:
      return std::string(n, f.type == FieldType::kAccount ? '0' : '1');
    case FieldType::kWord:
      if (f.command_topic) {
        for (const auto& c : g.commands) {
          if (!c.keywords.empty()) return c.keywords.front().text;
        }
      }
      return f.choices.empty() ? std::string(n, 'A') : f.choices.front();
    case FieldType::kDate:
      return "30-11-2024";
    case FieldType::kText:
      return std::string(n, 'X');
  }
  return "X";
}

std::string SampleMessage(const Grammar& g, const CommandSpec& c) {
  std::string out;
  for (const auto& f : c.fields) {
    if (f.optional) continue;
    if (!out.empty()) out += ' ';
    out += SampleValue(g, f);
  }
  return out;
}

void CheckKeywords(YamlReader& r, const Grammar& g) {
  std::map<std::string, std::pair<const CommandSpec*, SourceMark>> seen;
  for (const auto& c : g.commands) {
    for (const auto& k : c.keywords) {
      auto [it, fresh] = seen.emplace(k.text, std::pair(&c, k.mark));
      if (fresh) continue;
      const CommandSpec& other = *it->second.first;
      r.Error(k.mark, CommandPath(c) + ".keywords",
              &other == &c ? "keyword " + k.text + " is listed twice (first at " +
                                 LineOf(it->second.second) + ")"
                           : "keyword " + k.text + " is also a keyword of command " + other.name +
                                 " (" + LineOf(it->second.second) + ")");
    }
  }
  // "PIN RESET" against a command "PIN <word>": which one did the subscriber mean?
  for (const auto& c : g.commands) {
    for (const auto& k : c.keywords) {
      Tokens t;
      t.Tokenize(k.text, g.money);
      std::string prefix;
      for (std::size_t n = 1; n < t.size(); ++n) {
        prefix += (n > 1 ? " " : "") + std::string(t[n - 1].text);
        const CommandSpec* shorter = CommandForKeyword(g, prefix);
        if (shorter == nullptr || shorter == &c || shorter->fields.empty()) continue;
        if (Accepts(g, shorter->fields.front(), t, n, k.text)) {
          r.Error(k.mark, CommandPath(c) + ".keywords",
                  "'" + k.text + "' is ambiguous: " + prefix + " is a keyword of command " +
                      shorter->name + ", whose field " + shorter->fields.front().name +
                      " accepts '" + std::string(t[n].text) + "'");
        }
      }
    }
  }
}

void CheckKeywordless(YamlReader& r, const Grammar& g) {
  for (std::size_t a : g.KeywordlessCommands()) {
    const CommandSpec& ca = g.commands[a];
    if (ca.fields.empty()) {
      r.Error(ca.mark, CommandPath(ca),
              "a command without keywords needs fields to be "
              "recognised by");
      continue;
    }
    const FieldSpec& first = ca.fields.front();
    if (first.type == FieldType::kWord || first.type == FieldType::kText || first.optional) {
      r.Error(first.mark, FieldPath(ca, first),
              "a command without keywords cannot start with an optional, word or text field: "
              "every unknown keyword would be read as its " +
                  first.name);
      continue;
    }
    for (const auto& c : g.commands) {
      for (const auto& k : c.keywords) {
        Tokens t;
        t.Tokenize(k.text, g.money);
        if (Accepts(g, first, t, 0, k.text)) {
          r.Error(k.mark, CommandPath(c) + ".keywords",
                  "keyword " + k.text + " could also be the " + first.name + " of command " +
                      ca.name + ", which has no keyword");
        }
      }
    }
    for (std::size_t b : g.KeywordlessCommands()) {
      if (b == a) continue;
      const CommandSpec& cb = g.commands[b];
      const std::string sample = SampleMessage(g, ca);
      Tokens t;
      t.Tokenize(sample, g.money);
      if (b > a && MatchFields(g, cb, t, 0, sample).ok) {
        r.Error(cb.mark, CommandPath(cb),
                "commands " + ca.name + " and " + cb.name +
                    " have no keyword and a message like '" + sample + "' fits both");
      }
    }
  }
}

void CheckFields(YamlReader& r, const Grammar& g, const CommandSpec& c) {
  for (std::size_t i = 0; i < c.fields.size(); ++i) {
    const FieldSpec& f = c.fields[i];
    for (std::size_t j = 0; j < i; ++j) {
      if (g.credential_split.Forbidden(c.fields[j].cls, f.cls)) {
        r.Error(f.mark, FieldPath(c, f),
                "command " + c.name + " could carry " +
                    std::string(FieldClassName(c.fields[j].cls)) + " (" + c.fields[j].name +
                    ") and " + std::string(FieldClassName(f.cls)) + " (" + f.name +
                    ") in one message, which credential_split.forbidden_pairs forbids");
      }
    }
    if (f.optional && i + 1 < c.fields.size()) {
      const FieldSpec& next = c.fields[i + 1];
      const std::string sample = SampleValue(g, next);
      Tokens t;
      t.Tokenize(sample, g.money);
      if (t.size() == 1 && Accepts(g, f, t, 0, sample)) {
        r.Error(f.mark, FieldPath(c, f),
                "ambiguous: in a message giving only the " + next.name + " ('" + sample +
                    "'), it would be read as the optional " + f.name);
      }
    }
  }
}

// Placeholders of template `name`, as used by command `c`, must be its non-credential fields or
// values the engine supplies.
const Template* CheckBinding(YamlReader& r, const Grammar& g, const CommandSpec& c,
                             const std::string& name, SourceMark at, const std::string& path) {
  const Template* t = g.FindTemplate(name);
  if (t == nullptr) {
    r.Error(at, path, "no template " + name);
    return nullptr;
  }
  const auto& engine = EngineValues();
  for (const auto& p : t->placeholders) {
    const FieldSpec* f = c.FindField(p);
    if (f != nullptr && f->cls == FieldClass::kCredential) {
      r.Error(at, path, "template " + name + " would show {" + p + "}, a credential");
    } else if (f == nullptr && std::find(engine.begin(), engine.end(), p) == engine.end()) {
      r.Error(at, path,
              "template " + name + " declares {" + p + "}, which is neither a field of " + c.name +
                  " nor a value the engine supplies");
    }
  }
  return t;
}

void CheckCommandTemplates(YamlReader& r, const Grammar& g, const CommandSpec& c) {
  for (std::size_t i = 0; i < c.challenge.size(); ++i) {
    const auto& step = c.challenge[i];
    const std::string path = CommandPath(c) + ".challenge[" + std::to_string(i) + "].prompt";
    const Template* t = CheckBinding(r, g, c, step.prompt, step.mark, path);
    if (t != nullptr && !t->Declares("code")) {
      r.Error(step.mark, path, "template " + step.prompt + " must show the challenge {code}");
    }
  }
  if (!c.reply.empty()) CheckBinding(r, g, c, c.reply, c.mark, CommandPath(c) + ".reply");
  for (std::size_t i = 0; i < c.notices.size(); ++i) {
    const auto& n = c.notices[i];
    const std::string path = CommandPath(c) + ".notices[" + std::to_string(i) + "]";
    CheckBinding(r, g, c, n.template_name, n.mark, path + ".template");
    const FieldSpec* to = c.FindField(n.to);
    if (to == nullptr || to->cls != FieldClass::kParty) {
      r.Error(n.mark, path + ".to", "'" + n.to + "' is not a party field of " + c.name);
    }
  }
}

void CheckBuiltins(YamlReader& r, const Grammar& g) {
  for (const auto& b : BuiltinTemplates()) {
    const Template* t = g.FindTemplate(b.name);
    if (t == nullptr) {
      r.Error(SourceMark{}, "templates",
              "missing template " + std::string(b.name) + " (the parser's own replies need it)");
      continue;
    }
    for (const auto& p : t->placeholders) {
      if (std::find(b.supplies.begin(), b.supplies.end(), p) == b.supplies.end()) {
        std::string known;
        for (auto s : b.supplies) known += (known.empty() ? "" : ", ") + std::string(s);
        r.Error(
            t->mark, "templates." + t->name,
            "declares {" + p + "}, which the parser does not supply (it supplies " + known + ")");
      }
    }
  }
}

void CheckConfirmation(YamlReader& r, const Grammar& g) {
  const CommandSpec* needs = nullptr;
  bool confirm = false;
  for (const auto& c : g.commands) {
    if (c.requires_pin() && needs == nullptr) needs = &c;
    const bool code = std::any_of(c.fields.begin(), c.fields.end(),
                                  [](const FieldSpec& f) { return f.type == FieldType::kCode; });
    const bool pin = std::any_of(c.fields.begin(), c.fields.end(),
                                 [](const FieldSpec& f) { return f.type == FieldType::kPin; });
    confirm = confirm || (code && pin);
  }
  if (needs != nullptr && !confirm) {
    r.Error(needs->mark, CommandPath(*needs) + ".challenge",
            "no command reads the answer to a challenge: add one with a code and a pin field");
  }
}

}  // namespace

void CheckGrammar(YamlReader& r, const Grammar& g) {
  CheckKeywords(r, g);
  CheckKeywordless(r, g);
  CheckBuiltins(r, g);
  CheckConfirmation(r, g);
  for (const auto& c : g.commands) {
    CheckFields(r, g, c);
    CheckCommandTemplates(r, g, c);
  }
}

}  // namespace smsgw::parser
