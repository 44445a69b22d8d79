// Finding account numbers and PINs by their shape, in texts the grammar could not fully read
// and in free-text fields. Errs on the side of refusing: a message that seems to carry both is
// treated as a credential-split violation, and everything that looks like either is masked.
//
// Shapes (from the grammar's credential_split and pin sections):
//   account  a digit run whose length is in account_min_length..account_max_length, or of
//            13..19 digits passing Luhn; a run of digit groups ("0123 456 789",
//            "4111 1111 1111 1111") of at least 10 digits in all; any run of 5 or more digits
//            after an account marker ("ACC 0123456789", "ACC0123456789").
//   PIN      a digit run of PIN length; any run of 3 to 12 digits after a PIN marker
//            ("PIN 4321", "P1N:4321").
// Groups split both ways: "0123 456 789 4321" is an account and a PIN.
// Tokens a keyword's command read as an amount or a phone number (TokenRole::kValue) are not
// PINs: "SEND 0712345678 1500 thanks" is an error, "SEND 0712345678 500 1234" a violation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "parser/grammar.h"
#include "parser/outcome.h"
#include "parser/redact.h"
#include "parser/tokenizer.h"

namespace smsgw::parser {

enum class TokenRole : uint8_t {
  kFree,        // not (yet) part of any value
  kKeyword,     // part of the command's keyword
  kValue,       // accepted as the value of a field that is neither account nor credential
  kAccount,     // accepted as the value of an account-class field
  kCredential,  // accepted as the value of a credential-class field
};

struct TokenInfo {
  TokenRole role = TokenRole::kFree;
  int16_t field = -1;  // index into the command's fields when the role is a field's
};

struct ScanFindings {
  std::vector<ViolationPart> accounts;
  std::vector<ViolationPart> credentials;

  bool violation() const { return !accounts.empty() && !credentials.empty(); }
};

// Scans tokens [from, to). `roles` has one entry per token; `command` (may be null) names the
// fields roles refer to. Appends what it finds to `found` and a mask per finding to `masks`.
void ScanCredentials(const Grammar& grammar, const Tokens& tokens, std::span<const TokenInfo> roles,
                     std::size_t from, std::size_t to, const CommandSpec* command,
                     ScanFindings* found, std::vector<Mask>* masks);

// Masks every digit in tokens [from, to), even one inside a word ("P1N" -> "P****N"): a
// violation's stored text keeps no number at all.
void MaskDigitRuns(const Tokens& tokens, std::size_t from, std::size_t to,
                   std::vector<Mask>* masks);

// A mask over tokens [first, last]; with keep_last4, their last four digits stay visible.
Mask MaskTokens(const Tokens& tokens, std::size_t first, std::size_t last, bool keep_last4);

}  // namespace smsgw::parser
