#include "parser/grammar_loader.h"

#include <algorithm>
#include <cctype>

#include "parser/grammar_load_internal.h"

namespace smsgw::parser {
namespace {

constexpr std::size_t kMaxGrammarBytes = 4 << 20;

bool AllDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool AllUpperLetters(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool IsLanguageCode(std::string_view s) {
  if (s.size() < 2 || s.size() > 8) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || c == '-' || c == '_'; });
}

void LoadLanguages(YamlReader& r, Grammar& g, const YAML::Node& root) {
  const YAML::Node node = root["languages"];
  if (!node.IsDefined()) {
    r.Error(root, "languages", "missing (required): the language codes, e.g. [en, sw]");
    return;
  }
  for (const std::string& code : r.Strings(root, "languages", "")) {
    if (!IsLanguageCode(code)) {
      r.Error(node, "languages", "'" + code + "' is not a language code (like en or sw)");
    } else if (g.LanguageIndex(code)) {
      r.Error(node, "languages", "'" + code + "' listed twice");
    } else {
      g.languages.push_back(code);
    }
  }
  if (g.languages.empty()) {
    r.Error(node, "languages", "at least one language is needed");
    return;
  }
  if (auto d = r.String(root, "default_language", "", false)) {
    if (auto i = g.LanguageIndex(*d)) {
      g.default_language = *i;
    } else {
      r.Error(root["default_language"], "default_language", "'" + *d + "' is not in languages");
    }
  }
}

void LoadNumberPlan(YamlReader& r, Grammar& g, const YAML::Node& root) {
  const YAML::Node node = root["number_plan"];
  const std::string p = "number_plan";
  if (!node.IsDefined()) return r.Error(root, p, "missing (required)");
  if (!r.Map(node, p,
             {"country_code", "national_prefix", "international_prefix", "national_number_length",
              "mobile_prefixes"})) {
    return;
  }
  NumberPlan& plan = g.number_plan;
  auto digits = [&](std::string_view key, std::size_t min, std::size_t max, bool required,
                    std::string* out) {
    auto v = r.String(node, key, p, required);
    if (!v) return;
    if (!AllDigits(*v) || v->size() < min || v->size() > max) {
      r.Error(node[std::string(key)], Key(p, key),
              "expected " + std::to_string(min) + " to " + std::to_string(max) + " digits");
      return;
    }
    *out = *v;
  };
  digits("country_code", 1, 3, true, &plan.country_code);
  digits("national_prefix", 0, 2, false, &plan.national_prefix);
  digits("international_prefix", 1, 4, false, &plan.international_prefix);
  const int max_length = 15 - static_cast<int>(std::max<std::size_t>(plan.country_code.size(), 1));
  if (auto n = r.Int(node, "national_number_length", p, 4, max_length, true)) {
    plan.national_number_length = static_cast<int>(*n);
  }
  for (const std::string& prefix : r.Strings(node, "mobile_prefixes", p)) {
    if (prefix.empty() || !AllDigits(prefix) ||
        prefix.size() >= static_cast<std::size_t>(plan.national_number_length)) {
      r.Error(node["mobile_prefixes"], Key(p, "mobile_prefixes"),
              "'" + prefix + "' is not a prefix of national numbers");
    } else {
      plan.mobile_prefixes.push_back(prefix);
    }
  }
}

std::optional<char> Separator(YamlReader& r, const YAML::Node& node, std::string_view key,
                              const std::string& path, bool allow_none) {
  auto v = r.String(node, key, path, false);
  if (!v) return std::nullopt;
  if (*v == "." || *v == ",") return (*v)[0];
  if (allow_none && (v->empty() || *v == "none")) return '\0';
  r.Error(node[std::string(key)], Key(path, key),
          std::string("expected \".\" or \",\"") + (allow_none ? " or none" : ""));
  return std::nullopt;
}

void LoadMoney(YamlReader& r, Grammar& g, const YAML::Node& root) {
  const YAML::Node node = root["money"];
  const std::string p = "money";
  if (!node.IsDefined()) return r.Error(root, p, "missing (required)");
  if (!r.Map(node, p,
             {"currency", "symbols", "minor_digits", "decimal_separator", "grouping_separator"})) {
    return;
  }
  MoneyFormat& m = g.money;
  if (auto c = r.String(node, "currency", p, true)) {
    if (c->size() != 3 || !AllUpperLetters(*c)) {
      r.Error(node["currency"], Key(p, "currency"), "expected an ISO 4217 code such as KES");
    } else {
      m.currency = *c;
    }
  }
  for (const std::string& s : r.Strings(node, "symbols", p)) {
    if (!AllUpperLetters(Upper(s)) || s.size() > 8) {
      r.Error(node["symbols"], Key(p, "symbols"), "'" + s + "' is not a word of letters");
    } else {
      m.symbols.push_back(Upper(s));
    }
  }
  if (auto d = r.Int(node, "minor_digits", p, 0, 3, true)) m.minor_digits = static_cast<int>(*d);
  if (auto d = Separator(r, node, "decimal_separator", p, false)) m.decimal_separator = *d;
  if (auto gs = Separator(r, node, "grouping_separator", p, true)) m.grouping_separator = *gs;
  if (m.decimal_separator == m.grouping_separator) {
    const YAML::Node at = node["grouping_separator"];
    r.Error(at.IsDefined() ? at : node, Key(p, "grouping_separator"),
            "must differ from decimal_separator");
  }
}

void LoadPolicies(YamlReader& r, Grammar& g, const YAML::Node& root) {
  const YAML::Node pin = root["pin"];
  if (!pin.IsDefined()) {
    r.Error(root, "pin", "missing (required): pin: {length: 4}");
  } else if (r.Map(pin, "pin", {"length"})) {
    if (auto len = r.Range(pin, "length", "pin", 3, 12, {g.pin.min_length, g.pin.max_length})) {
      g.pin = {len->first, len->second};
    } else if (!pin["length"].IsDefined()) {
      r.Error(pin, "pin.length", "missing (required)");
    }
  }
  const YAML::Node ch = root["challenge"];
  if (ch.IsDefined() && r.Map(ch, "challenge", {"code_length", "ttl_minutes"})) {
    if (auto n = r.Int(ch, "code_length", "challenge", 3, 8, false)) {
      g.challenge.code_length = static_cast<int>(*n);
    }
    if (auto n = r.Int(ch, "ttl_minutes", "challenge", 1, 60, false)) {
      g.challenge.ttl_minutes = static_cast<int>(*n);
    }
  }
}

void LoadCredentialSplit(YamlReader& r, Grammar& g, const YAML::Node& root) {
  CredentialSplitPolicy& cs = g.credential_split;
  const YAML::Node node = root["credential_split"];
  const std::string p = "credential_split";
  if (!node.IsDefined()) {
    cs.forbidden_pairs = {{FieldClass::kAccount, FieldClass::kCredential}};
    return;
  }
  if (!r.Map(node, p, {"forbidden_pairs", "account_length", "pin_markers", "account_markers"})) {
    return;
  }
  const YAML::Node pairs = node["forbidden_pairs"];
  if (!pairs.IsDefined()) {
    cs.forbidden_pairs = {{FieldClass::kAccount, FieldClass::kCredential}};
  } else if (r.Seq(pairs, Key(p, "forbidden_pairs"))) {
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      const std::string ip = Item(Key(p, "forbidden_pairs"), "", i);
      if (!pairs[i].IsSequence() || pairs[i].size() != 2) {
        r.Error(pairs[i], ip, "expected a pair of classes, e.g. [account, credential]");
        continue;
      }
      std::optional<FieldClass> a, b;
      for (std::size_t k = 0; k < 2; ++k) {
        auto name = r.ScalarOf(pairs[i][k], ip);
        if (!name) continue;
        auto cls = FieldClassFromName(*name);
        if (!cls) r.Error(pairs[i][k], ip, "unknown class '" + *name + "'");
        (k == 0 ? a : b) = cls;
      }
      if (a && b) cs.forbidden_pairs.emplace_back(*a, *b);
    }
    if (pairs.size() == 0) {
      r.Warning(YamlReader::MarkOf(pairs), Key(p, "forbidden_pairs"),
                "empty: accounts and PINs may travel in one message");
    }
  }
  if (auto len = r.Range(node, "account_length", p, 4, kMaxDigitsLength,
                         {cs.account_min_length, cs.account_max_length})) {
    cs.account_min_length = len->first;
    cs.account_max_length = len->second;
  }
  auto markers = [&](std::string_view key, std::vector<std::string>* out) {
    for (const std::string& m : r.Strings(node, key, p)) {
      if (!AllUpperLetters(Upper(m))) {
        r.Error(node[std::string(key)], Key(p, key), "'" + m + "' is not a word of letters");
      } else {
        out->push_back(Upper(m));
      }
    }
  };
  markers("pin_markers", &cs.pin_markers);
  markers("account_markers", &cs.account_markers);
}

void LoadRoot(YamlReader& r, Grammar& g, const YAML::Node& root) {
  if (!root.IsDefined() || root.IsNull()) {
    r.Error(SourceMark{}, "", "the grammar is empty");
    return;
  }
  if (!r.Map(root, "",
             {"version", "languages", "default_language", "number_plan", "money", "pin",
              "challenge", "credential_split", "commands", "templates", "ussd"})) {
    return;
  }
  r.Int(root, "version", "", 1, 1, false);
  LoadLanguages(r, g, root);
  if (g.languages.empty()) return;  // everything else is per language
  LoadNumberPlan(r, g, root);
  LoadMoney(r, g, root);
  LoadPolicies(r, g, root);
  LoadCredentialSplit(r, g, root);
  LoadTemplates(r, g, root);
  LoadCommands(r, g, root);
  LoadUssd(r, g, root);
}

}  // namespace

std::vector<std::optional<YAML::Node>> PerLanguage(YamlReader& r, const Grammar& g,
                                                   const YAML::Node& node,
                                                   const std::string& path) {
  std::vector<std::optional<YAML::Node>> out(g.languages.size());
  if (!r.Map(node, path, {})) return out;
  for (const auto& kv : node) {
    const std::string code = kv.first.Scalar();
    if (auto i = g.LanguageIndex(code)) {
      out[*i] = kv.second;
    } else {
      r.Error(kv.first, Key(path, code), "'" + code + "' is not one of the grammar's languages");
    }
  }
  return out;
}

GrammarLoad LoadGrammar(std::string_view yaml_text, std::string_view file_name) {
  GrammarLoad out;
  const std::string file(file_name);
  YamlReader r(file, &out.diagnostics);
  auto g = std::make_shared<Grammar>();
  g->file = file;
  if (yaml_text.size() > kMaxGrammarBytes) {
    r.Error(SourceMark{}, "", "larger than 4 MiB; not a grammar");
    return out;
  }
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    LoadRoot(r, *g, root);
    // The checks across commands run even when a section had errors, on what did load, so
    // one run reports everything an admin has to fix.
    if (!g->languages.empty()) {
      g->BuildIndexes();
      ResolveDefaults(r, *g);
      CheckGrammar(r, *g);
      CheckUssd(r, *g);
    }
  } catch (const YAML::Exception& e) {
    const SourceMark at =
        e.mark.is_null() ? SourceMark{} : SourceMark{e.mark.line + 1, e.mark.column + 1};
    r.Error(at, "", e.msg.empty() ? "YAML error" : e.msg);
  } catch (const std::exception& e) {
    r.Error(SourceMark{}, "", e.what());
  }
  std::stable_sort(out.diagnostics.begin(), out.diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::pair(a.line, a.column) < std::pair(b.line, b.column);
                   });
  if (!HasErrors(out.diagnostics)) out.grammar = std::move(g);
  return out;
}

}  // namespace smsgw::parser
