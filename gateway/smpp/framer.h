// Cuts a TCP byte stream into SMPP PDUs. Pure: bytes in, then one of
//   kFrame     a whole PDU (header + body, exactly command_length octets),
//   kNeedMore  not enough bytes yet,
//   kBad       command_length below 16 or above the cap: the stream cannot be
//              resynchronised; answer error() (generic_nack ESME_RINVCMDLEN) and close.
//
// The 16-byte header is checked before any space is reserved for the body, so a peer cannot
// make the gateway allocate more than the cap by announcing a large command_length.
//
// Typical use by a session (no copy of the received bytes):
//   auto space = framer.PrepareRead(64 * 1024);   // read into it
//   framer.CommitRead(n);
//   while ((f = framer.Next()).status == FrameStatus::kFrame) Handle(Decode(f.frame));
// A frame's bytes stay valid until the next PrepareRead or Feed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "gateway/smpp/pdu_error.h"

namespace smsgw::smpp {

// Room for a 64 KiB message_payload plus every mandatory field and a few TLVs.
inline constexpr uint32_t kDefaultMaxCommandLength = 70000;

enum class FrameStatus { kFrame, kNeedMore, kBad };

struct Frame {
  FrameStatus status = FrameStatus::kNeedMore;
  std::span<const uint8_t> frame;  // kFrame: the PDU's bytes
  PduError error;                  // kBad: what to answer before closing
};

class Framer {
 public:
  explicit Framer(uint32_t max_command_length = kDefaultMaxCommandLength);

  // Writable space of at least `min_space` bytes (more when the PDU at the head is known to
  // need it) for the next read. Invalidates frames returned so far.
  std::span<uint8_t> PrepareRead(size_t min_space);
  // Marks `n` bytes of the space returned by PrepareRead as received.
  void CommitRead(size_t n);
  // Copies `bytes` in (tests, fuzzing). Invalidates frames returned so far.
  void Feed(std::span<const uint8_t> bytes);

  // The next whole PDU, kNeedMore, or kBad. After kBad every call returns the same kBad.
  Frame Next();

  // Bytes received and not yet returned in a frame.
  size_t buffered() const { return end_ - begin_; }

 private:
  uint32_t max_command_length_;
  std::vector<uint8_t> buf_;
  size_t begin_ = 0;             // first byte not yet returned in a frame
  size_t end_ = 0;               // one past the last received byte
  size_t needed_ = kHeaderSize;  // bytes the PDU at the head needs, once its header is known
  bool bad_ = false;
  PduError error_;
};

}  // namespace smsgw::smpp
