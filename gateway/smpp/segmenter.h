// Long MT texts cut into submit_sm short_messages with a concatenation UDH (8-bit reference).
//
// One part holds 160 GSM septets or 70 UTF-16 units. Past that, each part holds 153 septets or
// 67 units after its 6-octet UDH (the SMSC packs septets after the UDH on a septet boundary).
// A cut never falls inside a character: not between an escape and its extension septet, not
// between the halves of a surrogate pair, so each part decodes alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "conf/status.h"
#include "gateway/smpp/text_codec.h"

namespace smsgw::smpp {

inline constexpr size_t kSingleGsm7Septets = 160;
inline constexpr size_t kSingleUcs2Units = 70;
inline constexpr size_t kPartGsm7Septets = 153;
inline constexpr size_t kPartUcs2Units = 67;
inline constexpr size_t kMaxParts = 255;

struct SegmentedText {
  uint8_t data_coding = 0;
  uint8_t esm_class = 0;                    // kEsmUdhi when there is more than one part
  std::vector<std::vector<uint8_t>> parts;  // each a short_message, UDH included
};

// `reference` goes in every part's UDH; the caller picks it (per destination, cycling) so that
// two long messages to one handset do not share one. InvalidArgument for invalid UTF-8 or a
// text needing more than 255 parts.
Result<SegmentedText> SegmentText(std::string_view utf8, uint8_t reference,
                                  const TextOptions& options = {});

// The same, for text already encoded.
Result<SegmentedText> Segment(const EncodedText& text, uint8_t reference);

}  // namespace smsgw::smpp
