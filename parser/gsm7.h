// GSM 03.38 default alphabet: whether a reply fits one SMS (160 septets) without falling back
// to UCS-2 (70 characters).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace smsgw::parser {

inline constexpr std::size_t kSmsSeptets = 160;

// Septets `utf8` takes in the GSM 7-bit default alphabet (characters of the extension table,
// such as '{' and the euro sign, take two). nullopt when a character is not in the alphabet.
std::optional<std::size_t> Gsm7Length(std::string_view utf8);

}  // namespace smsgw::parser
