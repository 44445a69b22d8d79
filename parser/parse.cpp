#include "parser/parse.h"

#include <optional>
#include <vector>

#include "parser/credential_scan.h"
#include "parser/edit_distance.h"
#include "parser/field_values.h"
#include "parser/matcher.h"
#include "parser/money.h"
#include "parser/redact.h"
#include "parser/replies.h"
#include "parser/tokenizer.h"

namespace smsgw::parser {
namespace {

// Reused by every Parse on a thread, so a parse allocates only what its outcome holds.
struct Scratch {
  Tokens tokens;
  std::vector<TokenInfo> roles;
  std::vector<Mask> masks;
  ScanFindings found;
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

bool IsLetter(char c) {
  return c >= 'A' && c <= 'Z';
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

struct KeywordHit {
  const CommandSpec* command = nullptr;
  std::size_t language = 0;
  std::size_t consumed = 0;  // tokens the keyword took
};

std::optional<KeywordHit> LookUp(const Grammar& g, const Tokens& t, std::string_view first) {
  const auto* entries = g.KeywordsStartingWith(first);
  if (entries == nullptr) return std::nullopt;
  for (const auto& e : *entries) {
    if (1 + e.rest.size() > t.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < e.rest.size() && same; ++i) same = t[1 + i].text == e.rest[i];
    if (same) return KeywordHit{&g.commands[e.command], e.language, 1 + e.rest.size()};
  }
  return std::nullopt;
}

std::optional<KeywordHit> FindKeyword(const Grammar& g, Tokens& t) {
  const std::string_view first = t[0].text;
  if (auto hit = LookUp(g, t, first)) return hit;
  // Letters glued to a value: "TOPUP100", "SEND0712345678".
  std::size_t letters = 0;
  while (letters < first.size() && IsLetter(first[letters])) ++letters;
  if (letters > 0 && letters < first.size() && IsDigit(first[letters])) {
    const auto* entries = g.KeywordsStartingWith(first.substr(0, letters));
    if (entries != nullptr && entries->back().rest.empty()) {
      t.SplitToken(0, letters);
      return KeywordHit{&g.commands[entries->back().command], entries->back().language, 1};
    }
  }
  // Digits typed for look-alike letters: "B4L" no, "P1N" yes.
  char skeleton[32];
  if (first.size() > sizeof(skeleton)) return std::nullopt;
  bool changed = false;
  bool letter = false;
  for (std::size_t i = 0; i < first.size(); ++i) {
    skeleton[i] = LetterSkeleton(first[i]);
    changed = changed || skeleton[i] != first[i];
    letter = letter || IsLetter(first[i]);
  }
  if (!changed || !letter) return std::nullopt;
  return LookUp(g, t, std::string_view(skeleton, first.size()));
}

std::string Suggest(const Grammar& g, std::string_view word, std::size_t* language) {
  if (word.size() > 32 || !std::any_of(word.begin(), word.end(), IsLetter)) return {};
  const std::size_t limit = word.size() <= 3 ? 1 : 2;
  std::size_t best = limit + 1;
  std::string out;
  for (const auto& c : g.commands) {
    for (const auto& k : c.keywords) {
      const std::string_view head = std::string_view(k.text).substr(0, k.text.find(' '));
      const std::size_t d = EditDistance(word, head, limit);
      if (d < best) {
        best = d;
        out = k.text;
        *language = k.language;
      }
    }
  }
  return out;
}

std::string LanguageCode(const Grammar& g, std::size_t language) {
  return g.languages[language];
}

class Parser {
 public:
  Parser(const Grammar& g, std::string_view text, const ParseContext& ctx)
      : g_(g), text_(text), ctx_(ctx), s_(ThreadScratch()), t_(s_.tokens) {}

  ParseOutcome Run() {
    t_.Tokenize(text_, g_.money);
    s_.masks.clear();
    s_.found.accounts.clear();
    s_.found.credentials.clear();
    const std::size_t ctx_language = g_.LanguageOrDefault(ctx_.language);
    if (t_.size() == 0) {
      ParseError e;
      e.kind = ErrorKind::kEmpty;
      return Error(std::move(e), ctx_language);
    }
    const std::optional<KeywordHit> hit = FindKeyword(g_, t_);  // may split a token
    s_.roles.assign(t_.size(), TokenInfo{});
    if (hit) {
      const Match m = MatchFields(g_, *hit->command, t_, hit->consumed, text_);
      if (m.ok) return Build(*hit->command, hit->language, m);
      return Failure(*hit->command, hit->language, hit->consumed, m);
    }
    const CommandSpec* closest = nullptr;
    Match closest_match;
    for (std::size_t c : g_.KeywordlessCommands()) {
      const CommandSpec& spec = g_.commands[c];
      Match m = MatchFields(g_, spec, t_, 0, text_);
      if (m.ok) return Build(spec, ctx_language, m);
      if (m.filled > 0 && (closest == nullptr || m.filled > closest_match.filled)) {
        closest = &spec;
        closest_match = m;
      }
    }
    if (closest != nullptr) return Failure(*closest, ctx_language, 0, closest_match);
    // No command at all: judge every token by its shape.
    ScanCredentials(g_, t_, s_.roles, 0, t_.size(), nullptr, &s_.found, &s_.masks);
    if (s_.found.violation()) return Violation({}, ctx_language);
    ParseError e;
    e.kind = ErrorKind::kUnknownCommand;
    std::size_t language = ctx_language;
    e.suggestion = Suggest(g_, t_[0].text, &language);
    return Error(std::move(e), language);
  }

 private:
  ParseOutcome Build(const CommandSpec& spec, std::size_t language, const Match& m) {
    Command cmd;
    cmd.name = spec.name;
    cmd.operation = spec.operation;
    cmd.language = LanguageCode(g_, language);
    cmd.requires_pin = spec.requires_pin();
    cmd.fields.reserve(spec.fields.size());
    for (std::size_t fi = 0; fi < spec.fields.size(); ++fi) {
      const FieldSpec& f = spec.fields[fi];
      const Slot slot = m.slots[fi];
      if (slot.count == 0) {
        AddDefault(f, &cmd);
        continue;
      }
      Field& field = cmd.fields.emplace_back();
      field.name = f.name;
      field.type = f.type;
      field.cls = f.cls;
      const std::size_t last = slot.first + slot.count - 1;
      if (f.type == FieldType::kText) {
        field.value = TextValue(t_, slot.first, text_);
        SetRoles(slot, TokenRole::kFree, -1);
        ScanCredentials(g_, t_, s_.roles, slot.first, last + 1, &spec, &s_.found, &s_.masks);
      } else {
        ValueBuf buf;
        ReadField(g_, f, t_, slot.first, slot.count, text_, &buf);
        field.value.assign(buf.data, buf.size);
        field.minor = buf.minor;
      }
      if (f.cls == FieldClass::kAccount || f.cls == FieldClass::kCredential) {
        s_.masks.push_back(MaskTokens(t_, slot.first, last, f.cls == FieldClass::kAccount));
      }
    }
    if (s_.found.violation()) return Violation(spec.name, language);
    return ParseOutcome(std::move(cmd), Redact(text_, s_.masks));
  }

  void AddDefault(const FieldSpec& f, Command* cmd) {
    if (f.default_kind == FieldSpec::Default::kNone) return;
    if (f.default_kind == FieldSpec::Default::kSender && ctx_.sender.empty()) return;
    Field& field = cmd->fields.emplace_back();
    field.name = f.name;
    field.type = f.type;
    field.cls = f.cls;
    field.defaulted = true;
    if (f.default_kind == FieldSpec::Default::kSender) {
      field.value = ctx_.sender;
    } else {
      field.value = f.default_value;
      field.minor = f.default_minor;
    }
  }

  void SetRoles(Slot slot, TokenRole role, int16_t field) {
    for (std::size_t k = slot.first; k < slot.first + slot.count; ++k) s_.roles[k] = {role, field};
  }

  // What a field that read its tokens cleanly says about them in a text that failed. Amounts
  // and phone numbers are trusted not to be PINs (a PIN-length amount is the commonest false
  // alarm); other values are judged by their shape, so "LIPA 4111 1111 1111 1111 1234" is not
  // excused because PAY's fields happened to accept its groups.
  static TokenRole VouchedRole(const FieldSpec& f) {
    if (f.cls == FieldClass::kAccount) return TokenRole::kAccount;
    if (f.cls == FieldClass::kCredential) return TokenRole::kCredential;
    if (f.cls == FieldClass::kAmount || f.type == FieldType::kMsisdn) return TokenRole::kValue;
    return TokenRole::kFree;
  }

  ParseOutcome Failure(const CommandSpec& spec, std::size_t language, std::size_t consumed,
                       const Match& m) {
    for (std::size_t k = 0; k < consumed; ++k) s_.roles[k].role = TokenRole::kKeyword;
    // Without a keyword, a field that read cleanly proves little ("4321 0123456789" is not a
    // code and a PIN): only a keyword's fields vouch for their tokens.
    if (consumed > 0) {
      for (std::size_t fi = 0; fi < m.filled && fi < spec.fields.size(); ++fi) {
        const FieldSpec& f = spec.fields[fi];
        SetRoles(m.slots[fi], VouchedRole(f), static_cast<int16_t>(fi));
      }
    }
    ScanCredentials(g_, t_, s_.roles, 0, t_.size(), &spec, &s_.found, &s_.masks);
    const std::string name = consumed > 0 ? spec.name : std::string();
    if (s_.found.violation()) return Violation(name, language);
    ParseError e;
    e.kind = m.failure;
    e.command = spec.name;
    if (m.failure != ErrorKind::kExtraValues) {
      const FieldSpec& f = spec.fields[m.failed_field];
      e.field = f.name;
      e.rule = m.rule;
      if (m.failure == ErrorKind::kBadField) DescribeRule(g_, f, language, &e);
    }
    return Error(std::move(e), language);
  }

  ParseOutcome Error(ParseError e, std::size_t language) {
    return ParseOutcome(std::move(e), LanguageCode(g_, language), Redact(text_, s_.masks));
  }

  ParseOutcome Violation(std::string command, std::size_t language) {
    CredentialViolation v{std::move(command), {}};
    v.parts = std::move(s_.found.accounts);
    v.parts.insert(v.parts.end(), s_.found.credentials.begin(), s_.found.credentials.end());
    s_.found.accounts.clear();
    s_.found.credentials.clear();
    s_.masks.clear();
    MaskDigitRuns(t_, 0, t_.size(), &s_.masks);
    return ParseOutcome(std::move(v), LanguageCode(g_, language), Redact(text_, s_.masks));
  }

  const Grammar& g_;
  std::string_view text_;
  const ParseContext& ctx_;
  Scratch& s_;
  Tokens& t_;
};

}  // namespace

ParseOutcome Parse(const Grammar& grammar, std::string_view text, const ParseContext& context) {
  return Parser(grammar, text, context).Run();
}

}  // namespace smsgw::parser
