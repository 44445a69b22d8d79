// Field types and field classes: the vocabulary of conf/grammar.yaml.
//
// A field's type says how its text is read and normalised; its class says how sensitive the
// value is, which drives redaction and the credential-split rule (an `account` and a
// `credential` value never travel in one message).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace smsgw::parser {

enum class FieldType : uint8_t {
  kMsisdn,   // phone number; value: E.164 digits without "+", e.g. "254712345678"
  kAmount,   // money; value: plain decimal ("1500.00"), minor: integer minor units
  kDigits,   // digits only, length bounds; value: the digits
  kWord,     // letters, digits and '_'; value: upper case (or a command name, see FieldSpec)
  kCode,     // one-time challenge reference (digits); value: the digits
  kAccount,  // account or card number (digits, optional Luhn check); value: the digits
  kPin,      // PIN (digits, length from the grammar's pin policy); value: the digits
  kDate,     // calendar date; value: "YYYY-MM-DD"
  kText,     // the rest of the message; value: the text as typed, trimmed
};

enum class FieldClass : uint8_t {
  kAccount,     // identifies an account: masked to its last 4 digits wherever it is shown
  kCredential,  // proves identity: never shown, never stored in clear
  kAmount,
  kParty,      // a counterparty: recipient, agent, biller
  kReference,  // bill reference, challenge code
  kFree,       // anything else
};

// Why a field's text was refused. Each rule has a reply template "rule.<name>" that names
// the field and its bounds ("amount must be between 10 and 70,000").
enum class Rule : uint8_t {
  kNone,
  kMsisdn,        // not a phone number of the number plan
  kAmountFormat,  // not an amount under the money format
  kAmountRange,   // an amount outside the field's bounds
  kDigits,        // not digits, or too few or too many
  kWord,          // not a word of letters and digits of the allowed length
  kChoice,        // not one of the allowed words
  kLuhn,          // an account number whose check digit is wrong
  kDate,          // not a valid date
  kText,          // text too long
};

std::string_view RuleName(Rule rule);

inline constexpr int kFieldTypeCount = 9;
inline constexpr int kFieldClassCount = 6;

std::string_view FieldTypeName(FieldType type);
std::string_view FieldClassName(FieldClass cls);
std::optional<FieldType> FieldTypeFromName(std::string_view name);
std::optional<FieldClass> FieldClassFromName(std::string_view name);

// The class a field gets when the grammar does not say: pin -> credential, account -> account,
// amount -> amount, msisdn -> party, code/digits/word -> reference, date/text -> free.
FieldClass DefaultClass(FieldType type);

}  // namespace smsgw::parser
