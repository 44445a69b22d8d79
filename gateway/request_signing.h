// HMAC-SHA256 signatures for the account backend's HTTP API, in both directions: the gateway
// signs its requests and verifies the backend's answers; the backend signs its answers and its
// pushes to the gateway, and verifies the gateway's requests. The wire format is specified,
// with a worked example, in docs/backend-api.md ("Wire format and signing").
//
// A signature covers the request's method and target, the answer's status code (0 for a
// request), a timestamp, the idempotency key and a SHA-256 of the body, so a signed answer
// cannot be replayed for another instruction or turned from a refusal into a success. The
// timestamp bounds replays in time; within the window a replay is harmless because the
// receiver answers the same idempotency key with the same stored answer.
//
// Pure: no I/O, no clock (callers pass the time). Keys stay in SecretBytes and never reach an
// error message.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "conf/status.h"
#include "store/crypto.h"

namespace smsgw::gateway {

inline constexpr std::string_view kSignatureHeader = "X-Smsgw-Signature";
inline constexpr std::string_view kIdempotencyKeyHeader = "Idempotency-Key";

// What a signature covers. For an answer, method and target are those of the request it
// answers and status is the answer's status code; for a request (or a push) status is 0.
struct SignedParts {
  std::string_view method;  // upper case, "POST"
  std::string_view target;  // exactly as on the request line, query included
  int status = 0;
  std::string_view idempotency_key;
  std::string_view body;
};

// The exact bytes the HMAC is computed over: seven lines joined by "\n", no trailing newline:
//   smsgw-hmac-sha256-v1 / method / target / status ("-" for a request) / unix seconds /
//   idempotency key / lower-case hex SHA-256 of the body.
std::string CanonicalString(const SignedParts& parts, int64_t unix_seconds);

// The header's value: "keyId=<id>,ts=<unix seconds>,sig=<64 lower-case hex digits>".
struct SignatureHeader {
  std::string key_id;
  int64_t timestamp = 0;
  std::string sig_hex;
};

// InvalidArgument on anything but exactly the three fields (any order, spaces around commas
// allowed), a key id of 1-64 characters from [A-Za-z0-9._-], a decimal timestamp and 64 hex
// digits.
Result<SignatureHeader> ParseSignatureHeader(std::string_view value);
std::string FormatSignatureHeader(const SignatureHeader& header);

class RequestSigner {
 public:
  // `secret` is the shared key's raw bytes (not its hex form).
  RequestSigner(std::string key_id, store::SecretBytes secret);
  // Signs with a key loaded from a key file; the key id is the key's own id (store::Key::id).
  static RequestSigner FromKey(const store::Key& key);

  // The signature header value for `parts` at `unix_seconds`.
  std::string Sign(const SignedParts& parts, int64_t unix_seconds) const;
  const std::string& key_id() const { return key_id_; }

 private:
  std::string key_id_;
  std::unique_ptr<store::SharedHmacKey> key_;  // prepared once; Sign may run on any thread
};

enum class SignatureCheck {
  kValid,
  kMissing,     // no header
  kMalformed,   // header not in the format above
  kUnknownKey,  // key id not among the verifier's keys
  kStale,       // timestamp further than the allowed skew from now, either way
  kMismatch,    // wrong signature: wrong key, or the message was altered
};

// "valid", "missing_signature", "malformed_signature", "unknown_key", "stale_timestamp",
// "bad_signature": the error codes a 401 answer carries.
std::string_view SignatureCheckName(SignatureCheck check);

class SignatureVerifier {
 public:
  static constexpr std::chrono::seconds kDefaultMaxSkew{300};

  explicit SignatureVerifier(std::chrono::seconds max_skew = kDefaultMaxSkew);

  // Accepts signatures made with this key. Several keys may be active during a rotation.
  void AddKey(std::string key_id, store::SecretBytes secret);
  void AddKey(const store::Key& key);

  // Checks `header_value` (empty when the header was absent) against `parts` at `now_unix`.
  // The signature is compared in constant time.
  SignatureCheck Verify(std::string_view header_value, const SignedParts& parts,
                        int64_t now_unix) const;

 private:
  std::chrono::seconds max_skew_;
  std::map<std::string, std::unique_ptr<store::SharedHmacKey>, std::less<>> keys_;
};

}  // namespace smsgw::gateway
