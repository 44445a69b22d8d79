#include "parser/char_fold.h"

namespace smsgw::parser {
namespace {

// U+00C0..U+00FF: Latin-1 letters without their accents ('\0': no plain equivalent).
constexpr char kLatin1[64] = {
    'A', 'A', 'A', 'A', 'A', 'A', 0,   'C', 'E', 'E', 'E', 'E', 'I', 'I', 'I', 'I',  // C0
    'D', 'N', 'O', 'O', 'O', 'O', 'O', 0,   'O', 'U', 'U', 'U', 'U', 'Y', 0,   0,    // D0
    'A', 'A', 'A', 'A', 'A', 'A', 0,   'C', 'E', 'E', 'E', 'E', 'I', 'I', 'I', 'I',  // E0
    0,   'N', 'O', 'O', 'O', 'O', 'O', 0,   'O', 'U', 'U', 'U', 'U', 'Y', 0,   'Y',  // F0
};

// Greek capitals U+0391..U+03A9 that look like Latin capitals.
constexpr char kGreek[25] = {
    'A', 'B', 0, 0,   'E', 'Z', 'H', 0,   'I', 'K', 0, 'M', 'N',  // 0391..039D
    0,   'O', 0, 'P', 0,   0,   'T', 'Y', 0,   'X', 0, 0,         // 039E..03A9 (03A2 unused)
};

// Cyrillic capitals U+0410..U+042F that look like Latin capitals; lower case U+0430..U+044F
// maps through the same table.
constexpr char kCyrillic[32] = {
    'A', 0,   'B', 0,   0, 'E', 0, 0, 0, 0, 'K', 0, 'M', 'H', 'O', 0,  // 0410..041F
    'P', 'C', 'T', 'Y', 0, 'X', 0, 0, 0, 0, 0,   0, 0,   0,   0,   0,  // 0420..042F
};

uint32_t Mapped(char c) {
  return c == 0 ? kFoldKeep : static_cast<uint32_t>(c);
}

uint32_t DigitOf(uint32_t cp, uint32_t zero) {
  return '0' + (cp - zero);
}

}  // namespace

uint32_t FoldCodePoint(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') ? cp - 'a' + 'A' : cp;
  if (cp == 0xD7 || cp == 0xF7) return ' ';  // multiplication and division signs
  if (cp >= 0xC0 && cp <= 0xFF) return Mapped(kLatin1[cp - 0xC0]);
  if (cp >= 0xFF01 && cp <= 0xFF5E) return FoldCodePoint(cp - 0xFEE0);  // full-width ASCII
  if (cp >= 0x0660 && cp <= 0x0669) return DigitOf(cp, 0x0660);         // Arabic-Indic
  if (cp >= 0x06F0 && cp <= 0x06F9) return DigitOf(cp, 0x06F0);         // Eastern Arabic-Indic
  if (cp >= 0x0966 && cp <= 0x096F) return DigitOf(cp, 0x0966);         // Devanagari
  if (cp >= 0x09E6 && cp <= 0x09EF) return DigitOf(cp, 0x09E6);         // Bengali
  if (cp >= 0x0391 && cp <= 0x03A9) return Mapped(kGreek[cp - 0x0391]);
  if (cp == 0x03BF) return 'O';  // Greek small omicron
  if (cp >= 0x0410 && cp <= 0x042F) return Mapped(kCyrillic[cp - 0x0410]);
  if (cp >= 0x0430 && cp <= 0x044F) return Mapped(kCyrillic[cp - 0x0430]);
  switch (cp) {
    case 0x00A0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
    case 0x200B:  // zero-width space: invisible, but it separates words
      return ' ';
    case 0x00AD:
    case 0x200C:
    case 0x200D:
    case 0x2060:
    case 0xFEFF:
      return kFoldDrop;
    case 0x2010:
    case 0x2011:
    case 0x2012:
    case 0x2013:
    case 0x2014:
    case 0x2015:
    case 0x2212:
      return '-';
    case 0x066B:
      return '.';  // Arabic decimal separator
    case 0x066C:
    case 0x060C:
    case 0x3001:
      return ',';
    case 0x3002:
      return '.';
    case 0x0405:
      return 'S';
    case 0x0406:
    case 0x0456:
      return 'I';
    case 0x0408:
    case 0x0458:
      return 'J';
    case 0x0455:
      return 'S';
    default:
      break;
  }
  if (cp >= 0x2018 && cp <= 0x201F) return '\'';
  if (cp >= 0xFE00 && cp <= 0xFE0F) return kFoldDrop;  // variation selectors
  // Punctuation and symbol blocks (Latin-1 symbols, general punctuation, arrows, maths, box
  // drawing, emoji), private use and undecodable bytes separate words like a space.
  if (cp < 0xC0 || (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0xE000 && cp <= 0xF8FF) ||
      (cp >= 0x1F000 && cp <= 0x1FAFF) || cp == 0xFFFD) {
    return ' ';
  }
  return kFoldKeep;
}

uint32_t DecodeUtf8(std::string_view s, std::size_t* length) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  *length = 1;
  if (b0 < 0x80) return b0;
  int extra;
  uint32_t cp;
  uint32_t min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    extra = 1, cp = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    extra = 2, cp = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    extra = 3, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0xFFFD;
  }
  if (s.size() <= static_cast<std::size_t>(extra)) return 0xFFFD;
  for (int i = 1; i <= extra; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0xFFFD;
  *length = static_cast<std::size_t>(extra) + 1;
  return cp;
}

}  // namespace smsgw::parser
