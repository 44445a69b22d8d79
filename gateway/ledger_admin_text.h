// Text forms used by `smsgw ledger`: amounts typed by an admin and printed back, and times.
// Pure; no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "conf/status.h"

namespace smsgw::gateway {

// "1500", "1500.5", "1,500.00" -> minor units (150000, 150050, 150000). Two decimal places
// at most, no sign, commas only as thousands separators, at most 13 digits before the point.
// InvalidArgument otherwise. Never goes through a floating-point number.
Result<int64_t> ParseAmount(std::string_view text);

// 150000 -> "1,500.00"; -5 -> "-0.05".
std::string FormatAmount(int64_t minor);

// Unix seconds -> "2024-06-01 12:00:00Z".
std::string FormatTime(int64_t unix_seconds);

}  // namespace smsgw::gateway
