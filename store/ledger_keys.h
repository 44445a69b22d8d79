// The ledger's keys, all from one pepper key file (0600, kept off the database).
//
// PIN hashes use the pepper itself: HMAC-SHA256(pepper, salt || PIN). Deliberately not a slow
// hash: a PIN has 10^4..10^6 values, so no work factor stops an offline search, while PBKDF2 at
// 100k iterations costs ~40 ms per check (~25 confirmations/s per core). The pepper, stored
// apart from the database, is what stops offline guessing; attempt limits stop online guessing.
//
// Every other use gets its own subkey, HKDF-Expand(pepper, label) for one block, i.e.
// HMAC(pepper, label || 0x01), so a value computed for one purpose is useless for another:
//   lookup   keyed hashes of account numbers and withdrawal codes (searchable, not reversible)
//   request  the keyed hash of an instruction's canonical payload (idempotency check); keyed
//            because the payload carries the PIN
//   seal     AES-256-GCM of account numbers and stored instruction results
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "conf/status.h"
#include "store/crypto.h"

namespace smsgw::store {

inline constexpr std::size_t kPinSaltSize = 16;

class LedgerKeys {
 public:
  static Result<std::shared_ptr<const LedgerKeys>> FromPepper(const Key& pepper);

  // The pepper's key id. Recorded in the database on creation; a ledger opened with another
  // key is refused instead of failing every PIN (and locking every account).
  const std::string& pepper_id() const { return pepper_id_; }

  Digest PinHash(std::string_view salt, std::string_view pin) const;
  Digest AccountNumberHash(std::string_view number) const;
  Digest WithdrawalCodeHash(std::string_view recipient, std::string_view code) const;
  Digest PayloadHash(std::string_view canonical_payload) const;

  // Sealed values are stored as BLOBs: "v1:" <key id> ":" then the raw nonce, ciphertext and
  // tag (not hex), so no digit run of the plaintext can be mistaken for one in the file.
  Result<std::string> SealBlob(std::string_view plaintext, std::string_view aad) const;
  Result<SecretBytes> OpenBlob(std::string_view blob, std::string_view aad) const;

 private:
  LedgerKeys(std::string_view pepper, std::string pepper_id, std::string_view lookup,
             std::string_view request, KeyRing seal)
      : pepper_id_(std::move(pepper_id)),
        pin_mac_(pepper),
        lookup_mac_(lookup),
        request_mac_(request),
        seal_(std::move(seal)) {}

  std::string pepper_id_;
  // Prepared once: every confirmation hashes its PIN and its payload, and the one-shot
  // HmacSha256 looks the algorithm up in OpenSSL's provider on every call. The ledger's threads
  // share these keys, hence SharedHmacKey.
  SharedHmacKey pin_mac_;
  SharedHmacKey lookup_mac_;
  SharedHmacKey request_mac_;
  KeyRing seal_;
};

// The bytes of a Digest as a string (for BLOB columns and comparisons).
inline std::string_view DigestBytes(const Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

}  // namespace smsgw::store
