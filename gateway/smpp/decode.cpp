#include "gateway/smpp/decode.h"

#include <string>

#include "gateway/smpp/libsmpp34_bridge.h"
#include "gateway/smpp/tlv.h"
#include "gateway/smpp/user_data.h"
#include "gateway/smpp/wire.h"

namespace smsgw::smpp {
namespace {

using wire::FieldError;

// Reads the mandatory fields of a body in order, stopping at the first one that is wrong.
class BodyReader {
 public:
  BodyReader(std::span<const uint8_t> frame, const DecodeOptions& options)
      : frame_(frame), r_(frame.subspan(kHeaderSize)), options_(options) {}

  bool failed() const { return error_.has_value(); }
  std::optional<FieldError> TakeError() { return std::move(error_); }
  bool at_end() const { return r_.remaining() == 0; }
  // The header and every mandatory field read so far.
  std::span<const uint8_t> prefix() const { return frame_.first(kHeaderSize + r_.offset()); }

  void CStr(size_t width, CommandStatus too_long, const char* name, std::string* out) {
    std::string_view v;
    if (failed()) return;
    switch (r_.CString(width, &v)) {
      case wire::Reader::CStringResult::kOk:
        *out = v;
        return;
      case wire::Reader::CStringResult::kTruncated:
        Fail(CommandStatus::kRInvCmdLen, std::string("body ends inside ") + name);
        return;
      case wire::Reader::CStringResult::kTooLong:
        Fail(too_long,
             std::string(name) + " not NUL-terminated within " + std::to_string(width) + " octets");
        return;
    }
  }
  void U8(const char* name, uint8_t* v) {
    if (!failed() && !r_.U8(v))
      Fail(CommandStatus::kRInvCmdLen, std::string("body ends at ") + name);
  }
  void Bytes(size_t n, CommandStatus status, const char* name, std::span<const uint8_t>* out) {
    if (!failed() && !r_.Bytes(n, out)) Fail(status, std::string(name) + " runs past the body");
  }
  void Address(CommandStatus too_long, const char* name, smpp::Address* a) {
    U8("addr_ton", &a->ton);
    U8("addr_npi", &a->npi);
    CStr(kAddressWidth, too_long, name, &a->value);
  }
  // TON/NPI as the spec lists them; libsmpp34 refuses others (see libsmpp34_bridge.h).
  void CheckTonNpi(const smpp::Address& a, CommandStatus bad_ton, CommandStatus bad_npi) {
    if (failed()) return;
    if (!IsSpecTon(a.ton)) return Fail(bad_ton, "TON " + std::to_string(a.ton));
    if (!IsSpecNpi(a.npi)) return Fail(bad_npi, "NPI " + std::to_string(a.npi));
  }
  void Tlvs(OptionalParams* out) {
    if (failed()) return;
    std::span<const uint8_t> rest;
    r_.Bytes(r_.remaining(), &rest);
    error_ = ParseTlvs(rest, options_.max_tlvs, out);
  }
  void NoMore() {
    if (!failed() && !at_end()) Fail(CommandStatus::kRInvCmdLen, "bytes after the last field");
  }
  void LibUnpack(PduBody* body) {
    if (!failed()) error_ = libsmpp34::UnpackMandatory(prefix(), body);
  }
  void Fail(CommandStatus status, std::string reason) {
    error_ = FieldError{status, std::move(reason)};
  }

 private:
  std::span<const uint8_t> frame_;
  wire::Reader r_;
  const DecodeOptions& options_;
  std::optional<FieldError> error_;
};

void CheckUserData(uint8_t esm_class, std::span<const uint8_t> short_message,
                   const OptionalParams& tlvs, BodyReader* b) {
  if (b->failed()) return;
  if (auto err = CheckUserDataRules(esm_class, short_message, tlvs)) {
    b->Fail(err->status, std::move(err->reason));
  }
}

void ReadShortMessage(BodyReader* b, bool submit, ShortMessagePdu* sm) {
  const size_t time_width = submit ? kTimeWidth : 1;
  b->CStr(kServiceTypeWidth, CommandStatus::kRInvSerTyp, "service_type", &sm->service_type);
  b->Address(CommandStatus::kRInvSrcAdr, "source_addr", &sm->source);
  b->Address(CommandStatus::kRInvDstAdr, "destination_addr", &sm->destination);
  b->U8("esm_class", &sm->esm_class);
  b->U8("protocol_id", &sm->protocol_id);
  b->U8("priority_flag", &sm->priority_flag);
  b->CStr(time_width, CommandStatus::kRInvSched, "schedule_delivery_time",
          &sm->schedule_delivery_time);
  b->CStr(time_width, CommandStatus::kRInvExpiry, "validity_period", &sm->validity_period);
  if (!b->failed()) {
    // SMPP absolute and relative times are exactly 16 characters.
    if (sm->schedule_delivery_time.size() % 16 != 0) {
      b->Fail(CommandStatus::kRInvSched, "schedule_delivery_time not 16 characters");
    } else if (sm->validity_period.size() % 16 != 0) {
      b->Fail(CommandStatus::kRInvExpiry, "validity_period not 16 characters");
    }
  }
  b->U8("registered_delivery", &sm->registered_delivery);
  b->U8("replace_if_present_flag", &sm->replace_if_present_flag);
  b->U8("data_coding", &sm->data_coding);
  b->U8("sm_default_msg_id", &sm->sm_default_msg_id);
  uint8_t sm_length = 0;
  b->U8("sm_length", &sm_length);
  if (!b->failed() && sm_length > kMaxShortMessage) {
    b->Fail(CommandStatus::kRInvMsgLen, "sm_length 255");
  }
  std::span<const uint8_t> text;
  b->Bytes(sm_length, CommandStatus::kRInvMsgLen, "short_message", &text);
  if (!b->failed()) sm->short_message.assign(text.begin(), text.end());
  b->Tlvs(&sm->tlvs);
  CheckUserData(sm->esm_class, sm->short_message, sm->tlvs, b);
}

// submit_sm_resp, deliver_sm_resp, data_sm_resp: an empty body is allowed (the spec omits it
// when command_status != 0, and some SMSCs omit it always).
void ReadMessageResponse(BodyReader* b, bool via_lib, PduBody* body, MessageResponse* r) {
  if (b->at_end()) return;
  b->CStr(kMessageIdWidth, CommandStatus::kRInvMsgId, "message_id", &r->message_id);
  if (via_lib) b->LibUnpack(body);
  b->Tlvs(&r->tlvs);
}

void ReadBind(BodyReader* b, PduBody* body) {
  BindRequest& req = std::get<BindRequest>(*body);
  std::string scratch;
  b->CStr(kSystemIdWidth, CommandStatus::kRInvSysId, "system_id", &scratch);
  b->CStr(kPasswordWidth, CommandStatus::kRInvPaswd, "password", &scratch);
  b->CStr(kSystemTypeWidth, CommandStatus::kRInvSysTyp, "system_type", &scratch);
  uint8_t interface_version = 0;
  b->U8("interface_version", &interface_version);
  b->Address(CommandStatus::kRBindFail, "address_range", &req.address_range);
  b->CheckTonNpi(req.address_range, CommandStatus::kRBindFail, CommandStatus::kRBindFail);
  b->NoMore();
  b->LibUnpack(body);
}

void ReadBindResponse(BodyReader* b, PduBody* body) {
  if (b->at_end()) return;
  BindResponse& resp = std::get<BindResponse>(*body);
  b->CStr(kSystemIdWidth, CommandStatus::kRInvSysId, "system_id", &resp.system_id);
  b->LibUnpack(body);
  b->Tlvs(&resp.tlvs);
}

void ReadDataSm(BodyReader* b, PduBody* body) {
  DataSm& d = std::get<DataSm>(*body);
  uint8_t u8 = 0;
  b->CStr(kServiceTypeWidth, CommandStatus::kRInvSerTyp, "service_type", &d.service_type);
  b->Address(CommandStatus::kRInvSrcAdr, "source_addr", &d.source);
  b->CheckTonNpi(d.source, CommandStatus::kRInvSrcTon, CommandStatus::kRInvSrcNpi);
  b->Address(CommandStatus::kRInvDstAdr, "destination_addr", &d.destination);
  b->CheckTonNpi(d.destination, CommandStatus::kRInvDstTon, CommandStatus::kRInvDstNpi);
  b->U8("esm_class", &u8);
  b->U8("registered_delivery", &u8);
  b->U8("data_coding", &u8);
  b->LibUnpack(body);
  b->Tlvs(&d.tlvs);
  CheckUserData(d.esm_class, {}, d.tlvs, b);
}

// Decodes the body of a known command into `pdu`; false for a command_id not modelled.
bool ReadBody(uint32_t command_id, BodyReader* b, Pdu* pdu) {
  switch (static_cast<CommandId>(command_id)) {
    case CommandId::kGenericNack:
      pdu->body = GenericNack{};
      break;
    case CommandId::kUnbind:
      pdu->body = Unbind{};
      break;
    case CommandId::kUnbindResp:
      pdu->body = UnbindResp{};
      break;
    case CommandId::kEnquireLink:
      pdu->body = EnquireLink{};
      break;
    case CommandId::kEnquireLinkResp:
      pdu->body = EnquireLinkResp{};
      break;
    case CommandId::kSubmitSm:
      ReadShortMessage(b, true, &pdu->body.emplace<SubmitSm>());
      return true;
    case CommandId::kDeliverSm:
      ReadShortMessage(b, false, &pdu->body.emplace<DeliverSm>());
      return true;
    case CommandId::kSubmitSmResp:
      ReadMessageResponse(b, false, &pdu->body, &pdu->body.emplace<SubmitSmResp>());
      return true;
    case CommandId::kDeliverSmResp:
      ReadMessageResponse(b, false, &pdu->body, &pdu->body.emplace<DeliverSmResp>());
      return true;
    case CommandId::kDataSmResp:
      ReadMessageResponse(b, true, &pdu->body, &pdu->body.emplace<DataSmResp>());
      return true;
    case CommandId::kDataSm:
      pdu->body.emplace<DataSm>();
      ReadDataSm(b, &pdu->body);
      return true;
    case CommandId::kBindTransmitter:
    case CommandId::kBindReceiver:
    case CommandId::kBindTransceiver:
      pdu->body.emplace<BindRequest>();
      ReadBind(b, &pdu->body);
      std::get<BindRequest>(pdu->body).mode =
          command_id == ToWire(CommandId::kBindTransmitter) ? BindMode::kTransmitter
          : command_id == ToWire(CommandId::kBindReceiver)  ? BindMode::kReceiver
                                                            : BindMode::kTransceiver;
      return true;
    case CommandId::kBindTransmitterResp:
    case CommandId::kBindReceiverResp:
    case CommandId::kBindTransceiverResp:
      pdu->body.emplace<BindResponse>();
      std::get<BindResponse>(pdu->body).mode =
          command_id == ToWire(CommandId::kBindTransmitterResp) ? BindMode::kTransmitter
          : command_id == ToWire(CommandId::kBindReceiverResp)  ? BindMode::kReceiver
                                                                : BindMode::kTransceiver;
      ReadBindResponse(b, &pdu->body);
      return true;
    default:
      return false;
  }
  b->NoMore();  // header-only PDUs
  return true;
}

}  // namespace

DecodeResult Decode(std::span<const uint8_t> frame, const DecodeOptions& options) {
  DecodeResult out;
  PduError& e = out.error;
  if (frame.size() < kHeaderSize || wire::LoadU32(frame.data()) != frame.size()) {
    if (frame.size() >= 8) e.command_id = wire::LoadU32(frame.data() + 4);
    if (frame.size() >= kHeaderSize) {
      e.command_status = wire::LoadU32(frame.data() + 8);
      e.sequence_number = wire::LoadU32(frame.data() + 12);
    }
    e.status = CommandStatus::kRInvCmdLen;
    e.reply = ErrorReply::kGenericNack;
    e.fatal = true;
    e.reason = "command_length does not match the frame";
    return out;
  }
  e.command_id = wire::LoadU32(frame.data() + 4);
  e.sequence_number = wire::LoadU32(frame.data() + 12);
  e.command_status = wire::LoadU32(frame.data() + 8);

  Pdu pdu;
  pdu.command_status = e.command_status;
  pdu.sequence_number = e.sequence_number;
  BodyReader body(frame, options);
  if (!ReadBody(e.command_id, &body, &pdu)) {
    e.status = CommandStatus::kRInvCmdId;
    // A response is never answered: one we do not know answers no request of ours, and a
    // generic_nack would carry the sequence number of a request that may still be waiting.
    e.reply = IsResponse(e.command_id) ? ErrorReply::kNone : ErrorReply::kGenericNack;
    e.reason = "unknown " + CommandName(e.command_id);
    return out;
  }
  if (auto err = body.TakeError()) {
    e.status = err->status;
    e.reply = IsResponse(e.command_id) ? ErrorReply::kNone : ErrorReply::kResponse;
    e.reason = std::move(err->reason);
    return out;
  }
  out.pdu = std::move(pdu);
  return out;
}

}  // namespace smsgw::smpp
