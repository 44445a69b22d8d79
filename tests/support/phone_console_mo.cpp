#include "tests/support/phone_console_mo.h"

#include "gateway/smpp/segmenter.h"

namespace smsgw::console {

Result<std::vector<smpp::DeliverSm>> BuildMoParts(std::string_view msisdn,
                                                  std::string_view short_code,
                                                  std::string_view utf8, uint8_t reference) {
  Result<smpp::SegmentedText> segmented = smpp::SegmentText(utf8, reference);
  if (!segmented.ok()) return segmented.status();
  std::vector<smpp::DeliverSm> parts;
  for (std::vector<uint8_t>& octets : segmented->parts) {
    smpp::DeliverSm d;
    d.source = {1, 1, std::string(msisdn)};
    d.destination = {0, 0, std::string(short_code)};
    d.esm_class = segmented->esm_class;
    d.data_coding = segmented->data_coding;
    d.short_message = std::move(octets);
    parts.push_back(std::move(d));
  }
  return parts;
}

}  // namespace smsgw::console
