// What Parse (parse.h) makes of a subscriber's text: exactly one of a typed Command, a
// ParseError or a CredentialViolation, always with a copy of the text that is safe to store
// and log.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "parser/field.h"

namespace smsgw::parser {

struct Field {
  std::string name;
  FieldType type = FieldType::kWord;
  FieldClass cls = FieldClass::kFree;
  // The normalised value (see FieldType): E.164 digits for msisdn, "1500.00" for amount,
  // upper case for word, the command's name for a command topic, "YYYY-MM-DD" for date.
  // Credential-class values are here in clear for the engine to verify and then drop; never
  // log a Field, use DisplayValue (replies.h) or ParseOutcome::Describe.
  std::string value;
  int64_t minor = 0;       // amount fields: the amount in minor units
  bool defaulted = false;  // not in the message: the grammar's default (or the sender)
};

// A field's value as it may be shown or logged: credential "****", account "****1111" (the
// last 4 digits), anything else the value itself.
std::string MaskedValue(const Field& field);

struct Command {
  std::string name;       // the grammar's command name: "pay", "confirm"
  std::string operation;  // what it becomes towards the backend: "bill.pay"
  std::string language;   // of the keyword the subscriber used (or the context's language)
  bool requires_pin = false;
  // In grammar order. An optional field that was not given and has no default is absent.
  std::vector<Field> fields;

  const Field* Find(std::string_view field_name) const;
};

enum class ErrorKind : uint8_t {
  kEmpty,           // nothing but spaces and punctuation
  kUnknownCommand,  // no keyword matched and no keyword-less command fits
  kMissingField,    // fewer values than the command needs
  kExtraValues,     // more values than the command takes
  kBadField,        // a value breaks its field's rule
};

std::string_view ErrorKindName(ErrorKind kind);

struct ParseError {
  ErrorKind kind = ErrorKind::kUnknownCommand;
  std::string command;      // the command the text was read as; empty for kEmpty, kUnknownCommand
  std::string field;        // kMissingField, kBadField: the field's name
  Rule rule = Rule::kNone;  // kBadField
  // The rule's bounds as subscribers read them: "10" and "70,000" for an amount, lengths for
  // digits, words and text.
  std::string min;
  std::string max;
  // kChoice: the allowed values ("PAY, SEND"); kMsisdn: an example number ("0712345678");
  // kDate: an example date.
  std::string hint;
  std::string suggestion;  // kUnknownCommand: the closest keyword, empty when none is close
};

struct ViolationPart {
  std::string field;  // the field it filled, or empty when only its shape gave it away
  FieldClass cls = FieldClass::kAccount;
  int word = 0;  // 1-based position of the (first) word in the message
};

// An account and a credential in one message. Nothing of it may be forwarded; the engine
// refuses it and tells the subscriber to change the PIN.
struct CredentialViolation {
  std::string command;  // the command the keyword named, empty when none
  std::vector<ViolationPart> parts;
};

class ParseOutcome {
 public:
  enum class Kind : uint8_t { kCommand, kError, kViolation };

  ParseOutcome() = default;
  ParseOutcome(Command c, std::string redacted);
  ParseOutcome(ParseError e, std::string language, std::string redacted);
  ParseOutcome(CredentialViolation v, std::string language, std::string redacted);

  Kind kind() const { return static_cast<Kind>(value_.index()); }
  bool is_command() const { return kind() == Kind::kCommand; }
  bool is_error() const { return kind() == Kind::kError; }
  bool is_violation() const { return kind() == Kind::kViolation; }

  // Precondition: the matching is_*() holds.
  const Command& command() const { return std::get<Command>(value_); }
  Command& command() { return std::get<Command>(value_); }
  const ParseError& error() const { return std::get<ParseError>(value_); }
  const CredentialViolation& violation() const { return std::get<CredentialViolation>(value_); }

  // The language replies should use: the keyword's, else the context's, else the default.
  const std::string& language() const { return language_; }
  // The text as received with credential-class values replaced by "****" and account-class
  // values masked to their last 4 digits ("****1111"). In an error, whatever looks like an
  // account number or a PIN is "****"; in a violation, every digit is. Undecodable bytes
  // become '?', control characters ' '.
  const std::string& redacted() const { return redacted_; }

  // One line for logs; holds nothing the redacted text would not show.
  std::string Describe() const;

 private:
  std::variant<Command, ParseError, CredentialViolation> value_;
  std::string language_;
  std::string redacted_;
};

}  // namespace smsgw::parser
