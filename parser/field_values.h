// Reading one field's value from the tokens the matcher offers it. No allocation: values are
// written into a fixed buffer, so the matcher can try alignments cheaply.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "parser/grammar.h"
#include "parser/tokenizer.h"

namespace smsgw::parser {

// The loader caps lengths so that every value but `text` fits.
inline constexpr int kMaxValueLength = 64;
// A field may span several tokens: "0712 345 678", "KES 1,500", "30 11 2024".
inline constexpr std::size_t kMaxNumberGroups = 5;

struct ValueBuf {
  char data[kMaxValueLength];
  std::size_t size = 0;
  int64_t minor = 0;  // amount fields

  std::string_view view() const { return {data, size}; }
};

// The most tokens `spec` can take; kText takes all that are left.
std::size_t MaxSpan(const FieldSpec& spec, std::size_t tokens_left);

// Reads tokens[first, first + count) as a value of `spec`. On success fills `out` (text fields
// leave it empty: their value is the original text) and returns Rule::kNone; otherwise returns
// the rule the tokens break. `original` is the message as received.
Rule ReadField(const Grammar& grammar, const FieldSpec& spec, const Tokens& tokens,
               std::size_t first, std::size_t count, std::string_view original, ValueBuf* out);

// Normalises one value written in the grammar itself (a field's default), so that defaults go
// through the same rules as subscribers' values.
Rule ReadLiteral(const Grammar& grammar, const FieldSpec& spec, std::string_view literal,
                 ValueBuf* out);

// A text field's value: the message as typed from token `first` to its end, trimmed.
std::string_view TextValue(const Tokens& tokens, std::size_t first, std::string_view original);

// The Luhn check over a string of digits.
bool LuhnValid(std::string_view digits);

// The command whose keyword is `text` (normalised: upper case, one space between tokens), or
// null.
const CommandSpec* CommandForKeyword(const Grammar& grammar, std::string_view text);

}  // namespace smsgw::parser
