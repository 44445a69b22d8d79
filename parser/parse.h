// Parse: a subscriber's text in, one ParseOutcome (outcome.h) out. No I/O, no exceptions, no
// regular expressions; thread-safe (per-thread scratch buffers, the Grammar is read-only).
//
// How a text is read:
//  1. Normalised and tokenised (tokenizer.h): case, full-width and Arabic-Indic digits,
//     look-alike letters, separators.
//  2. The first tokens are looked up as a keyword of some command, in any language (longest
//     keyword first; also glued to a value, "TOPUP100", and with 0/1 typed for O/I, "B0NUS").
//     The keyword's language becomes the outcome's language.
//  3. The remaining tokens are aligned with the command's fields (matcher.h).
//     Without a keyword, the keyword-less commands (the confirmation "<code> <pin>") are tried.
//  4. A text that does not read cleanly is scanned for an account number and a PIN together
//     (credential_scan.h): if both are there the outcome is a CredentialViolation, not an
//     error, so nothing of it is echoed or forwarded. Free-text fields are scanned too.
#pragma once

#include <string_view>

#include "parser/grammar.h"
#include "parser/outcome.h"

namespace smsgw::parser {

struct ParseContext {
  // The originator's number (E.164 digits), the value of fields whose default is `sender`.
  // When empty such fields are left out of the Command.
  std::string_view sender = {};
  // The subscriber's language code, used when no keyword tells: the confirmation
  // "<code> <pin>" and unknown commands. Empty or unknown: the grammar's default language.
  std::string_view language = {};
};

ParseOutcome Parse(const Grammar& grammar, std::string_view text, const ParseContext& context = {});

}  // namespace smsgw::parser
