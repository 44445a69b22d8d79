#include "gateway/smpp/pdu.h"

#include <cstdio>

#include "gateway/smpp/command_status.h"

namespace smsgw::smpp {
namespace {

CommandId BindRequestId(BindMode mode) {
  switch (mode) {
    case BindMode::kTransmitter:
      return CommandId::kBindTransmitter;
    case BindMode::kReceiver:
      return CommandId::kBindReceiver;
    case BindMode::kTransceiver:
      return CommandId::kBindTransceiver;
  }
  return CommandId::kBindTransceiver;
}

struct IdOf {
  uint32_t operator()(const GenericNack&) const { return ToWire(CommandId::kGenericNack); }
  uint32_t operator()(const BindRequest& b) const { return ToWire(BindRequestId(b.mode)); }
  uint32_t operator()(const BindResponse& b) const {
    return ResponseIdFor(ToWire(BindRequestId(b.mode)));
  }
  uint32_t operator()(const Unbind&) const { return ToWire(CommandId::kUnbind); }
  uint32_t operator()(const UnbindResp&) const { return ToWire(CommandId::kUnbindResp); }
  uint32_t operator()(const SubmitSm&) const { return ToWire(CommandId::kSubmitSm); }
  uint32_t operator()(const SubmitSmResp&) const { return ToWire(CommandId::kSubmitSmResp); }
  uint32_t operator()(const DeliverSm&) const { return ToWire(CommandId::kDeliverSm); }
  uint32_t operator()(const DeliverSmResp&) const { return ToWire(CommandId::kDeliverSmResp); }
  uint32_t operator()(const EnquireLink&) const { return ToWire(CommandId::kEnquireLink); }
  uint32_t operator()(const EnquireLinkResp&) const { return ToWire(CommandId::kEnquireLinkResp); }
  uint32_t operator()(const DataSm&) const { return ToWire(CommandId::kDataSm); }
  uint32_t operator()(const DataSmResp&) const { return ToWire(CommandId::kDataSmResp); }
};

}  // namespace

const Tlv* OptionalParams::Find(uint16_t tag) const {
  for (const Tlv& t : other) {
    if (t.tag == tag) return &t;
  }
  return nullptr;
}

bool OptionalParams::empty() const {
  return *this == OptionalParams{};
}

uint32_t Pdu::command_id() const {
  return std::visit(IdOf{}, body);
}

std::string CommandName(uint32_t command_id) {
  switch (static_cast<CommandId>(command_id)) {
    case CommandId::kGenericNack:
      return "generic_nack";
    case CommandId::kBindReceiver:
      return "bind_receiver";
    case CommandId::kBindReceiverResp:
      return "bind_receiver_resp";
    case CommandId::kBindTransmitter:
      return "bind_transmitter";
    case CommandId::kBindTransmitterResp:
      return "bind_transmitter_resp";
    case CommandId::kSubmitSm:
      return "submit_sm";
    case CommandId::kSubmitSmResp:
      return "submit_sm_resp";
    case CommandId::kDeliverSm:
      return "deliver_sm";
    case CommandId::kDeliverSmResp:
      return "deliver_sm_resp";
    case CommandId::kUnbind:
      return "unbind";
    case CommandId::kUnbindResp:
      return "unbind_resp";
    case CommandId::kBindTransceiver:
      return "bind_transceiver";
    case CommandId::kBindTransceiverResp:
      return "bind_transceiver_resp";
    case CommandId::kEnquireLink:
      return "enquire_link";
    case CommandId::kEnquireLinkResp:
      return "enquire_link_resp";
    case CommandId::kDataSm:
      return "data_sm";
    case CommandId::kDataSmResp:
      return "data_sm_resp";
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "command 0x%08X", command_id);
  return buf;
}

Pdu MakeResponse(uint32_t request_command_id, uint32_t sequence_number, uint32_t status) {
  Pdu pdu;
  pdu.command_status = status;
  pdu.sequence_number = sequence_number;
  switch (static_cast<CommandId>(request_command_id)) {
    case CommandId::kBindReceiver:
      pdu.body = BindResponse{BindMode::kReceiver, {}, {}};
      break;
    case CommandId::kBindTransmitter:
      pdu.body = BindResponse{BindMode::kTransmitter, {}, {}};
      break;
    case CommandId::kBindTransceiver:
      pdu.body = BindResponse{BindMode::kTransceiver, {}, {}};
      break;
    case CommandId::kUnbind:
      pdu.body = UnbindResp{};
      break;
    case CommandId::kSubmitSm:
      pdu.body = SubmitSmResp{};
      break;
    case CommandId::kDeliverSm:
      pdu.body = DeliverSmResp{};
      break;
    case CommandId::kEnquireLink:
      pdu.body = EnquireLinkResp{};
      break;
    case CommandId::kDataSm:
      pdu.body = DataSmResp{};
      break;
    default:
      pdu.body = GenericNack{};
      break;
  }
  return pdu;
}

std::string Describe(const Pdu& pdu) {
  std::string out = CommandName(pdu.command_id());
  out += " seq=" + std::to_string(pdu.sequence_number);
  out += " status=" + CommandStatusName(pdu.command_status);
  return out;
}

}  // namespace smsgw::smpp
