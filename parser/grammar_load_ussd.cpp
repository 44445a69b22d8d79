// The `ussd:` section: menus of screens (ussd_menu.h). Loaded after the commands, so screens
// can name a command's fields; checked after the indexes are built (CheckUssd).
#include <algorithm>
#include <map>
#include <set>

#include "parser/grammar_load_internal.h"
#include "parser/templates.h"
#include "parser/ussd_screen.h"

namespace smsgw::parser {
namespace {

const std::string kPath = "ussd";

bool IsScreenName(std::string_view s) {
  return !s.empty() && s.size() <= 40 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
  });
}

bool IsUssdCode(std::string_view s) {
  if (s.size() < 3 || s.front() != '*' || s.back() != '#') return false;
  if (s.find("**") != std::string_view::npos || s[s.size() - 2] == '*') return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '*' || c == '#'; }) &&
         std::count(s.begin(), s.end(), '#') == 1;
}

std::size_t SegmentCount(std::string_view code) {
  return static_cast<std::size_t>(std::count(code.begin(), code.end(), '*'));
}

std::string ScreenPath(std::string_view name) {
  return Item(Key(kPath, "screens"), name, 0);
}

// The fields a screen's text may show: the command's, credentials never.
std::vector<std::string> ShownFields(const Grammar& g, std::string_view command) {
  std::vector<std::string> out;
  const CommandSpec* c = g.FindCommand(command);
  if (c == nullptr) {
    for (const CommandSpec& spec : g.commands) {
      if (spec.name == command) c = &spec;  // indexes are not built while loading
    }
  }
  if (c == nullptr) return out;
  for (const FieldSpec& f : c->fields) {
    if (f.cls != FieldClass::kCredential) out.push_back(f.name);
  }
  return out;
}

void LoadLabels(YamlReader& r, Grammar& g, const YAML::Node& node) {
  const std::string p = Key(kPath, "labels");
  UssdSection& u = g.ussd;
  for (auto* v : {&u.back, &u.home, &u.yes, &u.no}) v->assign(g.languages.size(), "");
  if (!node.IsDefined()) return r.Error(YamlReader::MarkOf(node), p, "missing (required)");
  if (!r.Map(node, p, {"back", "home", "yes", "no"})) return;
  const std::pair<std::string_view, std::vector<std::string>*> keys[] = {
      {"back", &u.back}, {"home", &u.home}, {"yes", &u.yes}, {"no", &u.no}};
  for (const auto& [key, out] : keys) {
    const YAML::Node n = node[std::string(key)];
    if (!n.IsDefined()) {
      r.Error(node, Key(p, key), "missing: a label in every language, e.g. {en: Back, sw: Rudi}");
      continue;
    }
    const auto per = PerLanguage(r, g, n, Key(p, key));
    for (std::size_t i = 0; i < per.size(); ++i) {
      if (!per[i]) {
        r.Error(n, Key(Key(p, key), g.languages[i]), "missing");
      } else if (auto s = r.ScalarOf(*per[i], Key(Key(p, key), g.languages[i]))) {
        (*out)[i] = *s;
      }
    }
  }
}

UssdOption LoadOption(YamlReader& r, const Grammar& g, const YAML::Node& node,
                      const std::string& path) {
  UssdOption o;
  o.mark = YamlReader::MarkOf(node);
  o.labels.assign(g.languages.size(), "");
  if (!r.Map(node, path, {})) return o;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    if (key == "go") {
      if (auto s = r.ScalarOf(kv.second, Key(path, key))) o.go = *s;
    } else if (key == "language") {
      auto s = r.ScalarOf(kv.second, Key(path, key));
      if (s && !(o.language = g.LanguageIndex(*s))) {
        r.Error(kv.second, Key(path, key), "'" + *s + "' is not one of the grammar's languages");
      }
    } else if (auto lang = g.LanguageIndex(key)) {
      if (auto s = r.ScalarOf(kv.second, Key(path, key))) o.labels[*lang] = *s;
    } else {
      r.Error(kv.first, Key(path, key),
              "'" + key + "' is neither go, language nor one of the grammar's languages");
    }
  }
  for (std::size_t i = 0; i < g.languages.size(); ++i) {
    if (o.labels[i].empty()) r.Error(node, Key(path, g.languages[i]), "missing: the label");
  }
  if (o.go.empty() && !o.language) {
    r.Error(node, Key(path, "go"), "missing: the screen this option opens");
  }
  return o;
}

// `pin: pay` or `pin: {command: pin_change, collect: new_pin}`; likewise confirm.
void LoadCommandRef(YamlReader& r, const YAML::Node& node, const std::string& path,
                    bool with_collect, UssdScreen* s) {
  if (node.IsScalar()) {
    s->command = node.Scalar();
    return;
  }
  if (with_collect ? !r.Map(node, path, {"command", "collect"}) : !r.Map(node, path, {"command"})) {
    return;
  }
  if (auto c = r.String(node, "command", path, true)) s->command = *c;
  if (with_collect) {
    if (auto c = r.String(node, "collect", path, false)) s->field = *c;
  }
}

void LoadText(YamlReader& r, const Grammar& g, const YAML::Node& node, const std::string& path,
              UssdScreen* s) {
  s->text.name = path;
  s->text.mark = s->mark;
  s->text.placeholders = ShownFields(g, s->command);
  s->text.texts.resize(g.languages.size());
  s->text_marks.assign(g.languages.size(), s->mark);
  if (!node.IsDefined()) return r.Error(s->mark, Key(path, "text"), "missing (required)");
  const bool known =
      s->command.empty() || std::any_of(g.commands.begin(), g.commands.end(),
                                        [&](const CommandSpec& c) { return c.name == s->command; });
  const auto per = PerLanguage(r, g, node, Key(path, "text"));
  for (std::size_t i = 0; i < per.size(); ++i) {
    const std::string p = Key(Key(path, "text"), g.languages[i]);
    if (!per[i]) {
      r.Error(node, p, "missing: every screen needs a text in every language");
      continue;
    }
    s->text_marks[i] = YamlReader::MarkOf(*per[i]);
    auto source = r.ScalarOf(*per[i], p);
    if (!source || !known) continue;  // an unknown command is reported once, by CheckUssd
    for (const auto& problem :
         CompileTemplateText(*source, s->text.placeholders, &s->text.texts[i])) {
      r.Error(*per[i], p, problem.message);
    }
  }
}

void LoadScreen(YamlReader& r, Grammar& g, const std::string& name, const YAML::Node& key,
                const YAML::Node& node) {
  const std::string path = ScreenPath(name);
  UssdScreen s;
  s.name = name;
  s.mark = YamlReader::MarkOf(key);
  if (!IsScreenName(name) || name == kUssdSubmit) {
    r.Error(key, path,
            name == kUssdSubmit ? "'submit' is reserved for next: submit"
                                : "screen names are lower case letters, digits, '_' and '.'");
  }
  if (!r.Map(node, path, {"text", "options", "input", "pin", "confirm", "next", "codes"})) return;
  int kinds = 0;
  if (node["options"].IsDefined()) {
    ++kinds;
    s.kind = UssdScreenKind::kMenu;
    const YAML::Node opts = node["options"];
    if (r.Seq(opts, Key(path, "options"))) {
      for (std::size_t i = 0; i < opts.size(); ++i) {
        s.options.push_back(LoadOption(r, g, opts[i], Item(Key(path, "options"), "", i)));
      }
      if (opts.size() == 0 || opts.size() > 9) {
        r.Error(opts, Key(path, "options"), "a menu has 1 to 9 options (answered 1 to 9)");
      }
    }
  }
  if (node["input"].IsDefined()) {
    ++kinds;
    s.kind = UssdScreenKind::kInput;
    const YAML::Node in = node["input"];
    if (r.Map(in, Key(path, "input"), {"command", "field"})) {
      if (auto c = r.String(in, "command", Key(path, "input"), true)) s.command = *c;
      if (auto f = r.String(in, "field", Key(path, "input"), true)) s.field = *f;
    }
  }
  if (node["pin"].IsDefined()) {
    ++kinds;
    s.kind = UssdScreenKind::kPin;
    LoadCommandRef(r, node["pin"], Key(path, "pin"), true, &s);
  }
  if (node["confirm"].IsDefined()) {
    ++kinds;
    s.kind = UssdScreenKind::kConfirm;
    LoadCommandRef(r, node["confirm"], Key(path, "confirm"), false, &s);
  }
  if (kinds != 1) {
    r.Error(node, path, "a screen has exactly one of options, input, pin or confirm");
  }
  const bool chained = s.kind == UssdScreenKind::kInput || s.kind == UssdScreenKind::kPin;
  if (auto next = r.String(node, "next", path, false)) {
    if (!chained) {
      r.Error(node["next"], Key(path, "next"), "only input and pin screens have a next");
    }
    s.next = *next;
  } else if (chained && kinds == 1) {
    r.Error(node, Key(path, "next"), "missing: the next screen, or submit");
  }
  for (const std::string& code : r.Strings(node, "codes", path)) {
    if (!IsUssdCode(code)) {
      r.Error(node["codes"], Key(path, "codes"), "'" + code + "' is not a code like *384*12*1#");
    } else {
      s.codes.push_back(code);
    }
  }
  LoadText(r, g, node["text"], path, &s);
  if (g.ussd.Find(name) != nullptr) {
    r.Error(key, path, "screen " + name + " is defined twice");
    return;
  }
  g.ussd.screens.push_back(std::move(s));
}

}  // namespace

void LoadUssd(YamlReader& r, Grammar& g, const YAML::Node& root) {
  const YAML::Node node = root["ussd"];
  if (!node.IsDefined() || node.IsNull()) return;
  if (!r.Map(node, kPath, {"service_code", "start", "labels", "screens"})) return;
  if (auto code = r.String(node, "service_code", kPath, true)) {
    if (!IsUssdCode(*code)) {
      r.Error(node["service_code"], Key(kPath, "service_code"), "expected a code like *384*12#");
    } else {
      g.ussd.service_code = *code;
    }
  }
  const YAML::Node screens = node["screens"];
  if (!screens.IsDefined() || screens.IsNull()) {
    r.Error(node, Key(kPath, "screens"), "missing (required): the menus' screens");
    return;
  }
  if (auto start = r.String(node, "start", kPath, true)) g.ussd.start = *start;
  LoadLabels(r, g, node["labels"]);
  if (!r.Map(screens, Key(kPath, "screens"), {})) return;
  for (const auto& kv : screens) LoadScreen(r, g, kv.first.Scalar(), kv.first, kv.second);
}

namespace {

class UssdChecker {
 public:
  UssdChecker(YamlReader& r, Grammar& g) : r_(r), g_(g), u_(g.ussd) {}

  void Run() {
    if (!u_.enabled()) return;
    CheckTemplates();
    if (u_.Find(u_.start) == nullptr) {
      r_.Error(SourceMark{}, Key(kPath, "start"), "'" + u_.start + "' is not a screen");
    }
    for (const UssdScreen& s : u_.screens) CheckScreen(s);
    CheckCodes();
    for (const UssdScreen* head : CheckReachable()) WalkChain(*head);
    for (const UssdScreen& s : u_.screens) CheckLength(s);
  }

 private:
  void CheckTemplates() {
    for (const auto& b : UssdTemplates()) {
      const Template* t = g_.FindTemplate(b.name);
      if (t == nullptr) {
        r_.Error(SourceMark{}, "templates",
                 "missing template " + std::string(b.name) + " (USSD menus need it)");
        continue;
      }
      for (const auto& p : t->placeholders) {
        if (std::find(b.supplies.begin(), b.supplies.end(), p) == b.supplies.end()) {
          r_.Error(t->mark, "templates." + t->name,
                   "declares {" + p + "}, which USSD dialogues do not supply");
        }
      }
    }
  }

  // Reports what is wrong with `s` on its own; a screen with a problem is left out of the
  // path checks, so one mistake gives one error.
  void CheckScreen(const UssdScreen& s) {
    const std::size_t before = errors();
    CheckReferences(s);
    if (errors() != before) bad_.insert(s.name);
  }

  std::size_t errors() const { return r_.errors(); }

  void CheckReferences(const UssdScreen& s) {
    const std::string path = ScreenPath(s.name);
    for (const UssdOption& o : s.options) {
      if (!o.go.empty() && u_.Find(o.go) == nullptr) {
        r_.Error(o.mark, path + ".options", "'" + o.go + "' is not a screen");
      }
    }
    if (s.kind == UssdScreenKind::kMenu) return;
    const CommandSpec* c = g_.FindCommand(s.command);
    if (c == nullptr) {
      r_.Error(s.mark, path, "'" + s.command + "' is not a command");
      return;
    }
    if (s.kind == UssdScreenKind::kInput) {
      const FieldSpec* f = c->FindField(s.field);
      if (f == nullptr) {
        r_.Error(s.mark, path + ".input", "'" + s.field + "' is not a field of " + c->name);
      } else if (f->cls == FieldClass::kCredential) {
        r_.Error(s.mark, path + ".input",
                 "field " + s.field + " is a credential: ask it on a pin screen of its own");
      }
    }
    if (s.kind == UssdScreenKind::kPin) {
      if (!c->requires_pin()) {
        r_.Error(s.mark, path + ".pin", "command " + c->name + " takes no PIN");
      } else if (!s.field.empty() &&
                 std::none_of(c->challenge.begin(), c->challenge.end(),
                              [&](const ChallengeStep& st) { return st.collect == s.field; })) {
        r_.Error(s.mark, path + ".pin", "command " + c->name + " collects no PIN " + s.field);
      }
    }
    if (!s.next.empty() && s.next != kUssdSubmit) {
      const UssdScreen* n = u_.Find(s.next);
      if (n == nullptr) {
        r_.Error(s.mark, path + ".next", "'" + s.next + "' is not a screen (nor submit)");
      } else if (n->kind == UssdScreenKind::kMenu ||
                 (n->command != s.command && g_.FindCommand(n->command) != nullptr)) {
        r_.Error(s.mark, path + ".next",
                 "'" + s.next + "' is not a screen of command " + s.command +
                     ": a command's screens lead to its confirmation or to submit");
      }
    }
  }

  void CheckCodes() {
    std::map<std::string, std::string> seen;  // code -> screen
    auto add = [&](const std::string& code, const UssdScreen& s, std::size_t index) {
      auto [it, fresh] = seen.emplace(code, s.name);
      if (!fresh) {
        if (it->second != s.name) {
          r_.Error(s.mark, ScreenPath(s.name) + ".codes",
                   "code " + code + " also opens screen " + it->second);
        }
        return;
      }
      entries_.push_back({code, index});
    };
    for (std::size_t i = 0; i < u_.screens.size(); ++i) {
      if (u_.screens[i].name == u_.start && !u_.service_code.empty()) {
        add(u_.service_code, u_.screens[i], i);
      }
    }
    for (std::size_t i = 0; i < u_.screens.size(); ++i) {
      for (const std::string& code : u_.screens[i].codes) add(code, u_.screens[i], i);
    }
    std::stable_sort(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
      return SegmentCount(a.code) > SegmentCount(b.code);
    });
    u_.entries = entries_;
  }

  // Follows `next` from a command's first screen: every text shows only fields answered
  // before it, and the submit has every field and PIN the command needs.
  void WalkChain(const UssdScreen& head) {
    const CommandSpec* c = g_.FindCommand(head.command);
    if (c == nullptr) return;
    std::vector<const UssdScreen*> chain;
    std::set<std::string> asked;  // anywhere on the path
    for (const UssdScreen* s = &head; s != nullptr; s = u_.Find(s->next)) {
      if (bad_.count(s->name)) return;
      if (std::find(chain.begin(), chain.end(), s) != chain.end()) {
        r_.Error(s->mark, ScreenPath(s->name), "the screens of " + c->name + " form a loop");
        return;
      }
      chain.push_back(s);
      if (s->kind == UssdScreenKind::kInput) asked.insert(s->field);
      if (s->kind == UssdScreenKind::kPin) asked.insert(PinName(*c, *s));
      if (s->kind == UssdScreenKind::kConfirm || s->next == kUssdSubmit) break;
    }
    std::set<std::string> answered;
    for (const UssdScreen* s : chain) {
      for (std::size_t lang = 0; lang < s->text.texts.size(); ++lang) {
        for (const auto& seg : s->text.texts[lang].segments) {
          if (seg.placeholder < 0) continue;
          const std::string& p = s->text.placeholders[static_cast<std::size_t>(seg.placeholder)];
          // A field no screen asks is reported once, as missing from the submit.
          if (asked.count(p) && !answered.count(p) && !Defaulted(*c, p)) {
            r_.Error(s->text_marks[lang], ScreenPath(s->name) + ".text." + g_.languages[lang],
                     "shows {" + p + "} before a screen asks for it");
          }
        }
      }
      if (s->kind == UssdScreenKind::kInput) answered.insert(s->field);
      if (s->kind == UssdScreenKind::kPin) answered.insert(PinName(*c, *s));
    }
    const UssdScreen* last = chain.back();
    if (last->kind == UssdScreenKind::kConfirm || last->next == kUssdSubmit) {
      CheckComplete(*c, *last, answered);
    }
  }

  static bool Defaulted(const CommandSpec& c, const std::string& field) {
    const FieldSpec* f = c.FindField(field);
    return f != nullptr && f->default_kind != FieldSpec::Default::kNone;
  }

  static std::string PinName(const CommandSpec& c, const UssdScreen& s) {
    if (!s.field.empty()) return s.field;
    return c.challenge.empty() ? "pin" : c.challenge.front().collect;
  }

  void CheckComplete(const CommandSpec& c, const UssdScreen& at,
                     const std::set<std::string>& answered) {
    std::string missing;
    for (const FieldSpec& f : c.fields) {
      if (f.cls == FieldClass::kCredential) continue;
      if (!answered.count(f.name) && !f.optional && f.default_kind == FieldSpec::Default::kNone) {
        missing += (missing.empty() ? "" : ", ") + f.name;
      }
    }
    for (const ChallengeStep& st : c.challenge) {
      if (!answered.count(st.collect)) missing += (missing.empty() ? "" : ", ") + st.collect;
    }
    if (!missing.empty()) {
      r_.Error(at.mark, ScreenPath(at.name),
               "submits " + c.name + " without asking for " + missing);
    }
  }

  // Warns about screens nothing leads to. Returns the first screens of commands that a code
  // or a menu option opens, where the path checks start.
  std::vector<const UssdScreen*> CheckReachable() {
    std::set<std::string> reached;
    std::vector<const UssdScreen*> heads;
    std::vector<const UssdScreen*> todo;
    auto opened = [&](const UssdScreen* s) {
      if (s == nullptr) return;
      if (s->kind != UssdScreenKind::kMenu &&
          std::find(heads.begin(), heads.end(), s) == heads.end()) {
        heads.push_back(s);
      }
      todo.push_back(s);
    };
    for (const auto& e : entries_) opened(&u_.screens[e.screen]);
    while (!todo.empty()) {
      const UssdScreen* s = todo.back();
      todo.pop_back();
      if (s == nullptr || !reached.insert(s->name).second) continue;
      for (const UssdOption& o : s->options) opened(u_.Find(o.go.empty() ? s->name : o.go));
      if (!s->next.empty()) todo.push_back(u_.Find(s->next));
    }
    for (const UssdScreen& s : u_.screens) {
      if (!reached.count(s.name)) {
        r_.Warning(s.mark, ScreenPath(s.name), "no code or option leads to this screen");
      }
    }
    return heads;
  }

  void CheckLength(const UssdScreen& s) {
    for (std::size_t lang = 0; lang < g_.languages.size(); ++lang) {
      Result<std::size_t> n = LongestUssdScreen(g_, s, lang);
      if (!n.ok()) continue;  // an unknown reference, reported above
      if (*n > kUssdMaxScreenChars) {
        r_.Error(s.text_marks[lang], ScreenPath(s.name) + ".text." + g_.languages[lang],
                 "the screen is " + std::to_string(*n) +
                     " characters at its longest (options, values and hints included); USSD "
                     "allows " +
                     std::to_string(kUssdMaxScreenChars));
      }
    }
  }

  YamlReader& r_;
  const Grammar& g_;
  UssdSection& u_;
  std::vector<UssdSection::Entry> entries_;
  std::set<std::string> bad_;
};

}  // namespace

void CheckUssd(YamlReader& r, Grammar& g) {
  UssdChecker(r, g).Run();
}

}  // namespace smsgw::parser
