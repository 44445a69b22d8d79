#include "parser/field_values.h"

#include <algorithm>
#include <optional>

#include "parser/money.h"
#include "parser/msisdn.h"

namespace smsgw::parser {
namespace {

constexpr std::size_t kMaxLeadingGroup = 6;

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsWordChar(char c) {
  return (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_';
}

void Set(ValueBuf* out, std::string_view a, std::string_view b = {}) {
  std::copy(a.begin(), a.end(), out->data);
  std::copy(b.begin(), b.end(), out->data + a.size());
  out->size = a.size() + b.size();
}

// Concatenates the digits of tokens[first, first+count); the first may carry a leading '+'.
// Only groups of at most kMaxLeadingGroup digits are joined to what follows ("0712 345 678",
// "4111 1111 1111 1111"): a whole number followed by a short one is two values, and reading
// "0123456789 1234" as one account number would hide the PIN in it.
bool JoinDigits(const Tokens& tokens, std::size_t first, std::size_t count, bool allow_plus,
                ValueBuf* buf, bool* plus) {
  *plus = false;
  buf->size = 0;
  for (std::size_t k = first; k < first + count; ++k) {
    std::string_view t = tokens[k].text;
    if (k == first && allow_plus && tokens[k].plus_digits) {
      *plus = true;
      t.remove_prefix(1);
    } else if (!tokens[k].digits) {
      return false;
    }
    if (buf->size + t.size() > sizeof(buf->data)) return false;
    if (k + 1 < first + count && t.size() > kMaxLeadingGroup) return false;
    std::copy(t.begin(), t.end(), buf->data + buf->size);
    buf->size += t.size();
  }
  return true;
}

Rule ReadMsisdn(const NumberPlan& plan, bool any_country, std::string_view d, bool plus,
                ValueBuf* out) {
  const std::optional<E164> number = ReadE164(plan, d, plus, any_country);
  if (!number) return Rule::kMsisdn;
  Set(out, number->country_code, number->rest);
  return Rule::kNone;
}

// "1500.00": minor units as a plain decimal, the form field values carry.
void WriteCanonical(int64_t minor, int minor_digits, ValueBuf* out) {
  char rev[24];
  std::size_t n = 0;
  auto v = static_cast<uint64_t>(minor);  // never negative: amounts are read without a sign
  for (int i = 0; i < minor_digits; ++i, v /= 10) rev[n++] = static_cast<char>('0' + v % 10);
  if (minor_digits > 0) rev[n++] = '.';
  do {
    rev[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v > 0);
  std::reverse_copy(rev, rev + n, out->data);
  out->size = n;
}

bool IsSymbol(const MoneyFormat& money, std::string_view s) {
  if (s.empty()) return false;
  if (s == money.currency) return true;
  return std::find(money.symbols.begin(), money.symbols.end(), s) != money.symbols.end();
}

// "KES1,500" or "1500KES": the number without a glued currency symbol.
std::string_view StripSymbol(const MoneyFormat& money, std::string_view t) {
  std::size_t lead = 0;
  while (lead < t.size() && !IsDigit(t[lead])) ++lead;
  if (lead > 0 && IsSymbol(money, t.substr(0, lead))) return t.substr(lead);
  std::size_t tail = t.size();
  while (tail > 0 && !IsDigit(t[tail - 1])) --tail;
  if (tail < t.size() && IsSymbol(money, t.substr(tail))) return t.substr(0, tail);
  return t;
}

Rule ReadAmount(const MoneyFormat& money, const FieldSpec& spec, const Tokens& tokens,
                std::size_t first, std::size_t count, ValueBuf* out) {
  std::string_view number = tokens[first].text;
  if (count == 2) {
    const std::string_view second = tokens[first + 1].text;
    if (IsSymbol(money, number)) {
      number = second;
    } else if (!IsSymbol(money, second)) {
      return Rule::kAmountFormat;
    }
  } else {
    number = StripSymbol(money, number);
  }
  int64_t minor = 0;
  if (!ParseAmountNumber(number, money, &minor)) return Rule::kAmountFormat;
  if (minor < spec.min_minor || minor > spec.max_minor) return Rule::kAmountRange;
  WriteCanonical(minor, money.minor_digits, out);
  out->minor = minor;
  return Rule::kNone;
}

bool LengthIn(std::size_t n, const FieldSpec& spec) {
  return n >= static_cast<std::size_t>(spec.min_length) &&
         n <= static_cast<std::size_t>(spec.max_length);
}

bool IsLeap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int ToInt(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

Rule WriteDate(int y, int m, int d, ValueBuf* out) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1) return Rule::kDate;
  if (d > kDays[m - 1] + (m == 2 && IsLeap(y) ? 1 : 0)) return Rule::kDate;
  const int v[3] = {y, m, d};
  char* p = out->data;
  for (int i = 0; i < 3; ++i) {
    const int width = i == 0 ? 4 : 2;
    for (int w = width - 1, x = v[i]; w >= 0; --w, x /= 10) p[w] = static_cast<char>('0' + x % 10);
    p += width;
    if (i < 2) *p++ = '-';
  }
  out->size = 10;
  return Rule::kNone;
}

// "30 11 2024", "2024-11-30", "30/11/24", "30112024", "20241130".
Rule ReadDate(const Tokens& tokens, std::size_t first, std::size_t count, ValueBuf* out) {
  for (std::size_t k = first; k < first + count; ++k) {
    if (!tokens[k].digits) return Rule::kDate;
  }
  if (count == 1) {
    const std::string_view t = tokens[first].text;
    if (t.size() != 8) return Rule::kDate;
    const int y = ToInt(t.substr(0, 4)), m = ToInt(t.substr(4, 2)), d = ToInt(t.substr(6, 2));
    if (y >= 1900 && WriteDate(y, m, d, out) == Rule::kNone) return Rule::kNone;
    return WriteDate(ToInt(t.substr(4, 4)), ToInt(t.substr(2, 2)), ToInt(t.substr(0, 2)), out);
  }
  if (count != 3) return Rule::kDate;
  const std::string_view a = tokens[first].text, b = tokens[first + 1].text,
                         c = tokens[first + 2].text;
  if (b.size() > 2) return Rule::kDate;
  if (a.size() == 4 && c.size() <= 2) return WriteDate(ToInt(a), ToInt(b), ToInt(c), out);
  if (a.size() > 2) return Rule::kDate;
  if (c.size() == 4) return WriteDate(ToInt(c), ToInt(b), ToInt(a), out);
  if (c.size() == 2) return WriteDate(2000 + ToInt(c), ToInt(b), ToInt(a), out);
  return Rule::kDate;
}

Rule ReadWord(const Grammar& grammar, const FieldSpec& spec, const Tokens& tokens,
              std::size_t first, std::size_t count, ValueBuf* out) {
  out->size = 0;
  for (std::size_t k = first; k < first + count; ++k) {
    const std::string_view t = tokens[k].text;
    if (!std::all_of(t.begin(), t.end(), IsWordChar)) return Rule::kWord;
    if (out->size + t.size() + 1 > sizeof(out->data)) return Rule::kWord;
    if (k > first) out->data[out->size++] = ' ';
    std::copy(t.begin(), t.end(), out->data + out->size);
    out->size += t.size();
  }
  if (spec.command_topic) {
    const CommandSpec* c = CommandForKeyword(grammar, out->view());
    if (c == nullptr) return Rule::kChoice;
    Set(out, c->name);
    return Rule::kNone;
  }
  if (count != 1 || !LengthIn(out->size, spec)) return Rule::kWord;
  if (!spec.choices.empty() &&
      std::find(spec.choices.begin(), spec.choices.end(), out->view()) == spec.choices.end()) {
    return Rule::kChoice;
  }
  return Rule::kNone;
}

std::size_t CountCodePoints(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && static_cast<unsigned char>(s.front()) <= ' ') s.remove_prefix(1);
  while (!s.empty() && static_cast<unsigned char>(s.back()) <= ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

std::size_t MaxSpan(const FieldSpec& spec, std::size_t tokens_left) {
  std::size_t span = 1;
  switch (spec.type) {
    case FieldType::kMsisdn:
    case FieldType::kAccount:
      span = kMaxNumberGroups;
      break;
    case FieldType::kDate:
      span = 3;
      break;
    case FieldType::kAmount:
      span = 2;
      break;
    case FieldType::kWord:
      span = spec.command_topic ? 3 : 1;
      break;
    case FieldType::kText:
      span = tokens_left;
      break;
    default:
      break;
  }
  return std::min(span, tokens_left);
}

Rule ReadField(const Grammar& grammar, const FieldSpec& spec, const Tokens& tokens,
               std::size_t first, std::size_t count, std::string_view original, ValueBuf* out) {
  if (spec.type != FieldType::kText) {
    for (std::size_t k = first + 1; k < first + count; ++k) {
      if (!tokens[k].joined)
        return spec.type == FieldType::kAmount ? Rule::kAmountFormat : Rule::kDigits;
    }
  }
  const Token& t = tokens[first];
  bool plus = false;
  switch (spec.type) {
    case FieldType::kMsisdn: {
      ValueBuf digits;
      if (!JoinDigits(tokens, first, count, true, &digits, &plus)) return Rule::kMsisdn;
      return ReadMsisdn(grammar.number_plan, spec.any_country, digits.view(), plus, out);
    }
    case FieldType::kAmount:
      return ReadAmount(grammar.money, spec, tokens, first, count, out);
    case FieldType::kDigits:
    case FieldType::kCode:
    case FieldType::kPin:
      if (count != 1 || !t.digits || !LengthIn(t.text.size(), spec)) return Rule::kDigits;
      Set(out, t.text);
      return Rule::kNone;
    case FieldType::kAccount:
      if (!JoinDigits(tokens, first, count, false, out, &plus) || !LengthIn(out->size, spec)) {
        return Rule::kDigits;
      }
      return spec.luhn && !LuhnValid(out->view()) ? Rule::kLuhn : Rule::kNone;
    case FieldType::kWord:
      return ReadWord(grammar, spec, tokens, first, count, out);
    case FieldType::kDate:
      return ReadDate(tokens, first, count, out);
    case FieldType::kText:
      out->size = 0;
      return LengthIn(CountCodePoints(TextValue(tokens, first, original)), spec) ? Rule::kNone
                                                                                 : Rule::kText;
  }
  return Rule::kWord;
}

Rule ReadLiteral(const Grammar& grammar, const FieldSpec& spec, std::string_view literal,
                 ValueBuf* out) {
  Tokens tokens;
  tokens.Tokenize(literal, grammar.money);
  if (tokens.size() == 0)
    return spec.type == FieldType::kAmount ? Rule::kAmountFormat : Rule::kWord;
  if (tokens.size() > MaxSpan(spec, tokens.size())) return Rule::kWord;
  return ReadField(grammar, spec, tokens, 0, tokens.size(), literal, out);
}

std::string_view TextValue(const Tokens& tokens, std::size_t first, std::string_view original) {
  return Trim(original.substr(tokens.OrigBegin(first)));
}

bool LuhnValid(std::string_view digits) {
  if (digits.size() < 2) return false;
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (!IsDigit(*it)) return false;
    int d = *it - '0';
    if (twice && (d *= 2) > 9) d -= 9;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

const CommandSpec* CommandForKeyword(const Grammar& grammar, std::string_view text) {
  const std::size_t space = text.find(' ');
  const auto* entries = grammar.KeywordsStartingWith(text.substr(0, space));
  if (entries == nullptr) return nullptr;
  for (const auto& e : *entries) {
    std::string_view rest = space == std::string_view::npos ? "" : text.substr(space + 1);
    bool same = true;
    for (std::size_t i = 0; i < e.rest.size() && same; ++i) {
      const std::size_t next = rest.find(' ');
      same = rest.substr(0, next) == e.rest[i];
      rest = next == std::string_view::npos ? "" : rest.substr(next + 1);
    }
    if (same && rest.empty()) return &grammar.commands[e.command];
  }
  return nullptr;
}

}  // namespace smsgw::parser
