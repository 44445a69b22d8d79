#include "gateway/smpp/libsmpp34_bridge.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>

extern "C" {
#include <stdint.h>  // libsmpp34's headers expect it first

#include "smpp34.h"
#include "smpp34_structs.h"
// smpp34_params.h needs the types above.
#include "smpp34_params.h"
}

namespace smsgw::smpp::libsmpp34 {
namespace {

using wire::FieldError;

// Largest header + mandatory part we hand over: submit_sm with 254 octets of short_message
// is 364 bytes.
constexpr size_t kMaxPrefix = 512;

std::mutex& LibMutex() {
  static std::mutex m;
  return m;
}

// Frees a TLV list libsmpp34 may have built, on every path out.
class TlvListGuard {
 public:
  explicit TlvListGuard(tlv_t** head) : head_(head) {}
  ~TlvListGuard() {
    if (*head_ != nullptr) destroy_tlv(*head_);
    *head_ = nullptr;
  }
  TlvListGuard(const TlvListGuard&) = delete;
  TlvListGuard& operator=(const TlvListGuard&) = delete;

 private:
  tlv_t** head_;
};

template <size_t N>
std::string GetStr(const uint8_t (&src)[N]) {
  const char* p = reinterpret_cast<const char*>(src);
  return std::string(p, strnlen(p, N));
}

template <size_t N>
void PutStr(uint8_t (&dst)[N], const std::string& s) {
  std::memcpy(dst, s.data(), std::min(s.size(), N - 1));
}

// Unpacks a copy of `prefix` whose header says: exactly this long, status 0, sequence 1.
template <typename T>
bool Unpack(std::span<const uint8_t> prefix, T* t) {
  if (prefix.size() < kHeaderSize || prefix.size() > kMaxPrefix) return false;
  uint8_t buf[kMaxPrefix];
  std::memcpy(buf, prefix.data(), prefix.size());
  const uint32_t command_id = wire::LoadU32(buf + 4);
  wire::StoreU32(buf, static_cast<uint32_t>(prefix.size()));
  wire::StoreU32(buf + 8, 0);
  wire::StoreU32(buf + 12, 1);
  std::lock_guard<std::mutex> lock(LibMutex());
  std::memset(static_cast<void*>(t), 0, sizeof(T));
  return smpp34_unpack(command_id, t, buf, static_cast<int>(prefix.size())) == 0;
}

template <typename T>
bool Pack(uint32_t command_id, T* t, std::vector<uint8_t>* out) {
  t->command_length = 0;
  t->command_id = command_id;
  t->command_status = 0;
  t->sequence_number = 1;
  uint8_t buf[kMaxPrefix];
  int len = 0;
  {
    std::lock_guard<std::mutex> lock(LibMutex());
    if (smpp34_pack(command_id, buf, sizeof buf, &len, t) != 0) return false;
  }
  if (len < static_cast<int>(kHeaderSize)) return false;
  out->insert(out->end(), buf, buf + len);
  return true;
}

template <typename T>
void GetSm(const T& t, ShortMessagePdu* sm) {
  sm->service_type = GetStr(t.service_type);
  sm->source = Address{t.source_addr_ton, t.source_addr_npi, GetStr(t.source_addr)};
  sm->destination = Address{t.dest_addr_ton, t.dest_addr_npi, GetStr(t.destination_addr)};
  sm->esm_class = t.esm_class;
  sm->protocol_id = t.protocol_id;
  sm->priority_flag = t.priority_flag;
  sm->schedule_delivery_time = GetStr(t.schedule_delivery_time);
  sm->validity_period = GetStr(t.validity_period);
  sm->registered_delivery = t.registered_delivery;
  sm->replace_if_present_flag = t.replace_if_present_flag;
  sm->data_coding = t.data_coding;
  sm->sm_default_msg_id = t.sm_default_msg_id;
  sm->short_message.assign(t.short_message, t.short_message + t.sm_length);
}

template <typename T>
void PutSm(const ShortMessagePdu& sm, T* t) {
  PutStr(t->service_type, sm.service_type);
  t->source_addr_ton = sm.source.ton;
  t->source_addr_npi = sm.source.npi;
  PutStr(t->source_addr, sm.source.value);
  t->dest_addr_ton = sm.destination.ton;
  t->dest_addr_npi = sm.destination.npi;
  PutStr(t->destination_addr, sm.destination.value);
  t->esm_class = sm.esm_class;
  t->protocol_id = sm.protocol_id;
  t->priority_flag = sm.priority_flag;
  PutStr(t->schedule_delivery_time, sm.schedule_delivery_time);
  PutStr(t->validity_period, sm.validity_period);
  t->registered_delivery = sm.registered_delivery;
  t->replace_if_present_flag = sm.replace_if_present_flag;
  t->data_coding = sm.data_coding;
  t->sm_default_msg_id = sm.sm_default_msg_id;
  const size_t n = std::min(sm.short_message.size(), sizeof t->short_message);
  t->sm_length = static_cast<uint8_t>(n);
  std::memcpy(t->short_message, sm.short_message.data(), n);
}

// Offset of interface_version in a validated bind request: after three C-strings.
size_t InterfaceVersionOffset(std::span<const uint8_t> prefix) {
  size_t pos = kHeaderSize;
  for (int i = 0; i < 3 && pos < prefix.size(); ++i) {
    while (pos < prefix.size() && prefix[pos] != 0) ++pos;
    ++pos;
  }
  return pos;
}

template <typename T>
bool UnpackBind(std::span<const uint8_t> prefix, BindRequest* b) {
  const size_t iv = InterfaceVersionOffset(prefix);
  if (iv >= prefix.size() || prefix.size() > kMaxPrefix) return false;
  uint8_t copy[kMaxPrefix];
  std::memcpy(copy, prefix.data(), prefix.size());
  copy[iv] = kInterfaceVersion34;
  T t;
  if (!Unpack(std::span<const uint8_t>(copy, prefix.size()), &t)) return false;
  b->system_id = GetStr(t.system_id);
  b->password = GetStr(t.password);
  b->system_type = GetStr(t.system_type);
  b->interface_version = prefix[iv];
  b->address_range = Address{t.addr_ton, t.addr_npi, GetStr(t.address_range)};
  return true;
}

template <typename T>
bool PackBind(uint32_t command_id, const BindRequest& b, std::vector<uint8_t>* out) {
  T t;
  std::memset(static_cast<void*>(&t), 0, sizeof t);
  PutStr(t.system_id, b.system_id);
  PutStr(t.password, b.password);
  PutStr(t.system_type, b.system_type);
  t.interface_version = kInterfaceVersion34;
  t.addr_ton = b.address_range.ton;
  t.addr_npi = b.address_range.npi;
  PutStr(t.address_range, b.address_range.value);
  const size_t start = out->size();
  if (!Pack(command_id, &t, out)) return false;
  // Written as 0x34 (libsmpp34 accepts nothing else); the caller's value goes on the wire.
  (*out)[start + InterfaceVersionOffset({out->data() + start, out->size() - start})] =
      b.interface_version;
  return true;
}

template <typename T>
bool UnpackSystemId(std::span<const uint8_t> prefix, BindResponse* b) {
  T t;
  if (!Unpack(prefix, &t)) return false;
  TlvListGuard guard(&t.tlv);
  b->system_id = GetStr(t.system_id);
  return true;
}

template <typename T>
bool PackSystemId(uint32_t command_id, const BindResponse& b, std::vector<uint8_t>* out) {
  T t;
  std::memset(static_cast<void*>(&t), 0, sizeof t);
  PutStr(t.system_id, b.system_id);
  return Pack(command_id, &t, out);
}

struct Unpacker {
  std::span<const uint8_t> prefix;
  uint32_t command_id;

  bool operator()(BindRequest& b) const {
    switch (static_cast<CommandId>(command_id)) {
      case CommandId::kBindTransmitter:
        return UnpackBind<bind_transmitter_t>(prefix, &b);
      case CommandId::kBindReceiver:
        return UnpackBind<bind_receiver_t>(prefix, &b);
      case CommandId::kBindTransceiver:
        return UnpackBind<bind_transceiver_t>(prefix, &b);
      default:
        return false;
    }
  }
  bool operator()(BindResponse& b) const {
    switch (static_cast<CommandId>(command_id)) {
      case CommandId::kBindTransmitterResp:
        return UnpackSystemId<bind_transmitter_resp_t>(prefix, &b);
      case CommandId::kBindReceiverResp:
        return UnpackSystemId<bind_receiver_resp_t>(prefix, &b);
      case CommandId::kBindTransceiverResp:
        return UnpackSystemId<bind_transceiver_resp_t>(prefix, &b);
      default:
        return false;
    }
  }
  bool operator()(DataSm& d) const {
    data_sm_t t;
    if (!Unpack(prefix, &t)) return false;
    TlvListGuard guard(&t.tlv);
    d.service_type = GetStr(t.service_type);
    d.source = Address{t.source_addr_ton, t.source_addr_npi, GetStr(t.source_addr)};
    d.destination = Address{t.dest_addr_ton, t.dest_addr_npi, GetStr(t.destination_addr)};
    d.esm_class = t.esm_class;
    d.registered_delivery = t.registered_delivery;
    d.data_coding = t.data_coding;
    return true;
  }
  bool operator()(DataSmResp& r) const {
    data_sm_resp_t t;  // holds no TLV list
    if (!Unpack(prefix, &t)) return false;
    r.message_id = GetStr(t.message_id);
    return true;
  }
  bool operator()(SubmitSm& s) const {
    submit_sm_t t;
    if (!Unpack(prefix, &t)) return false;
    TlvListGuard guard(&t.tlv);
    GetSm(t, &s);
    return true;
  }
  bool operator()(DeliverSm& s) const {
    deliver_sm_t t;
    if (!Unpack(prefix, &t)) return false;
    TlvListGuard guard(&t.tlv);
    GetSm(t, &s);
    return true;
  }
  template <typename Other>
  bool operator()(Other&) const {
    return false;
  }
};

struct Packer {
  uint32_t command_id;
  std::vector<uint8_t>* out;

  bool operator()(const BindRequest& b) const {
    switch (b.mode) {
      case BindMode::kTransmitter:
        return PackBind<bind_transmitter_t>(command_id, b, out);
      case BindMode::kReceiver:
        return PackBind<bind_receiver_t>(command_id, b, out);
      case BindMode::kTransceiver:
        return PackBind<bind_transceiver_t>(command_id, b, out);
    }
    return false;
  }
  bool operator()(const BindResponse& b) const {
    switch (b.mode) {
      case BindMode::kTransmitter:
        return PackSystemId<bind_transmitter_resp_t>(command_id, b, out);
      case BindMode::kReceiver:
        return PackSystemId<bind_receiver_resp_t>(command_id, b, out);
      case BindMode::kTransceiver:
        return PackSystemId<bind_transceiver_resp_t>(command_id, b, out);
    }
    return false;
  }
  bool operator()(const DataSm& d) const {
    data_sm_t t;
    std::memset(static_cast<void*>(&t), 0, sizeof t);
    PutStr(t.service_type, d.service_type);
    t.source_addr_ton = d.source.ton;
    t.source_addr_npi = d.source.npi;
    PutStr(t.source_addr, d.source.value);
    t.dest_addr_ton = d.destination.ton;
    t.dest_addr_npi = d.destination.npi;
    PutStr(t.destination_addr, d.destination.value);
    t.esm_class = d.esm_class;
    t.registered_delivery = d.registered_delivery;
    t.data_coding = d.data_coding;
    return Pack(command_id, &t, out);
  }
  bool operator()(const DataSmResp& r) const {
    data_sm_resp_t t;
    std::memset(static_cast<void*>(&t), 0, sizeof t);
    PutStr(t.message_id, r.message_id);
    return Pack(command_id, &t, out);
  }
  bool operator()(const SubmitSm& s) const {
    submit_sm_t t;
    std::memset(static_cast<void*>(&t), 0, sizeof t);
    PutSm(s, &t);
    return Pack(command_id, &t, out);
  }
  bool operator()(const DeliverSm& s) const {
    deliver_sm_t t;
    std::memset(static_cast<void*>(&t), 0, sizeof t);
    PutSm(s, &t);
    return Pack(command_id, &t, out);
  }
  template <typename Other>
  bool operator()(const Other&) const {
    return false;
  }
};

}  // namespace

std::optional<FieldError> UnpackMandatory(std::span<const uint8_t> prefix, PduBody* body) {
  if (prefix.size() < kHeaderSize) {
    return FieldError{CommandStatus::kRSysErr, "libsmpp34 given less than a header"};
  }
  if (!std::visit(Unpacker{prefix, wire::LoadU32(prefix.data() + 4)}, *body)) {
    return FieldError{CommandStatus::kRSysErr, "libsmpp34 refused a validated body"};
  }
  return std::nullopt;
}

bool PackMandatory(const Pdu& pdu, std::vector<uint8_t>* out) {
  const size_t start = out->size();
  if (!std::visit(Packer{pdu.command_id(), out}, pdu.body)) {
    out->resize(start);
    return false;
  }
  // The real header; libsmpp34 was given status 0 and sequence 1.
  wire::StoreU32(out->data() + start + 8, pdu.command_status);
  wire::StoreU32(out->data() + start + 12, pdu.sequence_number);
  return true;
}

}  // namespace smsgw::smpp::libsmpp34
