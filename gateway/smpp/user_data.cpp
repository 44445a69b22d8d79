#include "gateway/smpp/user_data.h"

namespace smsgw::smpp {
namespace {

using wire::FieldError;

Result<UserData> Extract(uint8_t esm_class, uint8_t data_coding,
                         std::span<const uint8_t> short_message, const OptionalParams& tlvs) {
  if (auto err = CheckUserDataRules(esm_class, short_message, tlvs)) {
    return Status::InvalidArgument(err->reason);
  }
  std::span<const uint8_t> ud = short_message;
  if (tlvs.message_payload) ud = *tlvs.message_payload;
  UserData out;
  out.data_coding = data_coding;
  if (esm_class & kEsmUdhi) {
    const std::optional<Udh> udh = ParseUdh(ud);  // well-formed: checked above
    out.concat = udh->concat;
    ud = ud.subspan(udh->length);
  }
  if (!out.concat && tlvs.sar_msg_ref_num) {
    out.concat = ConcatInfo{ConcatScheme::kSar, *tlvs.sar_msg_ref_num, *tlvs.sar_total_segments,
                            *tlvs.sar_segment_seqnum};
  }
  out.payload.assign(ud.begin(), ud.end());
  out.message_reference = tlvs.user_message_reference;
  return out;
}

}  // namespace

std::optional<FieldError> CheckUserDataRules(uint8_t esm_class,
                                             std::span<const uint8_t> short_message,
                                             const OptionalParams& tlvs) {
  if (tlvs.message_payload && !short_message.empty()) {
    return FieldError{CommandStatus::kRInvMsgLen, "short_message and message_payload both set"};
  }
  const int sar = tlvs.sar_msg_ref_num.has_value() + tlvs.sar_total_segments.has_value() +
                  tlvs.sar_segment_seqnum.has_value();
  if (sar != 0 && sar != 3) {
    return FieldError{CommandStatus::kRMissingOptParam, "sar_* TLVs incomplete"};
  }
  if (sar == 3 && (*tlvs.sar_total_segments == 0 || *tlvs.sar_segment_seqnum == 0 ||
                   *tlvs.sar_segment_seqnum > *tlvs.sar_total_segments)) {
    return FieldError{CommandStatus::kRInvOptParamVal, "sar_segment_seqnum outside 1..total"};
  }
  if (esm_class & kEsmUdhi) {
    std::span<const uint8_t> ud = short_message;
    if (tlvs.message_payload) ud = *tlvs.message_payload;
    if (!ParseUdh(ud)) return FieldError{CommandStatus::kRInvEsmClass, "UDHI set, UDH malformed"};
  }
  return std::nullopt;
}

Result<UserData> ExtractUserData(const ShortMessagePdu& pdu) {
  return Extract(pdu.esm_class, pdu.data_coding, pdu.short_message, pdu.tlvs);
}

Result<UserData> ExtractUserData(const DataSm& pdu) {
  return Extract(pdu.esm_class, pdu.data_coding, {}, pdu.tlvs);
}

}  // namespace smsgw::smpp
