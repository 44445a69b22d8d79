#include "gateway/smpp/framer.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "gateway/smpp/wire.h"

namespace smsgw::smpp {

Framer::Framer(uint32_t max_command_length)
    : max_command_length_(std::max(max_command_length, kHeaderSize)) {}

std::span<uint8_t> Framer::PrepareRead(size_t min_space) {
  if (begin_ == end_) begin_ = end_ = 0;
  // needed_ only exceeds the header size once the header has passed the length check.
  const size_t want = std::max(min_space, needed_ > buffered() ? needed_ - buffered() : 0);
  if (buf_.size() - end_ < want) {
    if (begin_ > 0) {
      std::memmove(buf_.data(), buf_.data() + begin_, buffered());
      end_ -= begin_;
      begin_ = 0;
    }
    if (buf_.size() - end_ < want) buf_.resize(end_ + want);
  }
  return {buf_.data() + end_, buf_.size() - end_};
}

void Framer::CommitRead(size_t n) {
  end_ = std::min(end_ + n, buf_.size());
}

void Framer::Feed(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return;
  std::span<uint8_t> space = PrepareRead(bytes.size());
  std::memcpy(space.data(), bytes.data(), bytes.size());
  CommitRead(bytes.size());
}

Frame Framer::Next() {
  Frame out;
  if (bad_) {
    out.status = FrameStatus::kBad;
    out.error = error_;
    return out;
  }
  if (buffered() < kHeaderSize) {
    needed_ = kHeaderSize;
    return out;
  }
  const uint8_t* head = buf_.data() + begin_;
  const uint32_t length = wire::LoadU32(head);
  if (length < kHeaderSize || length > max_command_length_) {
    bad_ = true;
    error_.command_id = wire::LoadU32(head + 4);
    error_.sequence_number = wire::LoadU32(head + 12);
    error_.command_status = wire::LoadU32(head + 8);
    error_.status = CommandStatus::kRInvCmdLen;
    error_.reply = ErrorReply::kGenericNack;
    error_.fatal = true;
    error_.reason = "command_length " + std::to_string(length) + " outside [16, " +
                    std::to_string(max_command_length_) + "]";
    out.status = FrameStatus::kBad;
    out.error = error_;
    return out;
  }
  if (buffered() < length) {
    needed_ = length;
    return out;
  }
  out.status = FrameStatus::kFrame;
  out.frame = std::span<const uint8_t>(head, length);
  begin_ += length;
  needed_ = kHeaderSize;
  return out;
}

}  // namespace smsgw::smpp
