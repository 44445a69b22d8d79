// Phone numbers read against the grammar's number plan: one set of rules for a number a
// subscriber types in a message (field_values.h) and for the number the SMSC gives as an MO's
// source (gateway/daemon/source_msisdn.h), so that both name a subscriber alike. Pure: no I/O,
// no allocation.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "parser/grammar.h"

namespace smsgw::parser {

// A number in E.164, without "+": `country_code` then `rest`. The views point into the plan
// and the digits read.
struct E164 {
  std::string_view country_code;  // the plan's; empty for another country's number
  std::string_view rest;          // the national number; the whole number for another country
};

// Reads `digits` (ASCII digits only, no "+") as a number of `plan`.
//
// `international`: the digits start with a country code (a "+" was written before them, or the
// address says it is international). Otherwise the international prefix ("00") announces one;
// without it the number is in a national form: the national prefix and the national number
// ("0712345678"), the national number alone ("712345678") or the country code and the national
// number ("254712345678").
//
// A number of the plan's country has national_number_length digits after the country code and
// starts with one of mobile_prefixes (when the plan lists any). With `any_country`, an
// international number that is not the plan's country's, 8 to 15 digits not starting with 0, is
// taken as it is. Anything else: nullopt.
std::optional<E164> ReadE164(const NumberPlan& plan, std::string_view digits, bool international,
                             bool any_country);

}  // namespace smsgw::parser
