// Turns a subscriber's text into normalised tokens, remembering where each came from so that
// redaction can cut the original text precisely.
//
// Separators: whitespace and ASCII punctuation other than '_' and '+'. '*', '#', ';', ':' and
// '=' are hard separators (USSD style "*PAY*KPLC*1500#"); after the others, a run of digit
// tokens may be read as one number ("0712 345 678", "4111-1111-1111-1111"). '.' and ',' stay
// inside a token when they form an amount under the money format ("1,500", "1500.50") and
// separate otherwise ("PAY.KPLC.123456.1500"). A token of digits mixed only with the letters
// O, I and L ("O712345678", "5OO") reads them as 0, 1 and 1 when it starts with a digit or is
// at least 4 characters long.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parser/grammar.h"

namespace smsgw::parser {

struct Token {
  std::string_view text;     // normalised (ASCII upper case, digits folded); into Tokens' buffer
  uint32_t norm_begin = 0;   // position of `text` in the normalised buffer
  bool digits = false;       // only '0'..'9'
  bool plus_digits = false;  // '+' followed by one or more digits
  bool joined = false;       // only soft separators since the previous token
};

class Tokens {
 public:
  // Replaces the contents with the tokens of `text`. Reuses its buffers: no allocation once
  // they have grown to the longest message seen.
  void Tokenize(std::string_view text, const MoneyFormat& money);

  const std::vector<Token>& tokens() const { return tokens_; }
  std::size_t size() const { return tokens_.size(); }
  const Token& operator[](std::size_t i) const { return tokens_[i]; }

  // Splits token `i` in two at `at` (0 < at < size): a keyword glued to a value ("TOPUP100").
  void SplitToken(std::size_t i, std::size_t at);

  // The byte offset in the original text of normalised position `norm_index`; the text's size
  // for the end of the buffer.
  uint32_t OrigOffset(std::size_t norm_index) const {
    return norm_index < orig_.size() ? orig_[norm_index] : text_size_;
  }
  uint32_t OrigBegin(std::size_t token) const { return OrigOffset(tokens_[token].norm_begin); }
  uint32_t OrigEnd(std::size_t token) const {
    return OrigOffset(tokens_[token].norm_begin + tokens_[token].text.size());
  }

 private:
  void Normalise(std::string_view text);
  void SplitRaw(std::size_t begin, std::size_t end, bool joined, const MoneyFormat& money);
  // Reads O, I and L as digits in norm_[begin, end) when it is a number typed with them.
  void FixLookalikes(std::size_t begin, std::size_t end);
  // Adds norm_[begin, end) as a token unless empty; true when it added one.
  bool Emit(std::size_t begin, std::size_t end, bool joined);

  std::string norm_;
  std::vector<uint32_t> orig_;  // per byte of norm_
  std::vector<Token> tokens_;
  uint32_t text_size_ = 0;
};

// True when `s` is one amount under `money`'s separators: "1500", "1,500", "1500.5",
// "1,500.50" (with at most minor_digits decimals).
bool IsAmountNumber(std::string_view s, const MoneyFormat& money);

// Reads a digit that looks like a letter as that letter ('0' -> 'O', '1' -> 'I'), for matching
// keywords and PIN markers typed with digits ("P1N"). Other characters pass through.
char LetterSkeleton(char c);

}  // namespace smsgw::parser
