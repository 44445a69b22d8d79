#include "parser/tokenizer.h"

#include <algorithm>

#include "parser/char_fold.h"

namespace smsgw::parser {
namespace {

bool IsDigit(unsigned char c) {
  return c >= '0' && c <= '9';
}
bool IsMark(unsigned char c) {
  return c == '.' || c == ',';
}
bool IsLookalike(unsigned char c) {
  return c == 'O' || c == 'I' || c == 'L';
}

// Characters that belong to a word; everything else in the normalised buffer separates.
bool IsWordChar(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_' || IsMark(c) || c >= 0x80;
}

// After these, digit tokens are never read together as one number.
bool IsHardSeparator(unsigned char c) {
  return c == '*' || c == '#' || c == ';' || c == ':' || c == '=';
}

bool AllDigits(std::string_view s) {
  for (unsigned char c : s) {
    if (!IsDigit(c)) return false;
  }
  return !s.empty();
}

}  // namespace

bool IsAmountNumber(std::string_view s, const MoneyFormat& money) {
  if (s.empty() || !IsDigit(s.front()) || !IsDigit(s.back())) return false;
  const char decimal = money.decimal_separator;
  const char grouping = money.grouping_separator;
  std::size_t group = 0;   // digits since the start or the last grouping mark
  std::size_t groups = 0;  // grouping marks seen
  int frac = -1;           // digits after the decimal mark; -1 before it
  for (char c : s) {
    if (IsDigit(c)) {
      if (frac >= 0) {
        ++frac;
      } else {
        ++group;
      }
    } else if (c == decimal && frac < 0) {
      if (groups > 0 && group != 3) return false;
      frac = 0;
    } else if (grouping != '\0' && c == grouping && frac < 0) {
      if (groups == 0 ? group > 3 : group != 3) return false;
      ++groups;
      group = 0;
    } else {
      return false;
    }
  }
  if (frac >= 0) return frac > 0 && frac <= money.minor_digits;
  return groups == 0 || group == 3;
}

char LetterSkeleton(char c) {
  if (c == '0') return 'O';
  if (c == '1') return 'I';
  return c;
}

void Tokens::Normalise(std::string_view text) {
  // Folding never makes the text longer, so both buffers are sized once and trimmed after.
  norm_.resize(text.size());
  orig_.resize(text.size());
  std::size_t n = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {  // the common case: plain ASCII
      norm_[n] = static_cast<char>((b >= 'a' && b <= 'z') ? b - 'a' + 'A' : b);
      orig_[n++] = static_cast<uint32_t>(i++);
      continue;
    }
    std::size_t len = 1;
    const uint32_t folded = FoldCodePoint(DecodeUtf8(text.substr(i), &len));
    if (folded == kFoldKeep) {
      for (std::size_t k = 0; k < len; ++k) {
        norm_[n] = text[i + k];
        orig_[n++] = static_cast<uint32_t>(i + k);
      }
    } else if (folded != kFoldDrop) {
      norm_[n] = static_cast<char>(folded);
      orig_[n++] = static_cast<uint32_t>(i);
    }
    i += len;
  }
  norm_.resize(n);
  orig_.resize(n);
}

void Tokens::Tokenize(std::string_view text, const MoneyFormat& money) {
  text_size_ = static_cast<uint32_t>(text.size());
  tokens_.clear();
  Normalise(text);
  const std::size_t n = norm_.size();
  bool hard = false;
  std::size_t i = 0;
  while (i < n) {
    const auto c = static_cast<unsigned char>(norm_[i]);
    const bool plus = c == '+' && i + 1 < n && IsDigit(norm_[i + 1]);
    if (!plus && !IsWordChar(c)) {
      hard = hard || IsHardSeparator(c);
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    while (j < n && IsWordChar(static_cast<unsigned char>(norm_[j]))) ++j;
    SplitRaw(i, j, !tokens_.empty() && !hard, money);
    hard = false;
    i = j;
  }
}

void Tokens::FixLookalikes(std::size_t begin, std::size_t end) {
  if (begin >= end) return;
  int digits = 0, lookalikes = 0, others = 0;
  for (std::size_t k = begin; k < end; ++k) {
    const auto c = static_cast<unsigned char>(norm_[k]);
    if (IsDigit(c)) {
      ++digits;
    } else if (IsLookalike(c)) {
      ++lookalikes;
    } else if (!IsMark(c) && !(c == '+' && k == begin)) {
      ++others;
    }
  }
  const std::size_t first = norm_[begin] == '+' ? begin + 1 : begin;
  if (digits == 0 || lookalikes == 0 || others > 0) return;
  if (!((first < end && IsDigit(norm_[first])) || end - begin >= 4)) return;
  for (std::size_t k = begin; k < end; ++k) {
    if (norm_[k] == 'O') norm_[k] = '0';
    if (norm_[k] == 'I' || norm_[k] == 'L') norm_[k] = '1';
  }
}

void Tokens::SplitRaw(std::size_t begin, std::size_t end, bool joined, const MoneyFormat& money) {
  FixLookalikes(begin, end);  // "1,5OO" before deciding where it splits
  std::size_t piece = begin;
  std::size_t k = begin;
  while (k < end) {
    const auto c = static_cast<unsigned char>(norm_[k]);
    if (IsDigit(c)) {
      std::size_t r = k;
      bool marks = false;
      while (r < end && (IsDigit(norm_[r]) || IsMark(norm_[r]))) marks |= IsMark(norm_[r++]);
      while (IsMark(norm_[r - 1])) --r;  // a trailing mark ends a sentence, not a number
      if (marks && !IsAmountNumber(std::string_view(norm_).substr(k, r - k), money)) {
        for (std::size_t m = k; m < r; ++m) {
          if (!IsMark(norm_[m])) continue;
          FixLookalikes(piece, m);
          joined = Emit(piece, m, joined) || joined;
          piece = m + 1;
        }
      }
      k = r;
    } else if (IsMark(c)) {
      FixLookalikes(piece, k);
      joined = Emit(piece, k, joined) || joined;
      piece = ++k;
    } else {
      ++k;
    }
  }
  if (piece != begin) FixLookalikes(piece, end);  // unsplit words were read above
  Emit(piece, end, joined);
}

void Tokens::SplitToken(std::size_t i, std::size_t at) {
  const Token whole = tokens_[i];
  tokens_.erase(tokens_.begin() + static_cast<std::ptrdiff_t>(i));
  const std::size_t count = tokens_.size();
  Emit(whole.norm_begin, whole.norm_begin + at, whole.joined);
  Emit(whole.norm_begin + at, whole.norm_begin + whole.text.size(), true);
  // Emit appends; move the two halves back to where the token was.
  std::rotate(tokens_.begin() + static_cast<std::ptrdiff_t>(i),
              tokens_.begin() + static_cast<std::ptrdiff_t>(count), tokens_.end());
}

bool Tokens::Emit(std::size_t begin, std::size_t end, bool joined) {
  if (begin >= end) return false;
  Token t;
  t.text = std::string_view(norm_).substr(begin, end - begin);
  t.norm_begin = static_cast<uint32_t>(begin);
  t.digits = AllDigits(t.text);
  t.plus_digits = t.text.size() > 1 && t.text[0] == '+' && AllDigits(t.text.substr(1));
  t.joined = joined;
  tokens_.push_back(t);
  return true;
}

}  // namespace smsgw::parser
