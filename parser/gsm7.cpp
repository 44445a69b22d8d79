#include "parser/gsm7.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "parser/char_fold.h"

namespace smsgw::parser {
namespace {

// Characters of the basic table above U+007F, and the ASCII characters missing from it.
constexpr std::array<uint16_t, 38> kBasicNonAscii = {
    0x00A3, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, 0x00F2, 0x00C7, 0x00D8, 0x00F8,
    0x00C5, 0x00E5, 0x0394, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, 0x03A3,
    0x0398, 0x039E, 0x00C6, 0x00E6, 0x00DF, 0x00C9, 0x00A4, 0x00A1, 0x00C4, 0x00D6,
    0x00D1, 0x00DC, 0x00A7, 0x00BF, 0x00E4, 0x00F6, 0x00F1, 0x00FC};
constexpr uint16_t kAGrave = 0x00E0;

bool InExtension(uint32_t cp) {
  switch (cp) {
    case '^':
    case '{':
    case '}':
    case '\\':
    case '[':
    case ']':
    case '~':
    case '|':
    case 0x000C:
    case 0x20AC:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::optional<std::size_t> Gsm7Length(std::string_view utf8) {
  std::size_t septets = 0;
  std::size_t i = 0;
  while (i < utf8.size()) {
    std::size_t len = 1;
    const uint32_t cp = DecodeUtf8(utf8.substr(i), &len);
    i += len;
    if (InExtension(cp)) {
      septets += 2;
    } else if ((cp >= 0x20 && cp < 0x7F && cp != '`') || cp == '\n' || cp == '\r' ||
               cp == kAGrave ||
               std::find(kBasicNonAscii.begin(), kBasicNonAscii.end(), cp) !=
                   kBasicNonAscii.end()) {
      septets += 1;
    } else {
      return std::nullopt;
    }
  }
  return septets;
}

}  // namespace smsgw::parser
