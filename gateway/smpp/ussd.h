// USSD over SMPP 3.4: what a deliver_sm carrying ussd_service_op means for a dialogue, and the
// submit_sm that shows the subscriber the next screen. Pure: no I/O.
//
// A USSD dialogue is one PSSR from the handset (the dialled string, e.g. "*384*12#"), then any
// number of USSR request (our screen) / USSR confirm (the subscriber's answer) exchanges, ended
// by our PSSR response (the last screen), or by the network (release, abort, timeout).
//
// How a dialogue is named differs between vendors (conf::UssdDialogue, per connection):
//   kItsSessionInfo        its_session_info (spec 5.3.2.43): octet 1 the session number, the
//                          dialogue's id; octet 2 bits 7-1 a sequence number, bit 0 the end of
//                          session indicator. An MO with the end bit set is the network
//                          releasing the dialogue.
//   kUserMessageReference  user_message_reference carries the dialogue id, echoed in each
//                          submit_sm.
// Network release / abort seen in the field, read as kAbort in both modes: ussd_service_op 0x20
// (release) or 0x21 (abort), vendor values (32-255) used by USSD gateways where the spec has
// none, and in kItsSessionInfo mode the end bit on any MO.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/gateway_config.h"
#include "conf/status.h"
#include "gateway/smpp/mt_addressing.h"
#include "gateway/smpp/pdu.h"
#include "gateway/smpp/text_codec.h"

namespace smsgw::smpp {

// ussd_service_op values (spec 5.3.2.44) and the vendor release/abort values.
namespace ussd_op {
inline constexpr uint8_t kPssdIndication = 0;
inline constexpr uint8_t kPssrIndication = 1;
inline constexpr uint8_t kUssrRequest = 2;
inline constexpr uint8_t kUssnRequest = 3;
inline constexpr uint8_t kPssdResponse = 16;
inline constexpr uint8_t kPssrResponse = 17;
inline constexpr uint8_t kUssrConfirm = 18;
inline constexpr uint8_t kUssnConfirm = 19;
inline constexpr uint8_t kVendorRelease = 0x20;
inline constexpr uint8_t kVendorAbort = 0x21;
}  // namespace ussd_op

// The end of session indicator in its_session_info.
inline constexpr uint16_t kItsSessionEnd = 0x0001;
// A USSD screen holds at most this many GSM 7-bit characters (3GPP TS 23.038: 160 octets).
inline constexpr size_t kMaxUssdScreenUnits = 182;

// True when the PDU is USSD (never an SMS, never reassembled).
inline bool IsUssd(const ShortMessagePdu& pdu) {
  return pdu.tlvs.ussd_service_op.has_value();
}

enum class UssdKind {
  kOpen,    // PSSR (or PSSD) indication: the subscriber dialled; text is the dialled string
  kAnswer,  // USSR confirm: the subscriber's answer to our last screen
  kAbort,   // the network ended the dialogue; text is empty or a reason, not for the engine
};

const char* UssdKindName(UssdKind kind);

struct UssdMessage {
  UssdKind kind = UssdKind::kOpen;
  std::string dialogue;  // decimal: the session number or the user_message_reference
  // its_session_info's sequence number (octet 2, bits 7-1) in that mode: the network's number
  // for this unit of the dialogue, the same on a resend of the same MO. Unset in the
  // user_message_reference mode, which carries nothing of the kind.
  std::optional<uint8_t> sequence;
  uint8_t data_coding = 0;
  std::vector<uint8_t> text;  // the user data octets (short_message or message_payload)
};

// Reads a USSD deliver_sm. InvalidArgument when it has no ussd_service_op, an operation an MO
// cannot carry (2, 3, 16, 17, 19, other vendor values), lacks the TLV naming the dialogue in
// `mode`, or carries a UDH (a USSD string is never concatenated).
Result<UssdMessage> ReadUssd(const DeliverSm& pdu, conf::UssdDialogue mode);

// One screen for the subscriber.
struct UssdScreen {
  std::string msisdn;   // destination: the subscriber, E.164 digits
  std::string service;  // source: the address the dialogue was opened to (the service code)
  std::string dialogue;
  std::string text;  // UTF-8
  bool end = false;  // last screen: PSSR response, the dialogue ends
  // its_session_info's sequence number of the MO this screen answers (UssdMessage::sequence);
  // unset when that MO carried none.
  std::optional<uint8_t> answers = std::nullopt;
};

// The its_session_info of a screen of dialogue `session` answering the MO numbered `answered`.
// The spec (5.3.2.43) says only that octet 2 holds "the sequence number of the dialogue unit
// (as assigned by the ESME)"; networks that number a dialogue's units count both parties' in turn:
// the MO n, our screen n + 1, the next MO n + 2. So a screen carries the number after its MO's,
// modulo 128 (7 bits: 127 is followed by 0), or 0 when the MO carried none. The end of session bit
// is set on the last screen.
uint16_t ScreenSessionInfo(uint8_t session, std::optional<uint8_t> answered, bool end);

// The submit_sm for `screen`: service_type "USSD", ussd_service_op 2 (USSR request, expects an
// answer) or 17 (PSSR response, ends the dialogue); its_session_info as ScreenSessionInfo
// makes it from the dialogue's session number and `screen.answers`, or user_message_reference
// echoed.
// The text is encoded as the connection's `text` options say (EncodeText): GSM 7-bit
// (unpacked, data_coding 0) when every character has a GSM septet, else UCS-2 (8); written as
// Latin-1 under data_coding 0 for dcs0 kLatin1, always UCS-2 for kUcs2. A UCS-2 text over 254
// octets goes in message_payload. InvalidArgument when the text is not UTF-8, costs more than
// 182 septets / UTF-16 units (a screen is one PDU, never segmented), or the dialogue id is not
// a number the mode can carry (0-255, 0-65535).
// The screen's source is the service code and its destination the subscriber, addressed as
// `addressing` says.
Result<SubmitSm> MakeUssdSubmit(const UssdScreen& screen, conf::UssdDialogue mode,
                                const TextOptions& text = {}, const MtAddressing& addressing = {});

}  // namespace smsgw::smpp
