#include "gateway/http_error.h"

#include <charconv>
#include <cstring>
#include <ctime>

namespace smsgw::gateway {

std::string_view HttpErrorCodeName(HttpErrorCode code) {
  switch (code) {
    case HttpErrorCode::kNone:
      return "none";
    case HttpErrorCode::kInvalidRequest:
      return "invalid_request";
    case HttpErrorCode::kQueueFull:
      return "queue_full";
    case HttpErrorCode::kShutdown:
      return "shutdown";
    case HttpErrorCode::kResolveFailed:
      return "resolve_failed";
    case HttpErrorCode::kConnectFailed:
      return "connect_failed";
    case HttpErrorCode::kTlsFailed:
      return "tls_failed";
    case HttpErrorCode::kTimeout:
      return "timeout";
    case HttpErrorCode::kConnectionLost:
      return "connection_lost";
    case HttpErrorCode::kBadResponse:
      return "bad_response";
    case HttpErrorCode::kResponseTooLarge:
      return "response_too_large";
    case HttpErrorCode::kHttpStatus:
      return "http_status";
  }
  return "none";
}

bool IsSuccessStatus(int status) {
  return status >= 200 && status <= 299;
}

bool IsTemporaryStatus(int status) {
  return status == 408 || status == 425 || status == 429 || (status >= 500 && status <= 599);
}

bool IsTemporaryCode(HttpErrorCode code) {
  return code != HttpErrorCode::kNone && code != HttpErrorCode::kInvalidRequest &&
         code != HttpErrorCode::kHttpStatus;
}

std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value,
                                                    std::chrono::system_clock::time_point now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (value.front() >= '0' && value.front() <= '9') {
    int64_t seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
    return std::chrono::seconds(seconds);
  }
  // IMF-fixdate only (RFC 9110 5.6.7): the obsolete forms are not sent by current servers.
  std::string text(value);
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  auto at = std::chrono::system_clock::from_time_t(timegm(&tm));
  auto delta = std::chrono::duration_cast<std::chrono::seconds>(at - now);
  return delta.count() > 0 ? delta : std::chrono::seconds(0);
}

}  // namespace smsgw::gateway
