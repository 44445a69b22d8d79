// The redacted copy of a message: what may be stored and logged.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace smsgw::parser {

// A byte range of the original text to hide. With keep_last4 it becomes "****" and the last
// four digits of the value (an account number); otherwise "****".
struct Mask {
  uint32_t begin = 0;
  uint32_t end = 0;
  bool keep_last4 = false;
  char last4[4] = {};
};

// The original text with every mask applied. Overlapping masks merge into one, which keeps
// its last four digits only if all of them did. Undecodable bytes become '?' and control
// characters ' ', so the copy is safe for a log line. Sorts `masks`.
std::string Redact(std::string_view original, std::vector<Mask>& masks);

}  // namespace smsgw::parser
