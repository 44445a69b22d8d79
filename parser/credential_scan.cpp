#include "parser/credential_scan.h"

#include <algorithm>
#include <string_view>

#include "parser/field_values.h"

namespace smsgw::parser {
namespace {

constexpr std::size_t kMarkedPinMin = 3;
constexpr std::size_t kMarkedPinMax = 12;
constexpr std::size_t kMarkedAccountMin = 5;
constexpr std::size_t kMinGroupedAccount = 10;
constexpr std::size_t kMaxGroupDigits = 4;

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsLetter(char c) {
  return c >= 'A' && c <= 'Z';
}

enum class Marker { kNone, kPin, kAccount };

// "PIN", "P1N", "NYWILA" -> kPin; "ACC", "AKAUNTI" -> kAccount (with the shipped markers).
Marker MarkerOf(const Grammar& g, std::string_view word) {
  char buf[24];
  if (word.empty() || word.size() > sizeof(buf)) return Marker::kNone;
  for (std::size_t i = 0; i < word.size(); ++i) {
    buf[i] = LetterSkeleton(word[i]);
    if (!IsLetter(buf[i])) return Marker::kNone;
  }
  const std::string_view skeleton(buf, word.size());
  const auto& cs = g.credential_split;
  if (std::find(cs.pin_markers.begin(), cs.pin_markers.end(), skeleton) != cs.pin_markers.end()) {
    return Marker::kPin;
  }
  if (std::find(cs.account_markers.begin(), cs.account_markers.end(), skeleton) !=
      cs.account_markers.end()) {
    return Marker::kAccount;
  }
  return Marker::kNone;
}

// A run of digits: part of one token, or several whole joined digit tokens.
struct Run {
  std::size_t first_token;
  std::size_t last_token;
  std::size_t offset;  // within the first token (single-token runs only)
  std::size_t length;  // digits
};

class Scanner {
 public:
  Scanner(const Grammar& g, const Tokens& t, std::span<const TokenInfo> roles,
          const CommandSpec* command, ScanFindings* found, std::vector<Mask>* masks)
      : g_(g), t_(t), roles_(roles), command_(command), found_(found), masks_(masks) {}

  void Scan(std::size_t from, std::size_t to) {
    from_ = from;
    std::size_t i = from;
    while (i < to) {
      const TokenInfo& info = roles_[i];
      if (info.role == TokenRole::kAccount || info.role == TokenRole::kCredential) {
        std::size_t j = i + 1;
        while (j < to && roles_[j].role == info.role && roles_[j].field == info.field) ++j;
        const bool account = info.role == TokenRole::kAccount;
        Add(account, FieldName(info.field), i);
        masks_->push_back(MaskTokens(t_, i, j - 1, account));
        i = j;
      } else if (InGroup(i) && t_[i].digits) {
        std::size_t j = i + 1;
        while (j < to && InGroup(j) && t_[j].digits && t_[j].joined &&
               MarkerBefore(j) == Marker::kNone) {
          ++j;
        }
        Group(i, j, MarkerBefore(i));
        i = j;
      } else {
        if (info.role != TokenRole::kKeyword) Within(i);
        ++i;
      }
    }
  }

 private:
  bool InGroup(std::size_t k) const {
    return roles_[k].role == TokenRole::kFree || roles_[k].role == TokenRole::kValue;
  }
  // A value another field vouched for (an amount) is not a PIN; it may still be an account
  // number or part of one.
  bool CanBePin(std::size_t k) const { return roles_[k].role == TokenRole::kFree; }
  bool CanBeAccount(std::size_t) const { return true; }

  // The marker word right before token k, if any (and not before the scanned range).
  Marker MarkerBefore(std::size_t k) const {
    if (k == 0 || k - 1 < from_ || roles_[k - 1].role != TokenRole::kFree) return Marker::kNone;
    return MarkerOf(g_, t_[k - 1].text);
  }

  // The marker a mixed token starts with ("PIN4321"), if any.
  Marker LeadingMarker(std::string_view text) const {
    std::size_t n = 0;
    while (n < text.size() && !IsDigit(text[n])) ++n;
    if (n == 0 || n == text.size()) return Marker::kNone;
    return MarkerOf(g_, text.substr(0, n));
  }

  std::string FieldName(int16_t field) const {
    if (command_ == nullptr || field < 0 ||
        static_cast<std::size_t>(field) >= command_->fields.size()) {
      return {};
    }
    return command_->fields[static_cast<std::size_t>(field)].name;
  }

  bool AccountLength(std::size_t length, std::size_t min) const {
    return length >= min &&
           length <= static_cast<std::size_t>(g_.credential_split.account_max_length);
  }

  bool AccountShaped(const Run& r) const {
    if (AccountLength(r.length, static_cast<std::size_t>(g_.credential_split.account_min_length))) {
      return true;
    }
    return r.length >= 13 && r.length <= 19 && LuhnValid(Digits(r));
  }

  // Several groups read as one account number: only the way numbers are written in groups of
  // 2 to 4 digits, and long ones ("0123 456 789", "4111 1111 1111 1111"), so that
  // "4821 1234 5678" (a code and two PINs) and "123456 1500" (a reference and an amount) are
  // not taken for accounts.
  bool GroupedAccountShaped(const Run& r) const {
    for (std::size_t k = r.first_token; k <= r.last_token; ++k) {
      if (t_[k].text.size() > kMaxGroupDigits) return false;
    }
    const auto min = std::max<std::size_t>(
        static_cast<std::size_t>(g_.credential_split.account_min_length), kMinGroupedAccount);
    return AccountLength(r.length, min) ||
           (r.length >= 13 && r.length <= 19 && LuhnValid(Digits(r)));
  }

  bool PinShaped(std::size_t length) const {
    return length >= static_cast<std::size_t>(g_.pin.min_length) &&
           length <= static_cast<std::size_t>(g_.pin.max_length);
  }

  std::string_view Digits(const Run& r) const {
    if (r.first_token == r.last_token) return t_[r.first_token].text.substr(r.offset, r.length);
    joined_.clear();
    for (std::size_t k = r.first_token; k <= r.last_token; ++k) joined_ += t_[k].text;
    return joined_;
  }

  void Add(bool account, std::string field, std::size_t token) {
    auto& list = account ? found_->accounts : found_->credentials;
    list.push_back({std::move(field), account ? FieldClass::kAccount : FieldClass::kCredential,
                    static_cast<int>(token) + 1});
  }

  void Found(bool account, const Run& r) {
    Add(account, {}, r.first_token);
    // Only a field's value keeps its last 4 digits: a guess by shape might be a PIN.
    if (r.first_token != r.last_token) {
      masks_->push_back(MaskTokens(t_, r.first_token, r.last_token, false));
      return;
    }
    const Token& tok = t_[r.first_token];
    Mask m;
    m.begin = t_.OrigOffset(tok.norm_begin + r.offset);
    m.end = t_.OrigOffset(tok.norm_begin + r.offset + r.length);
    masks_->push_back(m);
  }

  Run Whole(std::size_t first, std::size_t last) const {
    std::size_t length = 0;
    for (std::size_t k = first; k <= last; ++k) length += t_[k].text.size();
    return {first, last, 0, length};
  }

  bool All(std::size_t first, std::size_t last, bool (Scanner::*test)(std::size_t) const) const {
    for (std::size_t k = first; k <= last; ++k) {
      if (!(this->*test)(k)) return false;
    }
    return true;
  }

  void Marked(Marker marker, const Run& r) {
    if (marker == Marker::kPin && r.length >= kMarkedPinMin && r.length <= kMarkedPinMax) {
      Found(false, r);
    } else if (marker == Marker::kAccount && r.length >= kMarkedAccountMin) {
      Found(true, r);
    } else {
      Single(r);
    }
  }

  void Single(const Run& r) {
    if (CanBeAccount(r.first_token) && AccountShaped(r)) {
      Found(true, r);
    } else if (CanBePin(r.first_token) && PinShaped(r.length)) {
      Found(false, r);
    }
  }

  // Joined digit tokens [i, j): "0123 456 789 4321", "4111 1111 1111 1111 1234",
  // "12345678 1500" (where 1500 was read as an amount).
  void Group(std::size_t i, std::size_t j, Marker marker) {
    if (marker == Marker::kAccount) return Marked(marker, Whole(i, j - 1));
    if (marker == Marker::kPin) {
      Marked(marker, Whole(i, i));
      if (i + 1 < j) Group(i + 1, j, Marker::kNone);
      return;
    }
    bool any_account = false;
    for (std::size_t k = i; k < j; ++k)
      any_account = any_account || (CanBeAccount(k) && AccountShaped(Whole(k, k)));
    const std::size_t last = j - 1;
    if (j - i == 1 || any_account) {
      for (std::size_t k = i; k < j; ++k) Single(Whole(k, k));
    } else if (CanBePin(last) && PinShaped(t_[last].text.size()) &&
               All(i, last - 1, &Scanner::CanBeAccount) &&
               GroupedAccountShaped(Whole(i, last - 1))) {
      Found(true, Whole(i, last - 1));
      Found(false, Whole(last, last));
    } else if (CanBePin(i) && PinShaped(t_[i].text.size()) &&
               All(i + 1, last, &Scanner::CanBeAccount) &&
               GroupedAccountShaped(Whole(i + 1, last))) {
      Found(false, Whole(i, i));
      Found(true, Whole(i + 1, last));
    } else if (All(i, last, &Scanner::CanBeAccount) && GroupedAccountShaped(Whole(i, last))) {
      Found(true, Whole(i, last));
    } else {
      for (std::size_t k = i; k < j; ++k) Single(Whole(k, k));
    }
  }

  // Digit runs inside a token that is not all digits: "PIN4321", "REF0123456789", "KES1500".
  void Within(std::size_t i) {
    const std::string_view text = t_[i].text;
    std::size_t k = 0;
    while (k < text.size()) {
      if (!IsDigit(text[k])) {
        ++k;
        continue;
      }
      std::size_t e = k;
      while (e < text.size() && IsDigit(text[e])) ++e;
      std::size_t letters = k;
      while (letters > 0 && IsLetter(text[letters - 1])) --letters;
      const Marker glued = MarkerOf(g_, text.substr(letters, k - letters));
      const Run r{i, i, k, e - k};
      if (glued != Marker::kNone && CanBePin(i)) {
        Marked(glued, r);
      } else {
        Single(r);
      }
      k = e;
    }
  }

  const Grammar& g_;
  const Tokens& t_;
  std::span<const TokenInfo> roles_;
  const CommandSpec* command_;
  ScanFindings* found_;
  std::vector<Mask>* masks_;
  std::size_t from_ = 0;
  mutable std::string joined_;
};

}  // namespace

Mask MaskTokens(const Tokens& tokens, std::size_t first, std::size_t last, bool keep_last4) {
  Mask m;
  m.begin = tokens.OrigBegin(first);
  m.end = tokens.OrigEnd(last);
  if (!keep_last4) return m;
  std::size_t have = 0;
  for (std::size_t k = last + 1; k-- > first && have < 4;) {
    const std::string_view text = tokens[k].text;
    for (std::size_t c = text.size(); c-- > 0 && have < 4;) {
      if (IsDigit(text[c])) m.last4[3 - have++] = text[c];
    }
  }
  m.keep_last4 = have == 4;
  return m;
}

void ScanCredentials(const Grammar& grammar, const Tokens& tokens, std::span<const TokenInfo> roles,
                     std::size_t from, std::size_t to, const CommandSpec* command,
                     ScanFindings* found, std::vector<Mask>* masks) {
  Scanner(grammar, tokens, roles, command, found, masks).Scan(from, to);
}

void MaskDigitRuns(const Tokens& tokens, std::size_t from, std::size_t to,
                   std::vector<Mask>* masks) {
  for (std::size_t i = from; i < to; ++i) {
    const Token& tok = tokens[i];
    std::size_t k = 0;
    while (k < tok.text.size()) {
      if (!IsDigit(tok.text[k])) {
        ++k;
        continue;
      }
      std::size_t e = k;
      while (e < tok.text.size() && IsDigit(tok.text[e])) ++e;
      Mask m;
      m.begin = tokens.OrigOffset(tok.norm_begin + k);
      m.end = tokens.OrigOffset(tok.norm_begin + e);
      masks->push_back(m);
      k = e;
    }
  }
}

}  // namespace smsgw::parser
