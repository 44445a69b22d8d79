// Builds raw PDU bytes for tests, including malformed ones the encoder would refuse.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "gateway/smpp/pdu.h"

namespace smsgw::smpp::testing {

class Bytes {
 public:
  Bytes& U8(uint8_t v) {
    b_.push_back(v);
    return *this;
  }
  Bytes& U16(uint16_t v) { return U8(static_cast<uint8_t>(v >> 8)).U8(static_cast<uint8_t>(v)); }
  Bytes& U32(uint32_t v) {
    return U16(static_cast<uint16_t>(v >> 16)).U16(static_cast<uint16_t>(v));
  }
  // The characters, then a NUL.
  Bytes& CStr(std::string_view s) { return Raw(s).U8(0); }
  Bytes& Raw(std::string_view s) {
    b_.insert(b_.end(), s.begin(), s.end());
    return *this;
  }
  Bytes& Raw(const std::vector<uint8_t>& v) {
    b_.insert(b_.end(), v.begin(), v.end());
    return *this;
  }
  Bytes& Tlv(uint16_t tag, const std::vector<uint8_t>& value) {
    return U16(tag).U16(static_cast<uint16_t>(value.size())).Raw(value);
  }
  const std::vector<uint8_t>& bytes() const { return b_; }

  // This as a body after a header with the right command_length.
  std::vector<uint8_t> AsPdu(uint32_t command_id, uint32_t seq = 1, uint32_t status = 0) const {
    Bytes p;
    p.U32(static_cast<uint32_t>(kHeaderSize + b_.size())).U32(command_id).U32(status).U32(seq);
    p.Raw(b_);
    return p.b_;
  }

 private:
  std::vector<uint8_t> b_;
};

// The mandatory part of a well-formed deliver_sm body up to (not including) sm_length.
inline Bytes DeliverSmHead(uint8_t esm_class = 0, uint8_t data_coding = 0) {
  Bytes b;
  b.CStr("").U8(1).U8(1).CStr("255700000001").U8(0).U8(0).CStr("15555");
  b.U8(esm_class).U8(0).U8(0).CStr("").CStr("").U8(0).U8(0).U8(data_coding).U8(0);
  return b;
}

// Appends a TLV to a whole PDU and fixes its command_length.
inline void AppendTlv(std::vector<uint8_t>* pdu, uint16_t tag, const std::vector<uint8_t>& value) {
  Bytes t;
  t.Tlv(tag, value);
  pdu->insert(pdu->end(), t.bytes().begin(), t.bytes().end());
  const uint32_t n = static_cast<uint32_t>(pdu->size());
  (*pdu)[0] = static_cast<uint8_t>(n >> 24);
  (*pdu)[1] = static_cast<uint8_t>(n >> 16);
  (*pdu)[2] = static_cast<uint8_t>(n >> 8);
  (*pdu)[3] = static_cast<uint8_t>(n);
}

}  // namespace smsgw::smpp::testing
