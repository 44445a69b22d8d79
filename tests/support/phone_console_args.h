// The phone console's command line. Pure; no I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "conf/status.h"

namespace smsgw::console {

struct ConsoleOptions {
  uint16_t port = 2775;  // 0: any free port (the "waiting" line says which)
  std::string password = "secret";
  std::string short_code = "20555";
  std::string phone;  // the first phone typed as; empty: the first demo subscriber
  // Without a terminal: after each line, wait until no MT has come for this long (and the MO
  // was acknowledged), at most kMaxWaitFactor times as long, before reading the next.
  std::chrono::milliseconds reply_wait{2000};
  // How long to wait for the gateway's first bind before giving up with exit status 1;
  // 0: for ever.
  std::chrono::milliseconds wait_bind{30000};
  bool help = false;
};

inline constexpr int kMaxWaitFactor = 10;

// The usage text for --help and for errors.
std::string ConsoleUsage();

// argv without the program name. InvalidArgument naming the offending option: unknown options,
// a missing value, a port above 65535, a duration without a unit or out of range (reply-wait
// 10ms to 60s; wait-bind 0 to 1h), a phone number that is not 8 to 15 digits.
Result<ConsoleOptions> ParseConsoleArgs(const std::vector<std::string>& args);

}  // namespace smsgw::console
