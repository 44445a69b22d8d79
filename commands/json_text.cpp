#include "commands/json_text.h"

#include <limits>

#include "parser/char_fold.h"

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

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

void AppendString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
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
        } else if (c < 0x80) {
          out.push_back(static_cast<char>(c));
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

void AppendKey(std::string& out, std::string_view key) {
  AppendString(out, key);
  out.push_back(':');
}

void Reader::SkipSpace() {
  while (at_ < text_.size() &&
         (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r')) {
    ++at_;
  }
}

bool Reader::Expect(char c) {
  if (!ok_ || at_ >= text_.size() || text_[at_] != c) return Fail();
  ++at_;
  return true;
}

char Reader::Peek() {
  SkipSpace();
  return ok_ && at_ < text_.size() ? text_[at_] : '\0';
}

bool Reader::AtEnd() {
  SkipSpace();
  return ok_ && at_ == text_.size();
}

bool Reader::ReadObject(const std::function<bool(const std::string& key)>& member) {
  SkipSpace();
  if (!Expect('{')) return false;
  if (++depth_ > kMaxDepth) return Fail();
  SkipSpace();
  if (at_ < text_.size() && text_[at_] == '}') {
    ++at_;
    --depth_;
    return true;
  }
  for (;;) {
    std::string key;
    if (!ReadString(key)) return false;
    SkipSpace();
    if (!Expect(':')) return false;
    if (!member(key) || !ok_) return Fail();
    SkipSpace();
    if (at_ < text_.size() && text_[at_] == ',') {
      ++at_;
      continue;
    }
    if (!Expect('}')) return false;
    --depth_;
    return true;
  }
}

bool Reader::ReadHex4(uint32_t& out) {
  if (text_.size() - at_ < 4) return Fail();
  out = 0;
  for (int k = 0; k < 4; ++k) {
    const char c = text_[at_++];
    out <<= 4;
    if (IsDigit(c)) {
      out |= static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      out |= static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      out |= static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return Fail();
    }
  }
  return true;
}

bool Reader::ReadString(std::string& out) {
  SkipSpace();
  if (!Expect('"')) return false;
  // Room for the whole string first: a secret read here is never left behind in a buffer
  // the string grew out of.
  size_t end = at_;
  while (end < text_.size() && text_[end] != '"') end += text_[end] == '\\' ? 2 : 1;
  out.clear();
  out.reserve(end - at_);
  while (at_ < text_.size()) {
    const auto c = static_cast<unsigned char>(text_[at_]);
    if (c == '"') {
      ++at_;
      return true;
    }
    if (c < 0x20) return Fail();
    if (c >= 0x80) {
      const size_t n = Utf8Length(text_, at_);
      if (n == 0) return Fail();
      out.append(text_.substr(at_, n));
      at_ += n;
      continue;
    }
    ++at_;
    if (c != '\\') {
      out.push_back(static_cast<char>(c));
      continue;
    }
    if (at_ >= text_.size()) return Fail();
    const char e = text_[at_++];
    switch (e) {
      case '"':
      case '\\':
      case '/':
        out.push_back(e);
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'u': {
        uint32_t cp = 0;
        if (!ReadHex4(cp)) return false;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return Fail();  // a low surrogate first
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t low = 0;
          if (text_.substr(at_, 2) != "\\u") return Fail();
          at_ += 2;
          if (!ReadHex4(low)) return false;
          if (low < 0xDC00 || low > 0xDFFF) return Fail();
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        AppendUtf8(out, cp);
        break;
      }
      default:
        return Fail();
    }
  }
  return Fail();  // no closing quote
}

bool Reader::ReadInt(int64_t& out) {
  SkipSpace();
  if (!ok_) return false;
  const bool negative = at_ < text_.size() && text_[at_] == '-';
  if (negative) ++at_;
  if (at_ >= text_.size() || !IsDigit(text_[at_])) return Fail();
  if (text_[at_] == '0' && at_ + 1 < text_.size() && IsDigit(text_[at_ + 1])) return Fail();
  // Accumulated negatively, so the most negative int64 fits.
  int64_t value = 0;
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  while (at_ < text_.size() && IsDigit(text_[at_])) {
    const int digit = text_[at_++] - '0';
    if (value < (kMin + digit) / 10) return Fail();
    value = value * 10 - digit;
  }
  if (at_ < text_.size() && (text_[at_] == '.' || text_[at_] == 'e' || text_[at_] == 'E')) {
    return Fail();
  }
  if (!negative) {
    if (value == kMin) return Fail();
    value = -value;
  }
  out = value;
  return true;
}

bool Reader::SkipNumber() {
  if (at_ < text_.size() && text_[at_] == '-') ++at_;
  if (at_ >= text_.size() || !IsDigit(text_[at_])) return Fail();
  if (text_[at_] == '0') {
    ++at_;
  } else {
    while (at_ < text_.size() && IsDigit(text_[at_])) ++at_;
  }
  if (at_ < text_.size() && text_[at_] == '.') {
    ++at_;
    if (at_ >= text_.size() || !IsDigit(text_[at_])) return Fail();
    while (at_ < text_.size() && IsDigit(text_[at_])) ++at_;
  }
  if (at_ < text_.size() && (text_[at_] == 'e' || text_[at_] == 'E')) {
    ++at_;
    if (at_ < text_.size() && (text_[at_] == '+' || text_[at_] == '-')) ++at_;
    if (at_ >= text_.size() || !IsDigit(text_[at_])) return Fail();
    while (at_ < text_.size() && IsDigit(text_[at_])) ++at_;
  }
  return true;
}

bool Reader::SkipValue() {
  const char c = Peek();
  if (c == '"') {
    std::string ignored;
    return ReadString(ignored);
  }
  if (c == '{') return ReadObject([this](const std::string&) { return SkipValue(); });
  if (c == '[') {
    ++at_;
    if (++depth_ > kMaxDepth) return Fail();
    if (Peek() == ']') {
      ++at_;
      --depth_;
      return true;
    }
    for (;;) {
      if (!SkipValue()) return false;
      const char next = Peek();
      if (next != ']' && next != ',') return Fail();
      ++at_;
      if (next == ']') break;
    }
    --depth_;
    return true;
  }
  if (c == '-' || IsDigit(c)) return SkipNumber();
  for (std::string_view literal : {"true", "false", "null"}) {
    if (text_.substr(at_, literal.size()) == literal) {
      at_ += literal.size();
      return true;
    }
  }
  return Fail();
}

}  // namespace smsgw::commands::json_text
