// UTF-8 <-> code points, strict: the gateway's text is UTF-8 everywhere outside the SMPP wire.
#pragma once

#include <string>
#include <string_view>

namespace smsgw::smpp {

inline constexpr char32_t kReplacementChar = 0xFFFD;

// Code points of `s`; false (and `out` unspecified) on any invalid sequence: overlong forms,
// surrogates, values above U+10FFFF, truncated sequences.
bool DecodeUtf8(std::string_view s, std::u32string* out);

// Appends the UTF-8 form of `cp`; surrogates and values above U+10FFFF become U+FFFD.
void AppendUtf8(char32_t cp, std::string* out);

}  // namespace smsgw::smpp
