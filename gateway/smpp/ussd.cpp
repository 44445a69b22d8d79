#include "gateway/smpp/ussd.h"

#include <charconv>

#include "gateway/smpp/text_codec.h"

namespace smsgw::smpp {

namespace {

constexpr char kServiceTypeUssd[] = "USSD";

Result<UssdKind> KindOf(uint8_t op) {
  switch (op) {
    case ussd_op::kPssdIndication:
    case ussd_op::kPssrIndication:
      return UssdKind::kOpen;
    case ussd_op::kUssrConfirm:
      return UssdKind::kAnswer;
    case ussd_op::kVendorRelease:
    case ussd_op::kVendorAbort:
      return UssdKind::kAbort;
    default:
      return Status::InvalidArgument("ussd_service_op " + std::to_string(op) +
                                     " is not one an MO carries");
  }
}

Result<uint16_t> ParseDialogue(std::string_view id, uint16_t max) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), value);
  if (id.empty() || ec != std::errc() || end != id.data() + id.size() || value > max) {
    return Status::InvalidArgument("dialogue id '" + std::string(id) + "' is not 0-" +
                                   std::to_string(max));
  }
  return static_cast<uint16_t>(value);
}

}  // namespace

const char* UssdKindName(UssdKind kind) {
  switch (kind) {
    case UssdKind::kOpen:
      return "open";
    case UssdKind::kAnswer:
      return "answer";
    case UssdKind::kAbort:
      return "abort";
  }
  return "?";
}

Result<UssdMessage> ReadUssd(const DeliverSm& pdu, conf::UssdDialogue mode) {
  if (!pdu.tlvs.ussd_service_op) return Status::InvalidArgument("no ussd_service_op");
  auto kind = KindOf(*pdu.tlvs.ussd_service_op);
  if (!kind.ok()) return kind.status();
  if (pdu.esm_class & kEsmUdhi) return Status::InvalidArgument("USSD with a UDH");

  UssdMessage m;
  m.kind = *kind;
  if (mode == conf::UssdDialogue::kItsSessionInfo) {
    if (!pdu.tlvs.its_session_info) return Status::InvalidArgument("USSD without its_session_info");
    const uint16_t info = *pdu.tlvs.its_session_info;
    m.dialogue = std::to_string(info >> 8);
    m.sequence = static_cast<uint8_t>((info >> 1) & 0x7F);
    if (info & kItsSessionEnd) m.kind = UssdKind::kAbort;
  } else {
    if (!pdu.tlvs.user_message_reference) {
      return Status::InvalidArgument("USSD without user_message_reference");
    }
    m.dialogue = std::to_string(*pdu.tlvs.user_message_reference);
  }
  m.data_coding = pdu.data_coding;
  if (pdu.tlvs.message_payload) {
    m.text = *pdu.tlvs.message_payload;
  } else {
    m.text = pdu.short_message;
  }
  return m;
}

uint16_t ScreenSessionInfo(uint8_t session, std::optional<uint8_t> answered, bool end) {
  const unsigned sequence = answered ? (*answered + 1u) & 0x7Fu : 0u;
  return static_cast<uint16_t>(session << 8 | sequence << 1 | (end ? kItsSessionEnd : 0u));
}

Result<SubmitSm> MakeUssdSubmit(const UssdScreen& screen, conf::UssdDialogue mode,
                                const TextOptions& options, const MtAddressing& addressing) {
  const bool its = mode == conf::UssdDialogue::kItsSessionInfo;
  auto id = ParseDialogue(screen.dialogue, its ? 0xFF : 0xFFFF);
  if (!id.ok()) return id.status();
  auto text = EncodeText(screen.text, options);
  if (!text.ok()) return text.status();
  if (text->units > kMaxUssdScreenUnits) {
    return Status::InvalidArgument("USSD screen of " + std::to_string(text->units) +
                                   " characters; at most " + std::to_string(kMaxUssdScreenUnits));
  }

  SubmitSm sm;
  sm.service_type = kServiceTypeUssd;
  sm.source = addressing.Source(screen.service);
  sm.destination = addressing.Destination(screen.msisdn);
  sm.data_coding = text->data_coding;
  if (text->octets.size() > kMaxShortMessage) {
    sm.tlvs.message_payload = std::move(text->octets);
  } else {
    sm.short_message = std::move(text->octets);
  }
  sm.tlvs.ussd_service_op = screen.end ? ussd_op::kPssrResponse : ussd_op::kUssrRequest;
  if (its) {
    sm.tlvs.its_session_info =
        ScreenSessionInfo(static_cast<uint8_t>(*id), screen.answers, screen.end);
  } else {
    sm.tlvs.user_message_reference = *id;
  }
  return sm;
}

}  // namespace smsgw::smpp
