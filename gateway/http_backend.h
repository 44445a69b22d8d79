// The HTTP adapter of the backend port (commands/backend_port.h): each Submit is one signed
// attempt at POST /v1/instructions on the bank's backend (docs/backend-api.md, "Wire format
// and signing"). The store's outbox owns what surrounds an attempt: the retries with the same
// id, the backoff, the dead letters. This adapter only says what the attempt came to.
//
// How an attempt maps onto the port's outcomes:
//   200 accepted (signed)                   accepted: result -> fields, statement lines
//   200 rejected (signed)                   rejected with the backend's reason and detail (and
//                                           result -> fields, when it gives any)
//   422 or any refusal idempotency_conflict rejected, idempotency_conflict: a caller's bug
//   400 (signed)                            rejected, invalid_request; detail: the error code
//   401, other 4xx (signed)                 unavailable: a key, clock or URL problem for an
//                                           operator; retried, then dead-lettered
//   5xx, 408, 429, timeout, lost connection, unsigned or badly signed answer, unreadable 2xx,
//   open circuit breaker                    unavailable; detail says which (BackendReply's
//                                           error_code: "timeout", "http_500", ...)
// An unavailable attempt that failed before a byte was sent (open circuit, connection refused,
// name not resolved, TLS handshake failed, client queue full) is marked not_sent: it does not
// count against the instruction's attempts.
// An instruction that fails ValidateInstruction, or whose id is not a wire id, is rejected
// with invalid_request without a request.
//
// Threading: Submit and Stop may be called from any thread; `done` runs on the HttpClient's
// strand of the io_context, never inside Submit. Destroy the backend on the io_context's
// thread or once it has stopped running.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>

#include "commands/backend_port.h"
#include "conf/gateway_config.h"
#include "conf/status.h"
#include "gateway/backend_exchange.h"
#include "gateway/circuit_breaker.h"
#include "gateway/http_client.h"
#include "gateway/request_signing.h"
#include "store/crypto.h"

namespace smsgw::gateway {

// For /healthz and /metrics; readable from any thread.
struct HttpBackendStats {
  uint64_t requests_ok = 0;      // attempts that ended accepted or rejected
  uint64_t requests_failed = 0;  // attempts that ended unavailable (an open breaker included)
  BreakerState breaker = BreakerState::kClosed;
  uint64_t breaker_times_opened = 0;
  HttpClientStats http;
};

// The port's outcome for one reply of the exchange, per the table above. Pure.
commands::BackendResult ToBackendResult(BackendReply reply);

class HttpBackend final : public commands::Backend {
 public:
  HttpBackend(std::unique_ptr<HttpClient> client, BackendExchangeOptions options,
              RequestSigner signer, SignatureVerifier verifier);
  ~HttpBackend() override;
  HttpBackend(const HttpBackend&) = delete;
  HttpBackend& operator=(const HttpBackend&) = delete;

  // One attempt. The instruction's secrets are wiped once its body is encoded, and the body
  // once it is sent.
  void Submit(commands::Instruction instruction, Completion done) override;

  // One attempt each, encoded and signed on the HTTP client's thread: the caller is the
  // daemon's core thread, its busiest, and the JSON body and its HMAC are a tenth of what
  // that thread spends on a forwarded MO. Same answers as Submit, one per instruction.
  void SubmitBatch(std::vector<commands::Instruction> instructions, BatchCompletion done) override;

  // From the circuit breaker: any number while closed, one (the probe) once open_time has
  // passed, none while open or while the probe is out (ask again when it would be replaced).
  commands::SendPermit MaySend() const override;

  // Closes the connections; attempts in flight and later ones complete as unavailable
  // ("shutdown"). Safe to call more than once.
  void Stop();

  BreakerState breaker_state() const;
  HttpBackendStats stats() const;

 private:
  // The client and the exchange over it, shared with submissions waiting for the client's
  // thread, so they outlive the adapter if need be.
  struct Sender;

  std::shared_ptr<Sender> sender_;
};

// Builds the adapter from `backend.http`: url (http or https), key_id naming `hmac_key` (the
// decoded key's raw bytes, at least 32) in the signature header, ca_file, connect and request
// timeouts, pool_size connections, and the circuit breaker's threshold and open time.
// max_attempts and the backoff are the outbox's. InvalidArgument naming the setting when one
// is unusable (never showing the key).
Result<std::unique_ptr<HttpBackend>> MakeHttpBackend(boost::asio::io_context& io,
                                                     const conf::HttpBackend& cfg,
                                                     store::SecretBytes hmac_key);

}  // namespace smsgw::gateway
