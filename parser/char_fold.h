// Folding one Unicode code point to what the matcher compares: subscribers' phones send
// full-width and Arabic-Indic digits, accented and Greek/Cyrillic look-alike capitals (some
// SMSCs map Latin capitals onto the Greek letters of GSM 03.38), typographic dashes and
// unusual spaces. Pure table lookups, no locale.
#pragma once

#include <cstdint>
#include <string_view>

namespace smsgw::parser {

// What a code point becomes.
inline constexpr uint32_t kFoldDrop = 0xFFFFFFFFu;  // invisible (zero-width, soft hyphen): drop it
inline constexpr uint32_t kFoldKeep = 0xFFFFFFFEu;  // no ASCII equivalent: keep its bytes

// ASCII letters come back upper case; digits of other scripts as '0'..'9'; spaces as ' ';
// dashes as '-'; Arabic decimal and thousands separators as '.' and ','; symbols, emoji and
// undecodable bytes as ' '. Other code points below 0x80 come back unchanged; letters of other
// scripts are kept.
uint32_t FoldCodePoint(uint32_t cp);

// Decodes one UTF-8 sequence at the start of `s` (non-empty). Invalid or truncated sequences
// decode as U+FFFD of length 1, so any byte string can be scanned.
uint32_t DecodeUtf8(std::string_view s, std::size_t* length);

}  // namespace smsgw::parser
