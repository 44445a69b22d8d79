// SMPP 3.4 optional parameters (TLVs, spec 5.3): tags, the length each known tag must have,
// and the parser/writer for the optional-parameter section of a body.
//
// This code, never libsmpp34, reads TLVs from the network. libsmpp34 reads a known tag at its
// fixed width whatever the TLV length says (an its_session_info of length 1 desynchronises the
// parse), caps message_payload at 1024 octets, spends 1040 bytes of heap per TLV and overflows
// its global diagnostic buffer beyond about 30 TLVs. Here every TLV's length must fit the
// buffer and, for a known tag, the spec's length; the number of TLVs is capped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "gateway/smpp/pdu.h"
#include "gateway/smpp/wire.h"

namespace smsgw::smpp {

namespace tag {
inline constexpr uint16_t kDestAddrSubunit = 0x0005;
inline constexpr uint16_t kDestNetworkType = 0x0006;
inline constexpr uint16_t kDestBearerType = 0x0007;
inline constexpr uint16_t kDestTelematicsId = 0x0008;
inline constexpr uint16_t kSourceAddrSubunit = 0x000D;
inline constexpr uint16_t kSourceNetworkType = 0x000E;
inline constexpr uint16_t kSourceBearerType = 0x000F;
inline constexpr uint16_t kSourceTelematicsId = 0x0010;
inline constexpr uint16_t kQosTimeToLive = 0x0017;
inline constexpr uint16_t kPayloadType = 0x0019;
inline constexpr uint16_t kAdditionalStatusInfoText = 0x001D;
inline constexpr uint16_t kReceiptedMessageId = 0x001E;
inline constexpr uint16_t kMsMsgWaitFacilities = 0x0030;
inline constexpr uint16_t kPrivacyIndicator = 0x0201;
inline constexpr uint16_t kSourceSubaddress = 0x0202;
inline constexpr uint16_t kDestSubaddress = 0x0203;
inline constexpr uint16_t kUserMessageReference = 0x0204;
inline constexpr uint16_t kUserResponseCode = 0x0205;
inline constexpr uint16_t kSourcePort = 0x020A;
inline constexpr uint16_t kDestinationPort = 0x020B;
inline constexpr uint16_t kSarMsgRefNum = 0x020C;
inline constexpr uint16_t kLanguageIndicator = 0x020D;
inline constexpr uint16_t kSarTotalSegments = 0x020E;
inline constexpr uint16_t kSarSegmentSeqnum = 0x020F;
inline constexpr uint16_t kScInterfaceVersion = 0x0210;
inline constexpr uint16_t kCallbackNumPresInd = 0x0302;
inline constexpr uint16_t kCallbackNumAtag = 0x0303;
inline constexpr uint16_t kNumberOfMessages = 0x0304;
inline constexpr uint16_t kCallbackNum = 0x0381;
inline constexpr uint16_t kDpfResult = 0x0420;
inline constexpr uint16_t kSetDpf = 0x0421;
inline constexpr uint16_t kMsAvailabilityStatus = 0x0422;
inline constexpr uint16_t kNetworkErrorCode = 0x0423;
inline constexpr uint16_t kMessagePayload = 0x0424;
inline constexpr uint16_t kDeliveryFailureReason = 0x0425;
inline constexpr uint16_t kMoreMessagesToSend = 0x0426;
inline constexpr uint16_t kMessageState = 0x0427;
inline constexpr uint16_t kUssdServiceOp = 0x0501;
inline constexpr uint16_t kDisplayTime = 0x1201;
inline constexpr uint16_t kSmsSignal = 0x1203;
inline constexpr uint16_t kMsValidity = 0x1204;
inline constexpr uint16_t kAlertOnMessageDelivery = 0x130C;
inline constexpr uint16_t kItsReplyType = 0x1380;
inline constexpr uint16_t kItsSessionInfo = 0x1383;
}  // namespace tag

// The length rule of a tag the spec defines: a value length in [min, max].
struct TlvLengthRule {
  uint16_t min = 0;
  uint16_t max = 0;
};

// The rule for a spec-defined tag; nullopt for vendor (0x1400-0x3FFF) and unknown tags, which
// may have any length that fits the PDU.
std::optional<TlvLengthRule> KnownTlvLength(uint16_t tag);

// Parses the optional-parameter section `data` (everything after the mandatory fields) into
// `out`. Refuses: a TLV header or value cut by the end of the PDU (ESME_RINVOPTPARSTREAM), more
// than `max_tlvs` TLVs (ESME_RINVOPTPARSTREAM), a known tag with a length outside its rule
// (ESME_RINVPARLEN), a receipted_message_id with a NUL inside it (ESME_RINVOPTPARAMVAL), and a
// typed tag given twice (ESME_RINVOPTPARSTREAM). A receipted_message_id is accepted with or
// without its trailing NUL: SMSCs send both.
std::optional<wire::FieldError> ParseTlvs(std::span<const uint8_t> data, size_t max_tlvs,
                                          OptionalParams* out);

// Appends `params` as TLVs (typed ones first, then `other` in order). False when a value is
// longer than its tag allows or than 65535 octets.
bool AppendTlvs(const OptionalParams& params, wire::Writer* w);

}  // namespace smsgw::smpp
