// Amounts as text: reading what subscribers type and writing what they read. Money is an int64
// count of minor units throughout; no floating point anywhere.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "parser/grammar.h"

namespace smsgw::parser {

enum class AmountStyle {
  kReply,      // "KES 1,500.00": replies and notices
  kBound,      // "1,500" or "1,500.50": limits in error messages
  kTyped,      // "1500" or "1500.50": what a subscriber would type (bill notices)
  kCanonical,  // "1500.00": field values for machines; always '.' and every decimal
};

std::string FormatAmount(const MoneyFormat& money, int64_t minor, AmountStyle style);

// Reads an amount number ("1500", "1,500", "1500.5", "1,500.50") under the money format's
// separators, without currency symbols. False when it is not one, or exceeds 10^15 major units.
bool ParseAmountNumber(std::string_view s, const MoneyFormat& money, int64_t* minor);

}  // namespace smsgw::parser
