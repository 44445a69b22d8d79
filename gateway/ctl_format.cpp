#include "gateway/ctl_format.h"

#include <charconv>
#include <ctime>

namespace smsgw::gateway {

Result<int64_t> ParseDurationMs(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  const std::string_view unit(end, text.data() + text.size() - end);
  int64_t scale = 0;
  if (unit == "ms") scale = 1;
  if (unit == "s") scale = 1'000;
  if (unit == "m") scale = 60'000;
  if (unit == "h") scale = 3'600'000;
  if (unit == "d") scale = 86'400'000;
  if (ec != std::errc() || end == text.data() || scale == 0 || value <= 0 ||
      value > INT64_MAX / scale) {
    return Status::InvalidArgument("'" + std::string(text) +
                                   "' is not a duration (like 90d, 12h, 30m, 45s or 500ms)");
  }
  return value * scale;
}

std::string FormatUtc(int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace smsgw::gateway
