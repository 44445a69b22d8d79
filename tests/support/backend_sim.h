// A test account backend speaking the HTTP API of docs/backend-api.md: it verifies request
// signatures, honours Idempotency-Key (same key and body: the stored answer; same key, other
// body: 422 idempotency_conflict), counts applications and attempts per key, and misbehaves
// on demand. Runs on its own io thread, so a test's client and the backend never share a loop.
// The program build/tools/backend_sim wraps it for scripts and benchmarks.
//
// Endpoints:
//   POST /v1/instructions   the API
//   GET  /stats             counters as JSON; /stats?keys=1 adds per-key applications/attempts
//   POST /sim/faults        {"key": "...", "faults": [...]} scripts faults for the next attempts
//                           with that key; without "key", for the next requests of any key
//   POST /sim/release       answers every held request
//
// Instruction semantics, so tests can ask for outcomes: a "reject" string in fields gives
// {"status":"rejected","reason":<it>}; anything else is accepted with a transaction_code
// and the operation echoed; ScriptAnswer sets the answer outright. A repeated id with the same body
// gets the first answer again, marked "replayed".
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/status.h"
#include "gateway/backend_wire.h"

namespace smsgw::test {

enum class SimFault {
  kNone,
  kSlow,             // applied; the answer waits `slow_delay` (past the client's timeout)
  kError500,         // not applied; 500
  kError503,         // not applied; 503 with Retry-After: 1
  kTooMany429,       // not applied; 429 with Retry-After: 1
  kBadRequest400,    // not applied; 400 bad_request (permanent)
  kReset,            // not applied; TCP reset instead of an answer
  kResetAfterApply,  // applied; TCP reset instead of the answer
  kDrop,             // not applied; the connection closed (FIN) without an answer
  kBadSignature,     // applied; the answer's signature is wrong
  kClose,            // applied; answered as keep-alive, then the connection closed at once
  kHold,             // applied; the answer waits for ReleaseHeld()
};

// "none", "slow", "500", "503", "429", "400", "reset", "reset_after_apply", "drop", "badsig",
// "close", "hold".
std::optional<SimFault> ParseSimFault(std::string_view name);
std::string_view SimFaultName(SimFault fault);

struct BackendSimOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;
  std::string key;  // the shared key's 32 raw bytes; empty: signatures neither checked nor made
  std::chrono::seconds max_skew{300};
  std::chrono::milliseconds slow_delay{1000};
  // Unscripted instruction requests get `fail_mode` with this probability.
  double fail_rate = 0;
  SimFault fail_mode = SimFault::kError500;
  uint64_t seed = 1;
  std::string tls_cert_file;  // both set: HTTPS
  std::string tls_key_file;
};

struct BackendSimStats {
  uint64_t connections = 0;  // accepted
  int64_t open_connections = 0;
  int64_t peak_open_connections = 0;
  uint64_t requests = 0;      // HTTP requests read, any path
  uint64_t instructions = 0;  // POST /v1/instructions
  uint64_t applied = 0;       // first application of a key
  uint64_t replayed = 0;      // same key and body: stored answer
  uint64_t conflicts = 0;     // same key, other body: 422
  uint64_t auth_failures = 0;
  uint64_t faults = 0;  // misbehaviours performed
  std::size_t held = 0;
  std::map<std::string, int> applications;  // key -> times applied
  std::map<std::string, int> attempts;      // key -> instruction requests with that key
};

class BackendSim {
 public:
  explicit BackendSim(BackendSimOptions options);
  ~BackendSim();
  BackendSim(const BackendSim&) = delete;
  BackendSim& operator=(const BackendSim&) = delete;

  // Binds and starts the io thread. InvalidArgument for a bad key or TLS files; Unavailable
  // when the address cannot be bound.
  Status Start();
  uint16_t port() const;
  // Closes everything and joins the io thread; safe to call more than once.
  void Stop();

  void ScriptFaults(const std::string& key, std::vector<SimFault> faults);
  void ScriptNext(std::vector<SimFault> faults);
  // The answer the first application of `key` gets (and its replays, marked replayed).
  void ScriptAnswer(const std::string& key, gateway::WireAnswer answer);
  void ReleaseHeld();

  BackendSimStats stats() const;
  std::string StatsJson(bool with_keys) const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace smsgw::test
