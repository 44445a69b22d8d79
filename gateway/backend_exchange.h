// One attempt at a signed call to the account backend over HttpClient: signs the request,
// sends it with its Idempotency-Key, checks the answer's signature, and says what the answer
// means. The retry schedule and durable state belong to the caller (the store's outbox): this
// is the transport and protocol underneath the HTTP adapter of the backend port.
//
// An answer decides an instruction only when it is authenticated: a 2xx or a permanent 4xx
// without a valid signature (a proxy's error page, a misrouted request, a tampered answer) is
// reported as unavailable, so the instruction is retried and finally dead-lettered for an
// operator, never marked done or rejected on an answer the backend may not have given.
//
// A circuit breaker guards the backend: while it is open, calls fail at once as unavailable
// ("circuit_open") without touching the network.
//
// Threading: Post and Submit may be called from any thread; callbacks run on the HttpClient's
// strand. The HttpClient must outlive the exchange's calls.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/backend_wire.h"
#include "gateway/circuit_breaker.h"
#include "gateway/http_client.h"
#include "gateway/request_signing.h"
#include "gateway/url.h"

namespace smsgw::gateway {

// SignedAnswer::error_code of a call the open breaker refused before sending it.
inline constexpr std::string_view kCircuitOpen = "circuit_open";

struct BackendExchangeOptions {
  // The backend's base URL; paths are appended to its target ("https://bank/api" +
  // "/v1/instructions").
  Url base_url;
  std::chrono::milliseconds timeout{0};  // per attempt; 0: the HttpClient's request_timeout
  CircuitBreakerOptions breaker;
  // Wall clock in unix seconds for signature timestamps; empty: the system clock.
  std::function<int64_t()> unix_now;
};

// The outcome of one attempt at a signed call.
struct SignedAnswer {
  enum class Kind {
    kAnswered,     // a verified 2xx: `body` is the backend's answer
    kRefused,      // a verified permanent 4xx: not applied; `error_code` says why
    kUnavailable,  // temporary: try again later with the same idempotency key
  };
  Kind kind = Kind::kUnavailable;
  int http_status = 0;  // 0 when no answer arrived
  std::string body;
  // kRefused: the backend's error code ("idempotency_conflict", "bad_request", ...).
  // kUnavailable: why, one of HttpErrorCodeName (e.g. "timeout", "connection_lost"),
  // "http_<status>" (5xx, 408, 429), a SignatureCheckName ("bad_signature", ...) for an
  // unauthenticated answer, or "circuit_open".
  std::string error_code;
  std::string message;                              // for logs; holds no body
  std::optional<std::chrono::seconds> retry_after;  // 429, 503: at most the breaker's max_hold
  // kUnavailable: the call was the circuit breaker's probe and the answer was 503 or 429, so
  // the backend (or a proxy before it) said it took nothing: the backend is still down, which
  // says nothing about the instruction that went as the probe. `hold`: how long the breaker
  // is open again (open_for, or longer for a Retry-After).
  bool declined_probe = false;
  std::chrono::milliseconds hold{0};
};

// The outcome of submitting one instruction.
struct BackendReply {
  enum class Kind {
    kAccepted,     // applied; `result` holds the backend's result
    kRejected,     // a definitive "no" for the subscriber; `reason` holds the backend's code
    kRefused,      // the backend refused the request itself (see SignedAnswer::kRefused)
    kUnavailable,  // unknown or not applied yet: retry with the same id
  };
  Kind kind = Kind::kUnavailable;
  nlohmann::json result = nlohmann::json::object();    // name -> string or integer
  nlohmann::json statement = nlohmann::json::array();  // kAccepted statement: lines
  std::string reason;                                  // kRejected
  std::string detail;                                  // kRejected: a short machine token
  bool replayed = false;                               // the backend's stored answer
  std::string error_code;  // as SignedAnswer::error_code; "bad_answer" for an unreadable 2xx
  std::string message;
  int http_status = 0;
  std::optional<std::chrono::seconds> retry_after;
  bool declined_probe = false;  // as SignedAnswer
  std::chrono::milliseconds hold{0};
};

class BackendExchange {
 public:
  BackendExchange(HttpClient& client, BackendExchangeOptions options, RequestSigner signer,
                  SignatureVerifier verifier);

  // POSTs `body` (JSON) to base_url + `path`.
  void Post(const std::string& path, std::string idempotency_key, std::string body,
            std::function<void(SignedAnswer)> done);

  // POSTs the instruction to /v1/instructions with its id as the Idempotency-Key and decodes
  // the answer. A verified 2xx whose body is not a valid answer is kUnavailable ("bad_answer"):
  // what happened is unknown, so the instruction must not be marked done or rejected. The
  // encoded body (it may carry a PIN) is wiped once sent.
  void Submit(const WireInstruction& instruction, std::function<void(BackendReply)> done);

  // What the breaker would let through now (CircuitBreaker::PermitAt).
  BreakerPermit Permit() const;

  // For /healthz and metrics.
  BreakerState breaker_state() const;
  uint64_t breaker_times_opened() const;

  struct State;

 private:
  HttpClient& client_;
  std::shared_ptr<State> state_;
};

}  // namespace smsgw::gateway
