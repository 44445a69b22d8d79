// Message text between the SMPP wire (data_coding + octets) and UTF-8.
//
// data_coding values read (SMPP 3.4 5.2.19, plus GSM TP-DCS groups that SMSCs pass through):
//   0        SMSC default alphabet: GSM 03.38 unless the connection says otherwise
//   1        IA5 / ASCII
//   3        ISO-8859-1
//   8        UCS-2, read as UTF-16BE so surrogate pairs (emoji) survive
//   0x10-0x3F general coding group, 0x40-0x7F automatic deletion group: bits 3-2 = 00 GSM
//            7-bit, 01 8-bit data, 10 UCS-2 (compressed: unsupported)
//   0xC0-0xDF message waiting, GSM 7-bit; 0xE0-0xEF message waiting, UCS-2
//   0xF0-0xFF data coding / message class: bit 2 = 0 GSM 7-bit, 1 8-bit data
// 2, 4 and the 8-bit groups are binary, the rest (JIS, Cyrillic, Hebrew, ...) unsupported.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "conf/status.h"

namespace smsgw::smpp {

// What an SMSC means by data_coding 0. Some send Latin-1 or UCS-2 under DCS 0; a connection
// can say so.
enum class Dcs0Charset { kGsm7, kLatin1, kUcs2 };

struct TextOptions {
  Dcs0Charset dcs0 = Dcs0Charset::kGsm7;
};

enum class Alphabet { kGsm7, kAscii, kLatin1, kUcs2, kBinary, kUnsupported };

Alphabet AlphabetOf(uint8_t data_coding, const TextOptions& options);

inline constexpr uint8_t kDcsDefault = 0x00;
inline constexpr uint8_t kDcsLatin1 = 0x03;
inline constexpr uint8_t kDcsUcs2 = 0x08;

// The text as UTF-8. Octets that are not valid in their alphabet (an ASCII octet above 0x7F, a
// lone surrogate, an odd trailing octet in UCS-2) become U+FFFD rather than failing: the
// message is still stored and answered. InvalidArgument for binary and unsupported codings.
Result<std::string> DecodeText(uint8_t data_coding, std::span<const uint8_t> octets,
                               const TextOptions& options = {});

// Text ready for submit_sm: GSM 7-bit (data_coding 0) when every character is in the GSM
// default or extension table, otherwise UTF-16BE (data_coding 8). With dcs0 = kLatin1 the
// 7-bit form is written as Latin-1 octets under data_coding 0 (and needs every character in
// both tables); with dcs0 = kUcs2 it is never used.
struct EncodedText {
  uint8_t data_coding = kDcsDefault;
  std::vector<uint8_t> octets;
  // Per character: where its octets start and how many units it costs (GSM septets: 1 or 2;
  // UTF-16 units: 1 or 2). Segmenting cuts only between characters.
  struct Char {
    uint32_t offset;
    uint8_t units;
  };
  std::vector<Char> chars;
  size_t units = 0;  // total septets or UTF-16 units
};

// InvalidArgument when `utf8` is not valid UTF-8.
Result<EncodedText> EncodeText(std::string_view utf8, const TextOptions& options = {});

}  // namespace smsgw::smpp
