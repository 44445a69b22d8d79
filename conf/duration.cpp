#include "conf/duration.h"

#include <cstdint>

namespace smsgw::conf {

namespace {

struct Unit {
  std::string_view name;
  std::int64_t ms;
};

// Longest names first where one is a prefix of another ("ms" before "m").
constexpr Unit kUnits[] = {
    {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
constexpr std::int64_t kMaxMs = 100LL * 365 * 86'400'000;

}  // namespace

std::optional<Duration> ParseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t n = 0;
    std::size_t digits = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) {
      n = n * 10 + (text[i] - '0');
      if (n > kMaxMs) return std::nullopt;
    }
    if (digits == 0) return std::nullopt;
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (text.substr(i, u.name.size()) == u.name) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) return std::nullopt;
    i += unit->name.size();
    if (n > kMaxMs / unit->ms) return std::nullopt;
    total += n * unit->ms;
    if (total > kMaxMs) return std::nullopt;
  }
  return Duration(total);
}

std::string FormatDuration(Duration d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  // Days are accepted but not written: "24h" reads better than "1d" next to "1h".
  for (auto it = std::rbegin(kUnits) + 1; it != std::rend(kUnits); ++it) {
    if (ms >= it->ms) {
      out += std::to_string(ms / it->ms) + std::string(it->name);
      ms %= it->ms;
    }
  }
  return out;
}

}  // namespace smsgw::conf
