// What went wrong with an HTTP exchange, classified by what the caller should do about it.
//
// Temporary: the same request may succeed later; retry it with backoff (same Idempotency-Key).
// Permanent: the server definitively refused the request, so it was not applied and sending it
// again unchanged fails the same way.
//
// Every failure where the request may have reached the server (timeouts, resets, malformed or
// oversized answers) is temporary, never permanent: its outcome is unknown, and only a retry
// with the same key can learn it. A permanent classification therefore always means "not
// applied". TLS failures are temporary too: nothing was sent, and the fix (a renewed
// certificate, a CA bundle) is an operator's, after which the same request succeeds; a payment
// must not be refused to a subscriber because of it.
//
// Pure.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace smsgw::gateway {

enum class HttpErrorCode {
  kNone = 0,
  kInvalidRequest,    // bad URL or method: never sent (permanent)
  kQueueFull,         // every connection busy and the wait queue full: never sent
  kShutdown,          // the client was stopped
  kResolveFailed,     // the host name did not resolve
  kConnectFailed,     // refused, unreachable
  kTlsFailed,         // handshake or certificate verification failed: never sent
  kTimeout,           // the per-request deadline passed (queue wait, connect, exchange)
  kConnectionLost,    // reset or closed before the whole answer arrived
  kBadResponse,       // not HTTP/1.1 the parser accepts
  kResponseTooLarge,  // answer body over the configured limit
  kHttpStatus,        // a complete answer whose status is not 2xx
};

// "none", "invalid_request", "queue_full", "shutdown", "resolve_failed", "connect_failed",
// "tls_failed", "timeout", "connection_lost", "bad_response", "response_too_large",
// "http_status": used in logs and metric labels.
std::string_view HttpErrorCodeName(HttpErrorCode code);

struct HttpError {
  HttpErrorCode code = HttpErrorCode::kNone;
  bool temporary = false;
  std::string message;  // for logs; never holds request or answer bodies
  // From a 429 or 503 answer's Retry-After, when present and sane.
  std::optional<std::chrono::seconds> retry_after;
};

// 2xx: success. 408, 425, 429 and every 5xx: temporary. Other 4xx (and 1xx/3xx, which the
// client does not follow): permanent.
bool IsSuccessStatus(int status);
bool IsTemporaryStatus(int status);

// Whether a failure with this code (other than kHttpStatus) is worth retrying.
bool IsTemporaryCode(HttpErrorCode code);

// Retry-After as delta-seconds ("120") or an IMF-fixdate ("Wed, 21 Oct 2015 07:28:00 GMT")
// relative to `now`. nullopt when malformed; a date in the past gives 0.
std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value,
                                                    std::chrono::system_clock::time_point now);

}  // namespace smsgw::gateway
