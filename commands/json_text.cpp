#include "commands/json_text.h"

#include <limits>
#include <nlohmann/json.hpp>

#include "parser/char_fold.h"
#include "store/crypto.h"

namespace smsgw::commands::json_text {

namespace {

constexpr int kMaxDepth = 32;
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the well-formed UTF-8 sequence (RFC 3629) starting at s[i], or 0.
size_t Utf8Length(std::string_view s, size_t i) {
  if (static_cast<unsigned char>(s[i]) < 0x80) return 1;
  size_t n = 0;
  parser::DecodeUtf8(s.substr(i), &n);  // a malformed sequence decodes as one byte
  return n > 1 ? n : 0;
}

}  // namespace

void AppendString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    // A run of printable ASCII other than the quote and the backslash goes in as it is, in one
    // append: the requests' texts are mostly that, and a character at a time was 2 % of the
    // core thread's instructions per payment.
    size_t plain = i;
    while (plain < s.size()) {
      const auto p = static_cast<unsigned char>(s[plain]);
      if (p < 0x20 || p >= 0x80 || p == '"' || p == '\\') break;
      ++plain;
    }
    if (plain > i) {
      out.append(s.data() + i, plain - i);
      i = plain;
      continue;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else if (const size_t n = Utf8Length(s, i); n == 0) {
          out += kReplacement;
        } else {
          out.append(s.substr(i, n));
          i += n;
          continue;
        }
    }
    ++i;
  }
  out.push_back('"');
}

bool IsUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8Length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void AppendKey(std::string& out, std::string_view key) {
  AppendString(out, key);
  out.push_back(':');
}

namespace {

// Collects nlohmann's SAX events as the reader's tokens. Returning false stops the parse: past
// the nesting bound, or on an error.
class Collector {
 public:
  using Token = Reader::Token;
  explicit Collector(std::vector<Token>& tokens) : tokens_(tokens) {}

  bool null() { return Add(Token::kLiteral); }
  bool boolean(bool) { return Add(Token::kLiteral); }
  bool number_integer(nlohmann::json::number_integer_t v) { return Add(Token::kInt, {}, v); }
  bool number_unsigned(nlohmann::json::number_unsigned_t v) {
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Add(Token::kOtherNumber);
    }
    return Add(Token::kInt, {}, static_cast<int64_t>(v));
  }
  bool number_float(nlohmann::json::number_float_t, const std::string&) {
    return Add(Token::kOtherNumber);
  }
  bool string(std::string& v) { return Add(Token::kString, std::move(v)); }
  bool binary(nlohmann::json::binary_t&) { return false; }  // not in JSON text
  bool start_object(size_t) { return ++depth_ <= kMaxDepth && Add(Token::kObject); }
  bool key(std::string& v) { return Add(Token::kKey, std::move(v)); }
  bool end_object() {
    --depth_;
    return Add(Token::kObjectEnd);
  }
  bool start_array(size_t) { return ++depth_ <= kMaxDepth && Add(Token::kArray); }
  bool end_array() {
    --depth_;
    return Add(Token::kArrayEnd);
  }
  bool parse_error(size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

 private:
  bool Add(Token::Kind kind, std::string text = {}, int64_t number = 0) {
    tokens_.push_back({.kind = kind, .text = std::move(text), .number = number});
    return true;
  }

  std::vector<Token>& tokens_;
  int depth_ = 0;
};

}  // namespace

Reader::Reader(std::string_view text) {
  // nlohmann's lexer ends the input at a NUL byte and skips a leading byte order mark: what
  // follows a NUL would be ignored, and neither is anything the writer makes.
  if (text.find('\0') != std::string_view::npos || text.starts_with("\xEF\xBB\xBF")) {
    ok_ = false;
    return;
  }
  tokens_.reserve(48);
  Collector collector(tokens_);
  // Strict: one value and nothing after it but whitespace. The parser keeps its own stack, so
  // deep nesting costs memory, not the thread's stack; the collector bounds it anyway.
  ok_ = nlohmann::json::sax_parse(text, &collector, nlohmann::json::input_format_t::json,
                                  /*strict=*/true, /*ignore_comments=*/false);
}

Reader::~Reader() {
  for (Token& t : tokens_) store::Wipe(t.text);
}

const Reader::Token* Reader::Next() const {
  return ok_ && at_ < tokens_.size() ? &tokens_[at_] : nullptr;
}

bool Reader::Take(Token::Kind kind) {
  const Token* t = Next();
  if (t == nullptr || t->kind != kind) return Fail();
  ++at_;
  return true;
}

char Reader::Peek() {
  const Token* t = Next();
  if (t == nullptr) return '\0';
  switch (t->kind) {
    case Token::kString:
      return '"';
    case Token::kObject:
      return '{';
    case Token::kArray:
      return '[';
    case Token::kInt:
    case Token::kOtherNumber:
      return '0';
    case Token::kLiteral:
      return 'n';
    default:
      return '\0';  // the end of an object or array, or a key: no value here
  }
}

bool Reader::AtEnd() {
  return ok_ && at_ == tokens_.size();
}

bool Reader::ReadObject(const std::function<bool(const std::string& key)>& member) {
  if (!Take(Token::kObject)) return false;
  for (;;) {
    const Token* t = Next();
    if (t == nullptr) return Fail();
    if (t->kind == Token::kObjectEnd) {
      ++at_;
      return true;
    }
    if (t->kind != Token::kKey) return Fail();
    ++at_;
    if (!member(t->text) || !ok_) return Fail();
  }
}

bool Reader::ReadString(std::string& out) {
  const Token* t = Next();
  if (t == nullptr || t->kind != Token::kString) return Fail();
  out = std::move(tokens_[at_].text);  // once read, a string is not read again
  store::Wipe(tokens_[at_].text);      // what a short string leaves behind when moved
  ++at_;
  return true;
}

bool Reader::ReadInt(int64_t& out) {
  const Token* t = Next();
  if (t == nullptr || t->kind != Token::kInt) return Fail();
  out = t->number;
  ++at_;
  return true;
}

bool Reader::SkipValue() {
  const Token* t = Next();
  if (t == nullptr) return Fail();
  if (t->kind == Token::kObjectEnd || t->kind == Token::kArrayEnd || t->kind == Token::kKey) {
    return Fail();
  }
  // Tokens come from a well-formed text, so an opening token's value ends where the depth
  // returns to zero.
  int depth = 0;
  do {
    switch (tokens_[at_++].kind) {
      case Token::kObject:
      case Token::kArray:
        ++depth;
        break;
      case Token::kObjectEnd:
      case Token::kArrayEnd:
        --depth;
        break;
      default:
        break;
    }
  } while (depth > 0 && at_ < tokens_.size());
  return depth == 0 || Fail();
}

}  // namespace smsgw::commands::json_text
