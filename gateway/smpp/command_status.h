// SMPP 3.4 command_status values (spec section 5.1.3) and what each one means for the sender.
//
// A status arrives in every response; the session and the MT sender act on its consequence,
// not on the number: retry later, give up on this message, or hold the whole bind back.
// Values outside the enum (vendor range 0x400-0x4FF, reserved ones) are legal on the wire, so
// the functions below take the raw uint32_t.
#pragma once

#include <cstdint>
#include <string>

namespace smsgw::smpp {

enum class CommandStatus : uint32_t {
  kROk = 0x00,
  kRInvMsgLen = 0x01,
  kRInvCmdLen = 0x02,
  kRInvCmdId = 0x03,
  kRInvBndSts = 0x04,
  kRAlyBnd = 0x05,
  kRInvPrtFlg = 0x06,
  kRInvRegDlvFlg = 0x07,
  kRSysErr = 0x08,
  kRInvSrcAdr = 0x0A,
  kRInvDstAdr = 0x0B,
  kRInvMsgId = 0x0C,
  kRBindFail = 0x0D,
  kRInvPaswd = 0x0E,
  kRInvSysId = 0x0F,
  kRCancelFail = 0x11,
  kRReplaceFail = 0x13,
  kRMsgQFul = 0x14,
  kRInvSerTyp = 0x15,
  kRInvNumDests = 0x33,
  kRInvDlName = 0x34,
  kRInvDestFlag = 0x40,
  kRInvSubRep = 0x42,
  kRInvEsmClass = 0x43,
  kRCntSubDl = 0x44,
  kRSubmitFail = 0x45,
  kRInvSrcTon = 0x48,
  kRInvSrcNpi = 0x49,
  kRInvDstTon = 0x50,
  kRInvDstNpi = 0x51,
  kRInvSysTyp = 0x53,
  kRInvRepFlag = 0x54,
  kRInvNumMsgs = 0x55,
  kRThrottled = 0x58,
  kRInvSched = 0x61,
  kRInvExpiry = 0x62,
  kRInvDftMsgId = 0x63,
  kRxTAppn = 0x64,
  kRxPAppn = 0x65,
  kRxRAppn = 0x66,
  kRQueryFail = 0x67,
  kRInvOptParStream = 0xC0,
  kROptParNotAllwd = 0xC1,
  kRInvParLen = 0xC2,
  kRMissingOptParam = 0xC3,
  kRInvOptParamVal = 0xC4,
  kRDeliveryFailure = 0xFE,
  kRUnknownErr = 0xFF,
};

constexpr uint32_t ToWire(CommandStatus s) {
  return static_cast<uint32_t>(s);
}

// "ESME_RTHROTTLED" for a known value, "vendor status 0x00000401" for the vendor range,
// "status 0x00000123" otherwise.
std::string CommandStatusName(uint32_t status);

enum class StatusClass {
  kOk,         // accepted
  kTemporary,  // the same request may succeed later: resend it (bounded by the caller)
  kPermanent,  // this request will never succeed as it is: do not resend it
};

// What a sender does with a response status.
struct StatusConsequence {
  StatusClass status_class = StatusClass::kOk;
  // ESME_RTHROTTLED and ESME_RMSGQFUL: the SMSC wants less from this bind now. The message is
  // resent after a delay; the whole bind pauses when such answers dominate (session.h).
  bool throttled = false;
  // ESME_RINVBNDSTS: the SMSC does not consider us bound as we think we are; rebind.
  bool rebind = false;
};

// Classification for responses to our requests (submit_sm_resp, data_sm_resp, bind_resp).
// Unknown and vendor-specific values are temporary: a bounded retry costs little, while
// treating an unknown code as permanent would silently drop a payment notification.
StatusConsequence Classify(uint32_t status);

}  // namespace smsgw::smpp
