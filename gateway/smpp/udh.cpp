#include "gateway/smpp/udh.h"

namespace smsgw::smpp {
namespace {

constexpr uint8_t kIeConcat8 = 0x00;
constexpr uint8_t kIeConcat16 = 0x08;

std::optional<ConcatInfo> Concat(ConcatScheme scheme, uint16_t ref, uint8_t total, uint8_t seq) {
  if (total == 0 || seq == 0 || seq > total) return std::nullopt;
  return ConcatInfo{scheme, ref, total, seq};
}

}  // namespace

std::optional<Udh> ParseUdh(std::span<const uint8_t> data) {
  if (data.empty()) return std::nullopt;
  const size_t udhl = data[0];
  if (udhl + 1 > data.size()) return std::nullopt;
  Udh udh;
  udh.length = udhl + 1;
  size_t pos = 1;
  while (pos < udh.length) {
    if (pos + 2 > udh.length) return std::nullopt;
    const uint8_t iei = data[pos];
    const size_t iel = data[pos + 1];
    pos += 2;
    if (pos + iel > udh.length) return std::nullopt;
    const uint8_t* v = data.data() + pos;
    if (iei == kIeConcat8 && iel == 3) {
      udh.concat = Concat(ConcatScheme::kUdh8, v[0], v[1], v[2]);
    } else if (iei == kIeConcat16 && iel == 4) {
      udh.concat =
          Concat(ConcatScheme::kUdh16, static_cast<uint16_t>((v[0] << 8) | v[1]), v[2], v[3]);
    }
    pos += iel;
  }
  return udh;
}

std::array<uint8_t, kConcatUdh8Size> ConcatUdh8(uint8_t reference, uint8_t total, uint8_t seqnum) {
  return {0x05, kIeConcat8, 0x03, reference, total, seqnum};
}

}  // namespace smsgw::smpp
