#include "gateway/smpp/response_salvage.h"

#include <algorithm>
#include <string>

#include "gateway/smpp/wire.h"

namespace smsgw::smpp {

std::optional<Pdu> SalvageSubmitResponse(std::span<const uint8_t> frame) {
  if (frame.size() < kHeaderSize) return std::nullopt;
  const uint32_t command_id = wire::LoadU32(frame.data() + 4);
  Pdu pdu;
  pdu.command_status = wire::LoadU32(frame.data() + 8);
  pdu.sequence_number = wire::LoadU32(frame.data() + 12);
  if (command_id == ToWire(CommandId::kGenericNack)) {
    pdu.body = GenericNack{};
    return pdu;
  }
  if (command_id != ToWire(CommandId::kSubmitSmResp)) return std::nullopt;
  const std::span<const uint8_t> body = frame.subspan(kHeaderSize);
  const auto end = std::find(body.begin(), body.end(), uint8_t{0});
  const size_t length = std::min<size_t>(end - body.begin(), kMessageIdWidth - 1);
  SubmitSmResp resp;
  resp.message_id.assign(body.begin(), body.begin() + length);
  pdu.body = std::move(resp);
  return pdu;
}

}  // namespace smsgw::smpp
