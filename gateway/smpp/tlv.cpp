#include "gateway/smpp/tlv.h"

#include <algorithm>
#include <cstdio>
#include <string>

namespace smsgw::smpp {
namespace {

using wire::FieldError;

bool IsTypedTag(uint16_t t) {
  switch (t) {
    case tag::kUserMessageReference:
    case tag::kSarMsgRefNum:
    case tag::kSarTotalSegments:
    case tag::kSarSegmentSeqnum:
    case tag::kScInterfaceVersion:
    case tag::kMessagePayload:
    case tag::kReceiptedMessageId:
    case tag::kMessageState:
    case tag::kUssdServiceOp:
    case tag::kItsSessionInfo:
      return true;
    default:
      return false;
  }
}

std::string TagName(uint16_t t) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "TLV 0x%04X", t);
  return buf;
}

template <typename T>
bool SetOnce(std::optional<T>* field, T value) {
  if (field->has_value()) return false;
  *field = std::move(value);
  return true;
}

// Stores a typed TLV whose length already matches its rule. False on a repeated tag.
std::optional<FieldError> StoreTyped(uint16_t t, std::span<const uint8_t> v, OptionalParams* out) {
  bool fresh = true;
  switch (t) {
    case tag::kUserMessageReference:
      fresh = SetOnce(&out->user_message_reference, wire::LoadU16(v.data()));
      break;
    case tag::kSarMsgRefNum:
      fresh = SetOnce(&out->sar_msg_ref_num, wire::LoadU16(v.data()));
      break;
    case tag::kSarTotalSegments:
      fresh = SetOnce(&out->sar_total_segments, v[0]);
      break;
    case tag::kSarSegmentSeqnum:
      fresh = SetOnce(&out->sar_segment_seqnum, v[0]);
      break;
    case tag::kScInterfaceVersion:
      fresh = SetOnce(&out->sc_interface_version, v[0]);
      break;
    case tag::kMessageState:
      fresh = SetOnce(&out->message_state, v[0]);
      break;
    case tag::kUssdServiceOp:
      fresh = SetOnce(&out->ussd_service_op, v[0]);
      break;
    case tag::kItsSessionInfo:
      fresh = SetOnce(&out->its_session_info, wire::LoadU16(v.data()));
      break;
    case tag::kMessagePayload:
      fresh = SetOnce(&out->message_payload, std::vector<uint8_t>(v.begin(), v.end()));
      break;
    case tag::kReceiptedMessageId: {
      std::string_view id(reinterpret_cast<const char*>(v.data()), v.size());
      if (!id.empty() && id.back() == '\0') id.remove_suffix(1);
      if (id.find('\0') != std::string_view::npos) {
        return FieldError{CommandStatus::kRInvOptParamVal, "receipted_message_id holds a NUL"};
      }
      if (id.size() >= kMessageIdWidth) {
        return FieldError{CommandStatus::kRInvParLen, "receipted_message_id longer than 64"};
      }
      fresh = SetOnce(&out->receipted_message_id, std::string(id));
      break;
    }
    default:
      break;
  }
  if (!fresh) return FieldError{CommandStatus::kRInvOptParStream, TagName(t) + " repeated"};
  return std::nullopt;
}

void PutTyped(wire::Writer* w, uint16_t t, std::span<const uint8_t> v) {
  w->U16(t);
  w->U16(static_cast<uint16_t>(v.size()));
  w->Bytes(v);
}
void PutU8(wire::Writer* w, uint16_t t, const std::optional<uint8_t>& v) {
  if (!v) return;
  const uint8_t b[1] = {*v};
  PutTyped(w, t, b);
}
void PutU16(wire::Writer* w, uint16_t t, const std::optional<uint16_t>& v) {
  if (!v) return;
  const uint8_t b[2] = {static_cast<uint8_t>(*v >> 8), static_cast<uint8_t>(*v)};
  PutTyped(w, t, b);
}

}  // namespace

std::optional<TlvLengthRule> KnownTlvLength(uint16_t t) {
  switch (t) {
    case tag::kDestAddrSubunit:
    case tag::kDestNetworkType:
    case tag::kDestBearerType:
    case tag::kSourceAddrSubunit:
    case tag::kSourceNetworkType:
    case tag::kSourceBearerType:
    case tag::kSourceTelematicsId:
    case tag::kPayloadType:
    case tag::kMsMsgWaitFacilities:
    case tag::kPrivacyIndicator:
    case tag::kUserResponseCode:
    case tag::kLanguageIndicator:
    case tag::kSarTotalSegments:
    case tag::kSarSegmentSeqnum:
    case tag::kScInterfaceVersion:
    case tag::kCallbackNumPresInd:
    case tag::kNumberOfMessages:
    case tag::kDpfResult:
    case tag::kSetDpf:
    case tag::kMsAvailabilityStatus:
    case tag::kDeliveryFailureReason:
    case tag::kMoreMessagesToSend:
    case tag::kMessageState:
    case tag::kUssdServiceOp:
    case tag::kDisplayTime:
    case tag::kMsValidity:
    case tag::kItsReplyType:
      return TlvLengthRule{1, 1};
    case tag::kDestTelematicsId:
    case tag::kUserMessageReference:
    case tag::kSourcePort:
    case tag::kDestinationPort:
    case tag::kSarMsgRefNum:
    case tag::kSmsSignal:
    case tag::kItsSessionInfo:
      return TlvLengthRule{2, 2};
    case tag::kNetworkErrorCode:
      return TlvLengthRule{3, 3};
    case tag::kQosTimeToLive:
      return TlvLengthRule{4, 4};
    // 3.4 gives it no value; SMPP 5.0 a 1-octet one.
    case tag::kAlertOnMessageDelivery:
      return TlvLengthRule{0, 1};
    case tag::kAdditionalStatusInfoText:
      return TlvLengthRule{1, 256};
    case tag::kReceiptedMessageId:
      return TlvLengthRule{1, 65};
    case tag::kSourceSubaddress:
    case tag::kDestSubaddress:
      return TlvLengthRule{2, 23};
    case tag::kCallbackNumAtag:
      return TlvLengthRule{0, 65};
    case tag::kCallbackNum:
      return TlvLengthRule{4, 19};
    case tag::kMessagePayload:
      return TlvLengthRule{0, 65535};
    default:
      return std::nullopt;
  }
}

std::optional<FieldError> ParseTlvs(std::span<const uint8_t> data, size_t max_tlvs,
                                    OptionalParams* out) {
  wire::Reader r(data);
  size_t count = 0;
  while (r.remaining() > 0) {
    if (++count > max_tlvs) {
      return FieldError{CommandStatus::kRInvOptParStream,
                        "more than " + std::to_string(max_tlvs) + " TLVs"};
    }
    uint16_t t = 0;
    uint16_t len = 0;
    std::span<const uint8_t> value;
    if (!r.U16(&t) || !r.U16(&len)) {
      return FieldError{CommandStatus::kRInvOptParStream, "TLV header cut by end of PDU"};
    }
    if (!r.Bytes(len, &value)) {
      return FieldError{CommandStatus::kRInvOptParStream, TagName(t) + " cut by end of PDU"};
    }
    if (auto rule = KnownTlvLength(t); rule && (len < rule->min || len > rule->max)) {
      return FieldError{CommandStatus::kRInvParLen,
                        TagName(t) + " has length " + std::to_string(len)};
    }
    if (IsTypedTag(t)) {
      if (auto err = StoreTyped(t, value, out)) return err;
    } else {
      out->other.push_back(Tlv{t, std::vector<uint8_t>(value.begin(), value.end())});
    }
  }
  return std::nullopt;
}

bool AppendTlvs(const OptionalParams& p, wire::Writer* w) {
  PutU16(w, tag::kUserMessageReference, p.user_message_reference);
  PutU16(w, tag::kSarMsgRefNum, p.sar_msg_ref_num);
  PutU8(w, tag::kSarTotalSegments, p.sar_total_segments);
  PutU8(w, tag::kSarSegmentSeqnum, p.sar_segment_seqnum);
  PutU8(w, tag::kScInterfaceVersion, p.sc_interface_version);
  if (p.message_payload) {
    if (p.message_payload->size() > kMaxTlvValue) return false;
    PutTyped(w, tag::kMessagePayload, *p.message_payload);
  }
  if (p.receipted_message_id) {
    const std::string& id = *p.receipted_message_id;
    if (id.size() >= kMessageIdWidth || id.find('\0') != std::string::npos) {
      return false;
    }
    w->U16(tag::kReceiptedMessageId);
    w->U16(static_cast<uint16_t>(id.size() + 1));
    w->Bytes({reinterpret_cast<const uint8_t*>(id.data()), id.size()});
    w->U8(0);
  }
  PutU8(w, tag::kMessageState, p.message_state);
  PutU8(w, tag::kUssdServiceOp, p.ussd_service_op);
  PutU16(w, tag::kItsSessionInfo, p.its_session_info);
  for (const Tlv& t : p.other) {
    // A typed tag in `other` would come back typed; refusing it keeps decode(encode(x)) == x.
    if (IsTypedTag(t.tag) || t.value.size() > kMaxTlvValue) return false;
    if (auto rule = KnownTlvLength(t.tag);
        rule && (t.value.size() < rule->min || t.value.size() > rule->max)) {
      return false;
    }
    PutTyped(w, t.tag, t.value);
  }
  return true;
}

}  // namespace smsgw::smpp
