#include "gateway/smpp/encode.h"

#include <string>
#include <string_view>

#include "gateway/smpp/libsmpp34_bridge.h"
#include "gateway/smpp/tlv.h"
#include "gateway/smpp/user_data.h"
#include "gateway/smpp/wire.h"

namespace smsgw::smpp {
namespace {

size_t BeginPdu(uint32_t command_id, uint32_t status, uint32_t seq, std::vector<uint8_t>* out) {
  const size_t start = out->size();
  wire::Writer w(out);
  w.U32(0);  // command_length, set by EndPdu
  w.U32(command_id);
  w.U32(status);
  w.U32(seq);
  return start;
}

void EndPdu(size_t start, std::vector<uint8_t>* out) {
  wire::StoreU32(out->data() + start, static_cast<uint32_t>(out->size() - start));
}

bool Fits(std::string_view s, size_t width) {
  return s.size() < width && s.find('\0') == std::string_view::npos;
}

// libsmpp34 refuses TON/NPI values outside the spec's lists.
bool SpecTonNpi(const Address& a) {
  return IsSpecTon(a.ton) && IsSpecNpi(a.npi);
}

Status TooWide(const char* field) {
  return Status::InvalidArgument(std::string(field) + " wider than its SMPP width");
}

class Encoder {
 public:
  Encoder(const Pdu& pdu, std::vector<uint8_t>* out) : pdu_(pdu), out_(out) {}

  Status operator()(const GenericNack&) { return HeaderOnly(); }
  Status operator()(const Unbind&) { return HeaderOnly(); }
  Status operator()(const UnbindResp&) { return HeaderOnly(); }
  Status operator()(const EnquireLink&) { return HeaderOnly(); }
  Status operator()(const EnquireLinkResp&) { return HeaderOnly(); }
  Status operator()(const SubmitSm& sm) { return ShortMessage(sm, true); }
  Status operator()(const DeliverSm& sm) { return ShortMessage(sm, false); }
  Status operator()(const SubmitSmResp& r) {
    // Spec 4.4.2: no body when command_status != 0.
    if (pdu_.command_status != 0 && r.message_id.empty() && r.tlvs.empty()) return HeaderOnly();
    return OwnMessageResponse(r);
  }
  Status operator()(const DeliverSmResp& r) { return OwnMessageResponse(r); }

  Status operator()(const BindRequest& b) {
    if (!Fits(b.system_id, kSystemIdWidth)) return TooWide("system_id");
    if (!Fits(b.password, kPasswordWidth)) return TooWide("password");
    if (!Fits(b.system_type, kSystemTypeWidth)) return TooWide("system_type");
    if (!Fits(b.address_range.value, kAddressRangeWidth)) return TooWide("address_range");
    if (!SpecTonNpi(b.address_range)) return Status::InvalidArgument("address_range TON/NPI");
    return ViaLib(nullptr);
  }
  Status operator()(const BindResponse& b) {
    if (!Fits(b.system_id, kSystemIdWidth)) return TooWide("system_id");
    return ViaLib(&b.tlvs);
  }
  Status operator()(const DataSm& d) {
    if (!Fits(d.service_type, kServiceTypeWidth)) return TooWide("service_type");
    if (!Fits(d.source.value, kAddressWidth)) return TooWide("source_addr");
    if (!Fits(d.destination.value, kAddressWidth)) return TooWide("destination_addr");
    if (!SpecTonNpi(d.source) || !SpecTonNpi(d.destination)) {
      return Status::InvalidArgument("data_sm TON/NPI outside the spec's lists");
    }
    if (auto err = CheckUserDataRules(d.esm_class, {}, d.tlvs)) {
      return Status::InvalidArgument(err->reason);
    }
    return ViaLib(&d.tlvs);
  }
  Status operator()(const DataSmResp& r) {
    if (!Fits(r.message_id, kMessageIdWidth)) return TooWide("message_id");
    return ViaLib(&r.tlvs);
  }

 private:
  Status HeaderOnly() {
    EndPdu(BeginPdu(pdu_.command_id(), pdu_.command_status, pdu_.sequence_number, out_), out_);
    return Status::OK();
  }

  Status Finish(size_t start, const OptionalParams* tlvs) {
    wire::Writer w(out_);
    if (tlvs != nullptr && !AppendTlvs(*tlvs, &w)) {
      out_->resize(start);
      return Status::InvalidArgument("a TLV value does not fit its tag");
    }
    EndPdu(start, out_);
    return Status::OK();
  }

  Status ViaLib(const OptionalParams* tlvs) {
    const size_t start = out_->size();
    if (!libsmpp34::PackMandatory(pdu_, out_)) {
      return Status::InvalidArgument("libsmpp34 refused " + CommandName(pdu_.command_id()));
    }
    return Finish(start, tlvs);
  }

  Status OwnMessageResponse(const MessageResponse& r) {
    if (!Fits(r.message_id, kMessageIdWidth)) return TooWide("message_id");
    const size_t start =
        BeginPdu(pdu_.command_id(), pdu_.command_status, pdu_.sequence_number, out_);
    wire::Writer(out_).CString(r.message_id, kMessageIdWidth);
    return Finish(start, &r.tlvs);
  }

  Status ShortMessage(const ShortMessagePdu& sm, bool submit) {
    const size_t time_width = submit ? kTimeWidth : 1;
    if (!Fits(sm.service_type, kServiceTypeWidth)) return TooWide("service_type");
    if (!Fits(sm.source.value, kAddressWidth)) return TooWide("source_addr");
    if (!Fits(sm.destination.value, kAddressWidth)) return TooWide("destination_addr");
    if (!Fits(sm.schedule_delivery_time, time_width) || sm.schedule_delivery_time.size() % 16) {
      return TooWide("schedule_delivery_time");
    }
    if (!Fits(sm.validity_period, time_width) || sm.validity_period.size() % 16) {
      return TooWide("validity_period");
    }
    if (sm.short_message.size() > kMaxShortMessage) return TooWide("short_message");
    if (auto err = CheckUserDataRules(sm.esm_class, sm.short_message, sm.tlvs)) {
      return Status::InvalidArgument(err->reason);
    }
    const size_t start =
        BeginPdu(pdu_.command_id(), pdu_.command_status, pdu_.sequence_number, out_);
    wire::Writer w(out_);
    w.CString(sm.service_type, kServiceTypeWidth);
    w.U8(sm.source.ton);
    w.U8(sm.source.npi);
    w.CString(sm.source.value, kAddressWidth);
    w.U8(sm.destination.ton);
    w.U8(sm.destination.npi);
    w.CString(sm.destination.value, kAddressWidth);
    w.U8(sm.esm_class);
    w.U8(sm.protocol_id);
    w.U8(sm.priority_flag);
    w.CString(sm.schedule_delivery_time, time_width);
    w.CString(sm.validity_period, time_width);
    w.U8(sm.registered_delivery);
    w.U8(sm.replace_if_present_flag);
    w.U8(sm.data_coding);
    w.U8(sm.sm_default_msg_id);
    w.U8(static_cast<uint8_t>(sm.short_message.size()));
    w.Bytes(sm.short_message);
    return Finish(start, &sm.tlvs);
  }

  const Pdu& pdu_;
  std::vector<uint8_t>* out_;
};

}  // namespace

Status Encode(const Pdu& pdu, std::vector<uint8_t>* out) {
  return std::visit(Encoder(pdu, out), pdu.body);
}

void AppendResponse(uint32_t request_command_id, uint32_t sequence_number, uint32_t status,
                    std::vector<uint8_t>* out) {
  bool empty_string_body = false;  // one NUL: an empty message_id or system_id
  uint32_t response_id = ResponseIdFor(request_command_id);
  switch (static_cast<CommandId>(request_command_id)) {
    case CommandId::kDeliverSm:
    case CommandId::kDataSm:
    case CommandId::kBindTransmitter:
    case CommandId::kBindReceiver:
    case CommandId::kBindTransceiver:
      empty_string_body = true;
      break;
    case CommandId::kSubmitSm:
      empty_string_body = status == 0;
      break;
    case CommandId::kEnquireLink:
    case CommandId::kUnbind:
      break;
    default:
      response_id = ToWire(CommandId::kGenericNack);
      break;
  }
  const size_t start = BeginPdu(response_id, status, sequence_number, out);
  if (empty_string_body) out->push_back(0);
  EndPdu(start, out);
}

}  // namespace smsgw::smpp
