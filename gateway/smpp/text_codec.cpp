#include "gateway/smpp/text_codec.h"

#include <array>

#include "gateway/smpp/gsm7.h"
#include "gateway/smpp/utf8.h"

namespace smsgw::smpp {
namespace {

std::string Utf16BeToUtf8(std::span<const uint8_t> octets) {
  std::string out;
  out.reserve(octets.size() * 3 / 2);
  const size_t units = octets.size() / 2;
  for (size_t i = 0; i < units; ++i) {
    const char32_t u = static_cast<char32_t>((octets[2 * i] << 8) | octets[2 * i + 1]);
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units) {
      const char32_t lo = static_cast<char32_t>((octets[2 * i + 2] << 8) | octets[2 * i + 3]);
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        AppendUtf8(0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00), &out);
        ++i;
        continue;
      }
    }
    AppendUtf8(u >= 0xD800 && u <= 0xDFFF ? kReplacementChar : u, &out);
  }
  if (octets.size() % 2 != 0) AppendUtf8(kReplacementChar, &out);
  return out;
}

std::string SingleOctetToUtf8(std::span<const uint8_t> octets, bool ascii_only) {
  std::string out;
  out.reserve(octets.size() * 2);
  for (uint8_t b : octets) AppendUtf8(ascii_only && b > 0x7F ? kReplacementChar : b, &out);
  return out;
}

void PutUtf16(char32_t cp, EncodedText* t) {
  const auto offset = static_cast<uint32_t>(t->octets.size());
  auto put = [t](char32_t u) {
    t->octets.push_back(static_cast<uint8_t>(u >> 8));
    t->octets.push_back(static_cast<uint8_t>(u));
  };
  if (cp >= 0x10000) {
    put(0xD800 + ((cp - 0x10000) >> 10));
    put(0xDC00 + ((cp - 0x10000) & 0x3FF));
    t->chars.push_back({offset, 2});
    t->units += 2;
  } else {
    put(cp);
    t->chars.push_back({offset, 1});
    t->units += 1;
  }
}

// What each ASCII character costs in the GSM 7-bit alphabet: 0 septets when it is in neither
// table (the backquote, most control characters), 1 in the default table, 2 in the extension
// table (escape, code).
struct AsciiGsm7 {
  std::array<uint8_t, 128> septets{};
  std::array<uint8_t, 128> code{};
  AsciiGsm7() {
    for (char32_t c = 0; c < 128; ++c) {
      std::vector<uint8_t> octets;
      if (!AppendGsm7(c, &octets)) continue;
      septets[c] = static_cast<uint8_t>(octets.size());
      code[c] = octets.back();
    }
  }
};

const AsciiGsm7& AsciiTable() {
  static const AsciiGsm7 table;
  return table;
}

// Replies are mostly ASCII that the GSM alphabet holds: encoded byte by byte from a table,
// as the general path below would encode them, without going through UTF-32 (that path was
// about 7 % of the SMPP thread's samples under load). False, with `t` untouched, when
// `utf8` holds anything else.
bool EncodeAsciiGsm7(std::string_view utf8, Dcs0Charset dcs0, EncodedText* t) {
  if (dcs0 == Dcs0Charset::kUcs2) return false;
  const AsciiGsm7& table = AsciiTable();
  size_t octets = 0;
  for (char c : utf8) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x80 || table.septets[b] == 0) return false;
    octets += dcs0 == Dcs0Charset::kLatin1 ? 1 : table.septets[b];
  }
  t->data_coding = kDcsDefault;
  t->octets.reserve(octets);
  t->chars.reserve(utf8.size());
  for (char c : utf8) {
    const auto b = static_cast<unsigned char>(c);
    const auto offset = static_cast<uint32_t>(t->octets.size());
    const uint8_t septets = table.septets[b];
    if (dcs0 == Dcs0Charset::kLatin1) {
      t->octets.push_back(b);
    } else {
      if (septets == 2) t->octets.push_back(kGsm7Escape);
      t->octets.push_back(table.code[b]);
    }
    t->chars.push_back({offset, septets});
    t->units += septets;
  }
  return true;
}

bool SevenBitFits(const std::u32string& cps, Dcs0Charset dcs0) {
  if (dcs0 == Dcs0Charset::kUcs2) return false;
  for (char32_t cp : cps) {
    if (Gsm7Septets(cp) == 0) return false;
    if (dcs0 == Dcs0Charset::kLatin1 && cp > 0xFF) return false;
  }
  return true;
}

}  // namespace

Alphabet AlphabetOf(uint8_t dcs, const TextOptions& options) {
  if (dcs == kDcsDefault) {
    switch (options.dcs0) {
      case Dcs0Charset::kGsm7:
        return Alphabet::kGsm7;
      case Dcs0Charset::kLatin1:
        return Alphabet::kLatin1;
      case Dcs0Charset::kUcs2:
        return Alphabet::kUcs2;
    }
  }
  if (dcs == 0x01) return Alphabet::kAscii;
  if (dcs == kDcsLatin1) return Alphabet::kLatin1;
  if (dcs == kDcsUcs2) return Alphabet::kUcs2;
  if (dcs == 0x02 || dcs == 0x04) return Alphabet::kBinary;
  // General coding group (0x10-0x3F past SMPP's own values) and automatic deletion group.
  if ((dcs >= 0x10 && dcs <= 0x3F) || (dcs & 0xC0) == 0x40) {
    if (dcs & 0x20) return Alphabet::kUnsupported;  // compressed
    switch ((dcs >> 2) & 0x03) {
      case 0:
        return Alphabet::kGsm7;
      case 1:
        return Alphabet::kBinary;
      case 2:
        return Alphabet::kUcs2;
      default:
        return Alphabet::kUnsupported;
    }
  }
  if (dcs >= 0xF0) return (dcs & 0x04) ? Alphabet::kBinary : Alphabet::kGsm7;
  if (dcs >= 0xC0) return dcs >= 0xE0 ? Alphabet::kUcs2 : Alphabet::kGsm7;  // message waiting
  return Alphabet::kUnsupported;
}

Result<std::string> DecodeText(uint8_t data_coding, std::span<const uint8_t> octets,
                               const TextOptions& options) {
  switch (AlphabetOf(data_coding, options)) {
    case Alphabet::kGsm7:
      return Gsm7ToUtf8(octets);
    case Alphabet::kAscii:
      return SingleOctetToUtf8(octets, true);
    case Alphabet::kLatin1:
      return SingleOctetToUtf8(octets, false);
    case Alphabet::kUcs2:
      return Utf16BeToUtf8(octets);
    case Alphabet::kBinary:
      return Status::InvalidArgument("binary data_coding " + std::to_string(data_coding));
    case Alphabet::kUnsupported:
      break;
  }
  return Status::InvalidArgument("unsupported data_coding " + std::to_string(data_coding));
}

Result<EncodedText> EncodeText(std::string_view utf8, const TextOptions& options) {
  if (EncodedText ascii; EncodeAsciiGsm7(utf8, options.dcs0, &ascii)) return ascii;
  std::u32string cps;
  if (!DecodeUtf8(utf8, &cps)) return Status::InvalidArgument("text is not valid UTF-8");
  EncodedText t;
  t.chars.reserve(cps.size());
  if (SevenBitFits(cps, options.dcs0)) {
    t.data_coding = kDcsDefault;
    for (char32_t cp : cps) {
      const auto offset = static_cast<uint32_t>(t.octets.size());
      const int septets = Gsm7Septets(cp);
      if (options.dcs0 == Dcs0Charset::kLatin1) {
        t.octets.push_back(static_cast<uint8_t>(cp));
      } else {
        AppendGsm7(cp, &t.octets);
      }
      t.chars.push_back({offset, static_cast<uint8_t>(septets)});
      t.units += septets;
    }
    return t;
  }
  t.data_coding = kDcsUcs2;
  for (char32_t cp : cps) PutUtf16(cp, &t);
  return t;
}

}  // namespace smsgw::smpp
