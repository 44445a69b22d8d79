// The JSON of the engine's stored requests (request.cpp): objects whose values are strings,
// integers or such objects again. Written as nlohmann::json's dump() writes it, byte for byte
// when the caller gives the keys in sorted order, so the payloads stored before stay what the
// same request makes now (tests compare the two over random requests); read with
// nlohmann::json's own parser, through its SAX interface, rejecting what that writer would
// not have written except for unknown members, which are skipped.
//
// Why not a nlohmann::json document: a payload is encoded once and decoded twice for each
// forwarded MO, on the daemon's core thread, and the DOM of maps and variants cost 7-8 us
// each way, about a tenth of that thread's time per MO. Writing goes into one string (1 us);
// reading takes the parser's events as a flat list of tokens (about 3 us).
//
// Secrets go through here too (EncodeSecrets): the reader wipes the strings it holds. The
// library's lexer builds each string in buffers of its own, which are freed unwiped.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace smsgw::commands::json_text {

// Appends `s` as a JSON string: quoted; `"` and `\` escaped, control characters as \b \t \n
// \f \r or \u00XX; other bytes as they are, except that bytes which are not UTF-8 each become
// U+FFFD (nlohmann's dump() would throw there).
void AppendString(std::string& out, std::string_view s);

// Whether AppendString writes every byte of `s` as it is (escaped or not): `s` is UTF-8.
bool IsUtf8(std::string_view s);

// Appends `"key":` with the key escaped as above.
void AppendKey(std::string& out, std::string_view key);

// A reader over one JSON text, parsed whole when constructed: a text that is not JSON (or
// nests objects and arrays deeper than 32) fails every call. Each call consumes what it names
// or fails; after a failure every call fails. AtEnd() says whether the whole text was read.
class Reader {
 public:
  explicit Reader(std::string_view text);
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // The object's members in document order: `member(key)` must consume the value (with the
  // readers below, or SkipValue) and return false to fail the whole read.
  bool ReadObject(const std::function<bool(const std::string& key)>& member);

  // The next value, of that type. An integer has no fraction or exponent and fits in int64;
  // a string is UTF-8 with its escapes resolved (a lone surrogate is refused).
  bool ReadString(std::string& out);
  bool ReadInt(int64_t& out);

  // What the next value is, without consuming it: '"' string, '{' object, '[' array, '0' a
  // number, 'n' true, false or null; 0 where no value is next.
  char Peek();

  // Consumes any JSON value (members of no interest).
  bool SkipValue();

  // Whether everything was read, and nothing failed.
  bool AtEnd();
  bool ok() const { return ok_; }

  struct Token {
    enum Kind {
      kObject,
      kObjectEnd,
      kArray,
      kArrayEnd,
      kKey,
      kString,
      kInt,
      kOtherNumber,
      kLiteral
    };
    Kind kind = kLiteral;
    std::string text;    // kKey, kString
    int64_t number = 0;  // kInt
  };

 private:
  const Token* Next() const;
  bool Take(Token::Kind kind);
  bool Fail() { return ok_ = false; }

  std::vector<Token> tokens_;
  size_t at_ = 0;
  bool ok_ = true;
};

}  // namespace smsgw::commands::json_text
