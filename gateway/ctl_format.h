// Pure helpers of `smsgw ctl`: durations as operators type them and times as they read them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "conf/status.h"

namespace smsgw::gateway {

// "90d", "12h", "30m", "45s", "500ms" -> milliseconds. A number needs its unit; the value must
// be positive. InvalidArgument otherwise, naming the text.
Result<int64_t> ParseDurationMs(std::string_view text);

// Unix milliseconds as "2023-11-14T22:13:20Z" (UTC, to the second).
std::string FormatUtc(int64_t unix_ms);

}  // namespace smsgw::gateway
