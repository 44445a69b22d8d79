#include "gateway/smpp/gsm7.h"

#include <array>
#include <optional>

#include "gateway/smpp/utf8.h"

namespace smsgw::smpp {
namespace {

// 23.038 6.2.1. 0x1B is the escape to the extension table (shown here as NBSP, never used).
constexpr std::array<char32_t, 128> kDefault = {
    U'@', U'£', U'$', U'¥', U'è', U'é', U'ù', U'ì', U'ò', U'Ç',  U'\n', U'Ø', U'ø',    U'\r', U'Å',
    U'å', U'Δ', U'_', U'Φ', U'Γ', U'Λ', U'Ω', U'Π', U'Ψ', U'Σ',  U'Θ',  U'Ξ', U'\xA0', U'Æ',  U'æ',
    U'ß', U'É', U' ', U'!', U'"', U'#', U'¤', U'%', U'&', U'\'', U'(',  U')', U'*',    U'+',  U',',
    U'-', U'.', U'/', U'0', U'1', U'2', U'3', U'4', U'5', U'6',  U'7',  U'8', U'9',    U':',  U';',
    U'<', U'=', U'>', U'?', U'¡', U'A', U'B', U'C', U'D', U'E',  U'F',  U'G', U'H',    U'I',  U'J',
    U'K', U'L', U'M', U'N', U'O', U'P', U'Q', U'R', U'S', U'T',  U'U',  U'V', U'W',    U'X',  U'Y',
    U'Z', U'Ä', U'Ö', U'Ñ', U'Ü', U'§', U'¿', U'a', U'b', U'c',  U'd',  U'e', U'f',    U'g',  U'h',
    U'i', U'j', U'k', U'l', U'm', U'n', U'o', U'p', U'q', U'r',  U's',  U't', U'u',    U'v',  U'w',
    U'x', U'y', U'z', U'ä', U'ö', U'ñ', U'ü', U'à',
};

// 23.038 6.2.1.1: the extension table's defined codes.
struct Extension {
  uint8_t code;
  char32_t cp;
};
constexpr Extension kExtension[] = {
    {0x0A, U'\f'}, {0x14, U'^'}, {0x28, U'{'}, {0x29, U'}'}, {0x2F, U'\\'},
    {0x3C, U'['},  {0x3D, U'~'}, {0x3E, U']'}, {0x40, U'|'}, {0x65, U'€'},
};

std::optional<char32_t> FromExtension(uint8_t code) {
  for (const Extension& e : kExtension) {
    if (e.code == code) return e.cp;
  }
  return std::nullopt;
}

// Code points below this (Latin-1 and Greek) are looked up in a table; the rest scanned.
constexpr char32_t kTableLimit = 0x400;

struct ReverseTable {
  std::array<int16_t, kTableLimit> default_code;
  std::array<int16_t, kTableLimit> extension_code;
  ReverseTable() {
    default_code.fill(-1);
    extension_code.fill(-1);
    for (int i = 0; i < 128; ++i) {
      if (i != kGsm7Escape && kDefault[i] < kTableLimit) {
        default_code[kDefault[i]] = static_cast<int16_t>(i);
      }
    }
    for (const Extension& e : kExtension) {
      if (e.cp < kTableLimit) extension_code[e.cp] = e.code;
    }
  }
};

const ReverseTable& Reverse() {
  static const ReverseTable table;
  return table;
}

// Default-table code of `cp`, or -1.
int DefaultCode(char32_t cp) {
  return cp < kTableLimit ? Reverse().default_code[cp] : -1;
}

int ExtensionCode(char32_t cp) {
  if (cp < kTableLimit) return Reverse().extension_code[cp];
  for (const Extension& e : kExtension) {
    if (e.cp == cp) return e.code;
  }
  return -1;
}

}  // namespace

std::string Gsm7ToUtf8(std::span<const uint8_t> septets) {
  std::string out;
  out.reserve(septets.size());
  for (size_t i = 0; i < septets.size(); ++i) {
    const uint8_t s = septets[i];
    if (s > 0x7F) {
      AppendUtf8(kReplacementChar, &out);
    } else if (s != kGsm7Escape) {
      AppendUtf8(kDefault[s], &out);
    } else if (i + 1 == septets.size()) {
      out.push_back(' ');
    } else {
      const uint8_t next = septets[++i];
      if (next > 0x7F) {
        AppendUtf8(kReplacementChar, &out);
      } else if (auto ext = FromExtension(next)) {
        AppendUtf8(*ext, &out);
      } else {
        AppendUtf8(next == kGsm7Escape ? U' ' : kDefault[next], &out);
      }
    }
  }
  return out;
}

int Gsm7Septets(char32_t cp) {
  if (DefaultCode(cp) >= 0) return 1;
  if (ExtensionCode(cp) >= 0) return 2;
  return 0;
}

bool AppendGsm7(char32_t cp, std::vector<uint8_t>* out) {
  if (int code = DefaultCode(cp); code >= 0) {
    out->push_back(static_cast<uint8_t>(code));
    return true;
  }
  if (int code = ExtensionCode(cp); code >= 0) {
    out->push_back(kGsm7Escape);
    out->push_back(static_cast<uint8_t>(code));
    return true;
  }
  return false;
}

}  // namespace smsgw::smpp
