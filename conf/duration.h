// Durations as people write them in configuration files and on the command line: a sequence of
// whole numbers with units, "250ms", "10s", "5m", "24h", "7d", "1h30m". Pure; no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "conf/gateway_config.h"

namespace smsgw::conf {

// Units: ms, s, m, h, d. A bare number without a unit is refused (is "10" seconds or
// milliseconds?), as are negative values, empty text and totals beyond 100 years.
std::optional<Duration> ParseDuration(std::string_view text);

// An exact spelling in hours and smaller units: 90000ms -> "1m30s", 24h -> "24h", 0 -> "0s".
std::string FormatDuration(Duration d);

}  // namespace smsgw::conf
