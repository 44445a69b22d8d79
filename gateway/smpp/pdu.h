// Typed SMPP 3.4 PDUs: what the framer/decoder produce and the encoder consumes.
//
// Strings are the C-octet strings of the spec without their NUL; each has a spec width
// (including the NUL) that decode enforces and encode refuses to exceed (it never truncates).
// Only the PDUs an ESME exchanges are modelled; any other command_id is answered with
// generic_nack ESME_RINVCMDID by the decoder.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace smsgw::smpp {

inline constexpr uint32_t kHeaderSize = 16;
inline constexpr uint8_t kInterfaceVersion34 = 0x34;
inline constexpr uint32_t kResponseBit = 0x80000000u;

enum class CommandId : uint32_t {
  kGenericNack = 0x80000000u,
  kBindReceiver = 0x00000001u,
  kBindReceiverResp = 0x80000001u,
  kBindTransmitter = 0x00000002u,
  kBindTransmitterResp = 0x80000002u,
  kSubmitSm = 0x00000004u,
  kSubmitSmResp = 0x80000004u,
  kDeliverSm = 0x00000005u,
  kDeliverSmResp = 0x80000005u,
  kUnbind = 0x00000006u,
  kUnbindResp = 0x80000006u,
  kBindTransceiver = 0x00000009u,
  kBindTransceiverResp = 0x80000009u,
  kEnquireLink = 0x00000015u,
  kEnquireLinkResp = 0x80000015u,
  kDataSm = 0x00000103u,
  kDataSmResp = 0x80000103u,
};

constexpr uint32_t ToWire(CommandId id) {
  return static_cast<uint32_t>(id);
}
constexpr bool IsResponse(uint32_t command_id) {
  return (command_id & kResponseBit) != 0;
}

// "deliver_sm", "bind_transceiver_resp", ...; "command 0x..." for anything not modelled.
std::string CommandName(uint32_t command_id);

// esm_class bits (spec 5.2.12).
inline constexpr uint8_t kEsmUdhi = 0x40;
inline constexpr uint8_t kEsmMessageTypeMask = 0x3C;
inline constexpr uint8_t kEsmDeliveryReceipt = 0x04;
inline constexpr uint8_t kEsmIntermediateNotification = 0x20;

// Spec widths of C-octet strings, NUL included.
inline constexpr size_t kServiceTypeWidth = 6;
inline constexpr size_t kAddressWidth = 21;
inline constexpr size_t kTimeWidth = 17;
inline constexpr size_t kMessageIdWidth = 65;
inline constexpr size_t kSystemIdWidth = 16;
inline constexpr size_t kPasswordWidth = 9;
inline constexpr size_t kSystemTypeWidth = 13;
inline constexpr size_t kAddressRangeWidth = 41;
inline constexpr size_t kMaxShortMessage = 254;
inline constexpr size_t kMaxTlvValue = 65535;

struct Address {
  uint8_t ton = 0;
  uint8_t npi = 0;
  std::string value;
  friend bool operator==(const Address&, const Address&) = default;
};

// TON 0-6 and the NPI values spec 5.2.5-6 lists. Other values pass in deliver_sm and submit_sm
// (a subscriber's message is not dropped over a TON), not where libsmpp34 reads them.
constexpr bool IsSpecTon(uint8_t ton) {
  return ton <= 6;
}
constexpr bool IsSpecNpi(uint8_t npi) {
  return npi <= 1 || npi == 3 || npi == 4 || npi == 6 || npi == 8 || npi == 9 || npi == 10 ||
         npi == 14 || npi == 18;
}

// A TLV kept as it came (vendor tags, known tags the gateway does not interpret).
struct Tlv {
  uint16_t tag = 0;
  std::vector<uint8_t> value;
  friend bool operator==(const Tlv&, const Tlv&) = default;
};

// The optional parameters the gateway acts on, typed; everything else in `other`, in wire
// order. Encoding writes the typed ones first (in the order below), then `other`.
struct OptionalParams {
  std::optional<uint16_t> user_message_reference;
  std::optional<uint16_t> sar_msg_ref_num;
  std::optional<uint8_t> sar_total_segments;
  std::optional<uint8_t> sar_segment_seqnum;
  std::optional<uint8_t> sc_interface_version;
  std::optional<std::vector<uint8_t>> message_payload;  // up to 65535 octets
  std::optional<std::string> receipted_message_id;      // C-string, at most 64 characters
  std::optional<uint8_t> message_state;
  std::optional<uint8_t> ussd_service_op;
  std::optional<uint16_t> its_session_info;
  std::vector<Tlv> other;

  // The first TLV in `other` with this tag, or nullptr.
  const Tlv* Find(uint16_t tag) const;
  bool empty() const;
  friend bool operator==(const OptionalParams&, const OptionalParams&) = default;
};

enum class BindMode { kTransmitter, kReceiver, kTransceiver };

struct BindRequest {
  BindMode mode = BindMode::kTransceiver;
  std::string system_id;    // width 16
  std::string password;     // width 9
  std::string system_type;  // width 13
  uint8_t interface_version = kInterfaceVersion34;
  Address address_range;  // value width 41
  friend bool operator==(const BindRequest&, const BindRequest&) = default;
};

struct BindResponse {
  BindMode mode = BindMode::kTransceiver;
  std::string system_id;  // width 16; absent on the wire when command_status != 0
  OptionalParams tlvs;    // sc_interface_version
  friend bool operator==(const BindResponse&, const BindResponse&) = default;
};

// The common body of submit_sm and deliver_sm (spec 4.4.1 and 4.6.1).
struct ShortMessagePdu {
  std::string service_type;  // width 6
  Address source;            // width 21
  Address destination;       // width 21
  uint8_t esm_class = 0;
  uint8_t protocol_id = 0;
  uint8_t priority_flag = 0;
  std::string schedule_delivery_time;  // width 17 in submit_sm, NULL (empty) in deliver_sm
  std::string validity_period;         // same
  uint8_t registered_delivery = 0;
  uint8_t replace_if_present_flag = 0;
  uint8_t data_coding = 0;
  uint8_t sm_default_msg_id = 0;
  std::vector<uint8_t> short_message;  // at most 254 octets; UDH included when esm_class UDHI
  OptionalParams tlvs;
  friend bool operator==(const ShortMessagePdu&, const ShortMessagePdu&) = default;
};

struct SubmitSm : ShortMessagePdu {
  friend bool operator==(const SubmitSm&, const SubmitSm&) = default;
};
struct DeliverSm : ShortMessagePdu {
  friend bool operator==(const DeliverSm&, const DeliverSm&) = default;
};

// submit_sm_resp, deliver_sm_resp and data_sm_resp: a message_id (width 65; always empty in
// deliver_sm_resp) that is absent on the wire when command_status != 0.
struct MessageResponse {
  std::string message_id;
  OptionalParams tlvs;
  friend bool operator==(const MessageResponse&, const MessageResponse&) = default;
};
struct SubmitSmResp : MessageResponse {
  friend bool operator==(const SubmitSmResp&, const SubmitSmResp&) = default;
};
struct DeliverSmResp : MessageResponse {
  friend bool operator==(const DeliverSmResp&, const DeliverSmResp&) = default;
};
struct DataSmResp : MessageResponse {
  friend bool operator==(const DataSmResp&, const DataSmResp&) = default;
};

struct DataSm {
  std::string service_type;
  Address source;
  Address destination;
  uint8_t esm_class = 0;
  uint8_t registered_delivery = 0;
  uint8_t data_coding = 0;
  OptionalParams tlvs;  // the text is in message_payload
  friend bool operator==(const DataSm&, const DataSm&) = default;
};

// Header-only PDUs.
struct GenericNack {
  friend bool operator==(const GenericNack&, const GenericNack&) = default;
};
struct Unbind {
  friend bool operator==(const Unbind&, const Unbind&) = default;
};
struct UnbindResp {
  friend bool operator==(const UnbindResp&, const UnbindResp&) = default;
};
struct EnquireLink {
  friend bool operator==(const EnquireLink&, const EnquireLink&) = default;
};
struct EnquireLinkResp {
  friend bool operator==(const EnquireLinkResp&, const EnquireLinkResp&) = default;
};

using PduBody =
    std::variant<GenericNack, BindRequest, BindResponse, Unbind, UnbindResp, SubmitSm, SubmitSmResp,
                 DeliverSm, DeliverSmResp, EnquireLink, EnquireLinkResp, DataSm, DataSmResp>;

struct Pdu {
  uint32_t command_status = 0;
  uint32_t sequence_number = 0;
  PduBody body;

  // Derived from the body (and BindMode for binds).
  uint32_t command_id() const;
  friend bool operator==(const Pdu&, const Pdu&) = default;
};

// The command_id of the response to `request_id` (request_id | 0x80000000).
constexpr uint32_t ResponseIdFor(uint32_t request_id) {
  return request_id | kResponseBit;
}

// The response to a request with this command_id and sequence number, carrying `status`.
// Body fields are empty (as the spec requires for a non-zero status). For a command_id that
// has no modelled response this is a generic_nack.
Pdu MakeResponse(uint32_t request_command_id, uint32_t sequence_number, uint32_t status);

// One line for logs: "deliver_sm seq=7 status=ESME_ROK". Holds no message content and no
// addresses.
std::string Describe(const Pdu& pdu);

}  // namespace smsgw::smpp
