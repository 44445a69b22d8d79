#pragma once

namespace smsgw {

// Bumped with every release; packaging/build_deb.sh reads it from here.
inline constexpr const char* kVersion = "0.1.0";

}  // namespace smsgw
