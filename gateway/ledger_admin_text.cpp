#include "gateway/ledger_admin_text.h"

#include <ctime>

namespace smsgw::gateway {

Result<int64_t> ParseAmount(std::string_view text) {
  const Status bad =
      Status::InvalidArgument("'" + std::string(text) + "' is not an amount like 1500 or 1,500.00");
  std::size_t point = text.find('.');
  std::string_view whole = text.substr(0, point);
  std::string_view cents = point == std::string_view::npos ? "" : text.substr(point + 1);
  if (whole.empty() || cents.size() > 2 || (point != std::string_view::npos && cents.empty())) {
    return bad;
  }
  int64_t value = 0;
  int digits = 0;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    char c = whole[i];
    if (c == ',') {
      // A separator stands before each group of exactly three digits.
      if (i == 0 || (whole.size() - i - 1) % 4 != 3) return bad;
      continue;
    }
    if (c < '0' || c > '9' || ++digits > 13) return bad;
    if (whole.find(',') != std::string_view::npos && (whole.size() - i - 1) % 4 == 3) return bad;
    value = value * 10 + (c - '0');
  }
  for (std::size_t i = 0; i < 2; ++i) {
    char c = i < cents.size() ? cents[i] : '0';
    if (c < '0' || c > '9') return bad;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::string FormatAmount(int64_t minor) {
  const bool negative = minor < 0;
  // Work in unsigned so INT64_MIN has a magnitude too.
  uint64_t v = negative ? 0 - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
  std::string cents = std::to_string(v % 100);
  if (cents.size() < 2) cents.insert(0, "0");
  std::string whole = std::to_string(v / 100);
  for (int i = static_cast<int>(whole.size()) - 3; i > 0; i -= 3) whole.insert(i, ",");
  return (negative ? "-" : "") + whole + "." + cents;
}

std::string FormatTime(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

}  // namespace smsgw::gateway
