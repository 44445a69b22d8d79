// The JSON of the engine's stored requests (request.cpp): objects whose values are strings,
// integers or such objects again. Written as nlohmann::json's dump() writes it, byte for byte
// when the caller gives the keys in sorted order, so the payloads stored before stay what the
// same request makes now; read strictly, rejecting what that writer would not have written
// except for unknown members, which are skipped.
//
// Why not nlohmann::json: a payload is encoded once and decoded twice for each forwarded MO,
// on the daemon's core thread, and the DOM of maps and variants cost 7-8 us each way, about a
// tenth of that thread's time per MO. This writes into one string and reads without a tree.
//
// Secrets go through here too (EncodeSecrets): nothing is copied anywhere but into the
// caller's strings, which the caller wipes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace smsgw::commands::json_text {

// Appends `s` as a JSON string: quoted; `"` and `\` escaped, control characters as \b \t \n
// \f \r or \u00XX; other bytes as they are, except that bytes which are not UTF-8 each become
// U+FFFD (nlohmann's dump() would throw there).
void AppendString(std::string& out, std::string_view s);

// Appends `"key":` with the key escaped as above.
void AppendKey(std::string& out, std::string_view key);

// A reader over one JSON text. Each call consumes what it names or fails; after a failure
// every call fails. ok() at the end, and at_end(), say whether the whole text was read.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  // The object's members in document order: `member(key)` must consume the value (with the
  // readers below, or SkipValue) and return false to fail the whole read.
  bool ReadObject(const std::function<bool(const std::string& key)>& member);

  // The next value, of that type. An integer has no fraction or exponent and fits in int64;
  // a string is UTF-8 with its escapes resolved (a lone surrogate is refused).
  bool ReadString(std::string& out);
  bool ReadInt(int64_t& out);

  // What the next value is, without consuming it: '"' string, '{' object, '[' array, '-' or
  // a digit for a number, 't' 'f' 'n' for the literals; 0 at the end of the text.
  char Peek();

  // Consumes any JSON value (members of no interest).
  bool SkipValue();

  // Whether only whitespace is left, and nothing failed.
  bool AtEnd();
  bool ok() const { return ok_; }

 private:
  void SkipSpace();
  bool Fail() { return ok_ = false; }
  bool Expect(char c);
  bool ReadHex4(uint32_t& out);
  bool SkipNumber();

  std::string_view text_;
  size_t at_ = 0;
  bool ok_ = true;
  int depth_ = 0;  // of objects and arrays, bounded so a hostile text cannot exhaust the stack
};

}  // namespace smsgw::commands::json_text
