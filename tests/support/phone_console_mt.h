// What the console shows for the submit_sm PDUs the gateway sends: concatenated parts (8- or
// 16-bit UDH reference, or sar_* TLVs) reassembled in seqnum order whatever order they came
// in, and the text decoded by data_coding. Pure; the caller passes `now`.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gateway/smpp/pdu.h"
#include "gateway/smpp/reassembler.h"

namespace smsgw::console {

struct ShownMt {
  std::string from;  // the submit_sm's source address (the short code)
  std::string to;    // its destination (the phone)
  // UTF-8; for a binary or unsupported coding, or a PDU whose user data is malformed, a note
  // in square brackets instead.
  std::string text;
  uint8_t parts = 1;           // parts the message announced
  uint8_t parts_received = 1;  // fewer for a message whose other parts never came
};

class MtAssembler {
 public:
  using Clock = std::chrono::steady_clock;

  // A message missing parts is shown, incomplete, after `timeout` without a new part.
  explicit MtAssembler(Clock::duration timeout = std::chrono::seconds(30));

  // The message to show once `sm` completes one; nullopt while parts are missing, and for a
  // part already received (a resend).
  std::optional<ShownMt> Add(const smpp::SubmitSm& sm, Clock::time_point now);

  // Messages whose missing parts waited longer than the timeout, with what did arrive.
  std::vector<ShownMt> Expire(Clock::time_point now);

  size_t pending() const { return reassembler_.open_groups(); }

 private:
  smpp::Reassembler reassembler_;
};

}  // namespace smsgw::console
