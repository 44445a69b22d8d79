// The subscriber an MO's source address names, in the one form the store keeps: E.164 digits
// without "+" (254712345678), whichever way the SMSC wrote it. Dedup keys, challenges, USSD
// dialogues and replies all go by that form, so a subscriber registered as 254712345678 is the
// same whether the SMSC delivers 254712345678, +254712345678, 0712345678, 00254712345678 or
// 712345678. Pure: no I/O.
#pragma once

#include <string>

#include "gateway/smpp/pdu.h"
#include "parser/grammar.h"

namespace smsgw::gateway {

struct SourceMsisdn {
  enum class Read {
    kNumber,      // read by the plan: `value` is the E.164 number
    kNotANumber,  // a TON that names no phone number (alphanumeric, ...): `value` as it came
    kNotInPlan,   // a TON of a number the plan cannot read: `value` as it came, without "+"
  };
  std::string value;
  Read read = Read::kNumber;
};

// Reads `source` by its TON with the grammar's number plan (parser/msisdn.h): TON 1
// (international) as a number that starts with its country code; TON 0 (unknown) and 2
// (national) as a subscriber writes a number, so national forms and the international prefix
// are read as the plan says. A "+" before the digits makes any of the three international.
// Another country's international number is kept as it is (a roaming subscriber). Other TONs
// (5 alphanumeric, 3, 4, 6) are left untouched; the NPI is not looked at.
SourceMsisdn ReadSourceMsisdn(const parser::NumberPlan& plan, const smpp::Address& source);

}  // namespace smsgw::gateway
