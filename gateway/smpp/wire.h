// Big-endian readers and writers for PDU bodies (internal to gateway/smpp).
//
// The reader never reads past its span and reports why a field does not fit, so each body
// decoder states the SMPP status a malformed field earns. The writer refuses (rather than
// truncates) a string wider than its spec width.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/smpp/command_status.h"

namespace smsgw::smpp::wire {

// Why a body was refused: the status for the response and a reason for the log (field names
// only, never message content).
struct FieldError {
  CommandStatus status = CommandStatus::kRSysErr;
  std::string reason;
};

inline uint16_t LoadU16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
inline uint32_t LoadU32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
inline void StoreU32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> data) : data_(data) {}

  size_t offset() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }

  bool U8(uint8_t* v) {
    if (remaining() < 1) return false;
    *v = data_[pos_++];
    return true;
  }
  bool U16(uint16_t* v) {
    if (remaining() < 2) return false;
    *v = LoadU16(data_.data() + pos_);
    pos_ += 2;
    return true;
  }
  bool Bytes(size_t n, std::span<const uint8_t>* out) {
    if (remaining() < n) return false;
    *out = data_.subspan(pos_, n);
    pos_ += n;
    return true;
  }

  enum class CStringResult { kOk, kTruncated, kTooLong };
  // A C-octet string of at most width - 1 characters and its NUL. kTruncated: the data ends
  // before a NUL (the body is shorter than its fields); kTooLong: no NUL within the width.
  CStringResult CString(size_t width, std::string_view* out) {
    const size_t window = std::min(width, remaining());
    const uint8_t* start = data_.data() + pos_;
    const void* nul = window == 0 ? nullptr : std::memchr(start, 0, window);
    if (nul == nullptr) {
      return window < width ? CStringResult::kTruncated : CStringResult::kTooLong;
    }
    const size_t len = static_cast<const uint8_t*>(nul) - start;
    *out = std::string_view(reinterpret_cast<const char*>(start), len);
    pos_ += len + 1;
    return CStringResult::kOk;
  }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

class Writer {
 public:
  explicit Writer(std::vector<uint8_t>* out) : out_(out) {}

  void U8(uint8_t v) { out_->push_back(v); }
  void U16(uint16_t v) {
    out_->push_back(static_cast<uint8_t>(v >> 8));
    out_->push_back(static_cast<uint8_t>(v));
  }
  void U32(uint32_t v) {
    uint8_t b[4];
    StoreU32(b, v);
    out_->insert(out_->end(), b, b + 4);
  }
  void Bytes(std::span<const uint8_t> b) { out_->insert(out_->end(), b.begin(), b.end()); }
  // False (and nothing written) when `s` needs more than `width` octets with its NUL or holds
  // a NUL itself.
  bool CString(std::string_view s, size_t width) {
    if (s.size() >= width || s.find('\0') != std::string_view::npos) return false;
    out_->insert(out_->end(), s.begin(), s.end());
    out_->push_back(0);
    return true;
  }

 private:
  std::vector<uint8_t>* out_;
};

}  // namespace smsgw::smpp::wire
