// User Data Header (3GPP TS 23.040 9.2.3.24) as carried at the start of short_message or
// message_payload when esm_class has UDHI: only what concatenation needs.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace smsgw::smpp {

// Where a part's concatenation data came from. Part of the reassembly key: reference 7 in an
// 8-bit IE and reference 7 in a 16-bit IE are different messages.
enum class ConcatScheme : uint8_t { kUdh8, kUdh16, kSar };

struct ConcatInfo {
  ConcatScheme scheme = ConcatScheme::kUdh8;
  uint16_t reference = 0;
  uint8_t total = 0;   // >= 1
  uint8_t seqnum = 0;  // 1..total
  friend bool operator==(const ConcatInfo&, const ConcatInfo&) = default;
};

struct Udh {
  size_t length = 0;  // octets of the header, UDHL octet included: the text starts here
  std::optional<ConcatInfo> concat;
};

// The UDH at the start of `user_data`; nullopt when it is malformed (empty data, UDHL beyond
// the data, an information element running past UDHL). A concatenation IE with total 0,
// seqnum 0 or seqnum > total is ignored, as 23.040 asks; when repeated, the last one counts.
std::optional<Udh> ParseUdh(std::span<const uint8_t> user_data);

inline constexpr size_t kConcatUdh8Size = 6;

// 05 00 03 ref total seq: the 6-octet UDH with an 8-bit concatenation reference.
std::array<uint8_t, kConcatUdh8Size> ConcatUdh8(uint8_t reference, uint8_t total, uint8_t seqnum);

}  // namespace smsgw::smpp
