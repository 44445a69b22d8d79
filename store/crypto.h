// Cryptographic primitives for smsgw, all through OpenSSL EVP: keyed hashes (dedup keys, PIN
// hashes, request signatures), authenticated encryption of sensitive fields at rest, random
// numbers (challenge codes, ids) and key files.
//
// Nothing here logs. Secrets live in SecretBytes, which wipes its memory when it goes away.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "conf/status.h"

namespace smsgw::store {

// A byte string that is wiped (OPENSSL_cleanse) on destruction and on reassignment. Used for
// keys, decrypted fields and PINs on their way through the process.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::string bytes) : bytes_(std::move(bytes)) {}
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  ~SecretBytes();

  std::string_view view() const { return bytes_; }
  std::size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }

 private:
  std::string bytes_;
};

// Overwrites a buffer's bytes in a way the optimiser cannot remove.
void Wipe(std::string& s);

inline constexpr std::size_t kKeySize = 32;

// A 256-bit key and its 8-hex-digit id. The id is derived from the key (HMAC of a fixed label),
// so it names the key in stored records without revealing anything about it.
class Key {
 public:
  // InvalidArgument unless `bytes` is exactly kKeySize bytes.
  static Result<Key> FromBytes(std::string_view bytes);

  std::string_view bytes() const { return bytes_.view(); }
  const std::string& id() const { return id_; }

 private:
  Key(SecretBytes bytes, std::string id) : bytes_(std::move(bytes)), id_(std::move(id)) {}
  SecretBytes bytes_;
  std::string id_;
};

// Reads a key file: 32 raw bytes, or 64 hex digits with an optional trailing newline.
// Refused (FailedPrecondition) when the file is readable or writable by group or others, so a
// key is never used from a file anyone else on the machine can read. NotFound when missing.
Result<Key> LoadKeyFile(const std::string& path);

// Creates a new key file of 64 hex digits from RAND_bytes with mode 0600 (O_EXCL: an existing
// file is never overwritten; AlreadyExists then). Creates missing parent directories (0700).
Status CreateKeyFile(const std::string& path);

// LoadKeyFile, creating the file first when it does not exist and `create_missing` is set.
Result<Key> LoadOrCreateKeyFile(const std::string& path, bool create_missing);

// Fills `out` from OpenSSL's CSPRNG. Unavailable when the generator fails (it should not).
Status RandomBytes(std::span<uint8_t> out);

// A uniformly random integer in [0, bound) without modulo bias. bound > 0.
Result<uint32_t> RandomBelow(uint32_t bound);

// RandomBytes for many small draws: one RAND_bytes call fills a block that is handed out in
// pieces, each wiped from the block as it is taken, so no byte is handed out twice. A call
// to RAND_bytes costs about as much as drawing a few hundred bytes, and the daemon draws a
// few dozen bytes per instruction (its id and reference) and per sealed text (the nonce). In a
// child after fork() the rest of the block is dropped, so parent and child never share bytes.
// Not thread-safe: one pool per thread or per owner.
class RandomPool {
 public:
  explicit RandomPool(std::size_t block_size);
  ~RandomPool();
  RandomPool(const RandomPool&) = delete;
  RandomPool& operator=(const RandomPool&) = delete;

  // As RandomBytes. A draw larger than the block goes to RandomBytes directly.
  Status Fill(std::span<uint8_t> out);

 private:
  std::vector<uint8_t> block_;
  std::size_t next_;  // index of the first byte not handed out; block_.size() when used up
  uint64_t generation_ = 0;
};

using Digest = std::array<uint8_t, 32>;

Digest HmacSha256(std::string_view key, std::string_view data);

// HMAC-SHA256 under one key, prepared once: Compute(data) equals HmacSha256(key, data) at a
// fraction of the cost, for hot paths that hash every message. One thread at a time.
class HmacKey {
 public:
  explicit HmacKey(std::string_view key);
  ~HmacKey();
  HmacKey(const HmacKey&) = delete;
  HmacKey& operator=(const HmacKey&) = delete;
  HmacKey(HmacKey&&) noexcept;
  HmacKey& operator=(HmacKey&&) noexcept;

  Digest Compute(std::string_view data);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// An HmacKey that threads may share: calls take turns on a mutex. A prepared computation takes
// a fraction of the one-shot HmacSha256's time (which looks the algorithms up on every call),
// so the wait for a turn is short.
class SharedHmacKey {
 public:
  explicit SharedHmacKey(std::string_view key) : key_(key) {}
  Digest Compute(std::string_view data) const;

 private:
  mutable std::mutex mu_;
  mutable HmacKey key_;
};

Digest Sha256(std::string_view data);
std::string ToHex(std::span<const uint8_t> bytes);

// Compares in time that depends only on the lengths, never on where the inputs differ.
bool ConstantTimeEqual(std::string_view a, std::string_view b);

// Keys for encryption at rest: one current key that seals, older ones kept to open records
// sealed before a rotation.
class KeyRing {
 public:
  explicit KeyRing(Key current);
  void AddOld(Key old);
  const Key& current() const { return *current_; }
  const Key* Find(std::string_view id) const;

 private:
  std::map<std::string, Key, std::less<>> keys_;
  const Key* current_ = nullptr;
};

// AES-256-GCM with a fresh random 96-bit nonce per record. The sealed form is text-safe:
//   "v1:" <key id> ":" <hex(nonce || ciphertext || tag)>
// `aad` (associated data, e.g. the record's table and id) is authenticated, not stored: a
// sealed value copied to another record fails to open.
Result<std::string> Seal(const KeyRing& keys, std::string_view plaintext, std::string_view aad);

// Seal() for hot paths that seal many values: the cipher is keyed once per key, and nonces are
// drawn from the CSPRNG in blocks (each nonce is still 96 fresh random bits used once; a block
// left over in a child process after fork() is discarded, never reused). Output is the same
// form as Seal()'s and opens with Open(). One thread at a time; `keys` must outlive it.
class Sealer {
 public:
  explicit Sealer(std::shared_ptr<const KeyRing> keys);
  ~Sealer();
  Sealer(const Sealer&) = delete;
  Sealer& operator=(const Sealer&) = delete;

  Result<std::string> Seal(std::string_view plaintext, std::string_view aad);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Corruption when the value was tampered with, sealed for other associated data, or is not in
// the sealed form; NotFound when its key id is not in the ring.
Result<SecretBytes> Open(const KeyRing& keys, std::string_view sealed, std::string_view aad);

}  // namespace smsgw::store
