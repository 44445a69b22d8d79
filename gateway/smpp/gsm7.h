// The GSM 03.38 (3GPP TS 23.038) default alphabet and its extension table, as SMPP carries it:
// unpacked, one septet per octet. The SMSC packs septets for the air interface.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace smsgw::smpp {

inline constexpr uint8_t kGsm7Escape = 0x1B;

// Septets -> UTF-8. An escape followed by a code the extension table does not define gives the
// default-table character (as 23.038 asks), an escape at the end a space; octets above 0x7F
// (not septets) give U+FFFD.
std::string Gsm7ToUtf8(std::span<const uint8_t> septets);

// Septets needed for `cp`: 1 (default table), 2 (escape + extension table) or 0 (not
// representable).
int Gsm7Septets(char32_t cp);

// Appends the septets of `cp` (Gsm7Septets(cp) of them); false and nothing appended when it
// is not representable.
bool AppendGsm7(char32_t cp, std::vector<uint8_t>* out);

}  // namespace smsgw::smpp
