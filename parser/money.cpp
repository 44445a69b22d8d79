#include "parser/money.h"

#include "parser/tokenizer.h"

namespace smsgw::parser {
namespace {

constexpr int kMaxWholeDigits = 15;

uint64_t Pow10(int n) {
  uint64_t p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

void AppendGrouped(std::string& out, uint64_t whole, char grouping) {
  const std::string digits = std::to_string(whole);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (grouping != '\0' && i > 0 && (digits.size() - i) % 3 == 0) out += grouping;
    out += digits[i];
  }
}

void AppendFraction(std::string& out, uint64_t frac, int digits, char decimal) {
  std::string f = std::to_string(frac);
  out += decimal;
  out.append(static_cast<std::size_t>(digits) - f.size(), '0');
  out += f;
}

}  // namespace

std::string FormatAmount(const MoneyFormat& money, int64_t minor, AmountStyle style) {
  const bool negative = minor < 0;
  const uint64_t magnitude =
      negative ? ~static_cast<uint64_t>(minor) + 1 : static_cast<uint64_t>(minor);
  const uint64_t scale = Pow10(money.minor_digits);
  const uint64_t whole = magnitude / scale;
  const uint64_t frac = magnitude % scale;
  std::string out;
  if (style == AmountStyle::kReply) out = money.currency + " ";
  if (negative) out += '-';
  const bool grouped = style == AmountStyle::kReply || style == AmountStyle::kBound;
  AppendGrouped(out, whole, grouped ? money.grouping_separator : '\0');
  const bool all_decimals = style == AmountStyle::kReply || style == AmountStyle::kCanonical;
  if (money.minor_digits > 0 && (all_decimals || frac != 0)) {
    const char decimal = style == AmountStyle::kCanonical ? '.' : money.decimal_separator;
    AppendFraction(out, frac, money.minor_digits, decimal);
  }
  return out;
}

bool ParseAmountNumber(std::string_view s, const MoneyFormat& money, int64_t* minor) {
  if (!IsAmountNumber(s, money)) return false;
  uint64_t whole = 0;
  uint64_t frac = 0;
  int whole_digits = 0;
  int frac_digits = 0;
  bool in_frac = false;
  for (char c : s) {
    if (c == money.decimal_separator) {
      in_frac = true;
    } else if (c >= '0' && c <= '9') {
      if (in_frac) {
        frac = frac * 10 + static_cast<uint64_t>(c - '0');
        ++frac_digits;
      } else {
        whole = whole * 10 + static_cast<uint64_t>(c - '0');
        if (whole > 0 && ++whole_digits > kMaxWholeDigits) return false;
      }
    }
  }
  frac *= Pow10(money.minor_digits - frac_digits);
  *minor = static_cast<int64_t>(whole * Pow10(money.minor_digits) + frac);
  return true;
}

}  // namespace smsgw::parser
