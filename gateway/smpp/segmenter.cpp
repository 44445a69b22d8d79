#include "gateway/smpp/segmenter.h"

#include "gateway/smpp/pdu.h"
#include "gateway/smpp/udh.h"

namespace smsgw::smpp {

Result<SegmentedText> Segment(const EncodedText& text, uint8_t reference) {
  const bool ucs2 = text.data_coding == kDcsUcs2;
  SegmentedText out;
  out.data_coding = text.data_coding;
  if (text.units <= (ucs2 ? kSingleUcs2Units : kSingleGsm7Septets)) {
    out.parts.push_back(text.octets);
    return out;
  }
  const size_t per_part = ucs2 ? kPartUcs2Units : kPartGsm7Septets;
  // Octet offsets where parts start, cut only at character boundaries.
  std::vector<uint32_t> starts{0};
  size_t units_in_part = 0;
  for (const EncodedText::Char& c : text.chars) {
    if (units_in_part + c.units > per_part) {
      starts.push_back(c.offset);
      units_in_part = 0;
    }
    units_in_part += c.units;
  }
  if (starts.size() > kMaxParts) {
    return Status::InvalidArgument("text needs " + std::to_string(starts.size()) +
                                   " parts, more than 255");
  }
  const auto total = static_cast<uint8_t>(starts.size());
  out.esm_class = kEsmUdhi;
  for (size_t i = 0; i < starts.size(); ++i) {
    const size_t end = i + 1 < starts.size() ? starts[i + 1] : text.octets.size();
    std::vector<uint8_t> part;
    part.reserve(kConcatUdh8Size + end - starts[i]);
    const auto udh = ConcatUdh8(reference, total, static_cast<uint8_t>(i + 1));
    part.insert(part.end(), udh.begin(), udh.end());
    part.insert(part.end(), text.octets.begin() + starts[i], text.octets.begin() + end);
    out.parts.push_back(std::move(part));
  }
  return out;
}

Result<SegmentedText> SegmentText(std::string_view utf8, uint8_t reference,
                                  const TextOptions& options) {
  Result<EncodedText> text = EncodeText(utf8, options);
  if (!text.ok()) return text.status();
  return Segment(*text, reference);
}

}  // namespace smsgw::smpp
