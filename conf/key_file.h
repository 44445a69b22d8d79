// Key files: the store's encryption key, the ledger's PIN pepper, the backend's HMAC key and the
// admin token.
//
// A key file holds the key as hexadecimal text on one line (64 characters for 32 bytes), the
// form CreateKeyFile writes and `openssl rand -hex 32` prints, so that a key can be copied into
// an environment variable or compared by eye without a hex dump. It must be a regular file
// (a symbolic link to one is fine) with no permission bits for group or others: mode 0600 or
// 0400. Nothing here puts a key's bytes or text into a message.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "conf/gateway_config.h"
#include "conf/status.h"

namespace smsgw::conf {

// Key bytes that are wiped (OPENSSL_cleanse) when the object dies. Move-only.
class KeyBytes {
 public:
  KeyBytes() = default;
  explicit KeyBytes(std::vector<unsigned char> bytes) : bytes_(std::move(bytes)) {}
  KeyBytes(KeyBytes&& other) noexcept : bytes_(std::move(other.bytes_)) { other.bytes_.clear(); }
  KeyBytes& operator=(KeyBytes&& other) noexcept;
  KeyBytes(const KeyBytes&) = delete;
  KeyBytes& operator=(const KeyBytes&) = delete;
  ~KeyBytes();

  std::span<const unsigned char> bytes() const { return bytes_; }
  std::size_t size() const { return bytes_.size(); }

 private:
  void Wipe();
  std::vector<unsigned char> bytes_;
};

// Creates `path` holding a fresh random key of `bytes` bytes from OpenSSL's RAND_bytes, with
// mode 0600, creating missing parent directories with mode 0700, and syncs it to disk before
// returning. Never overwrites anything: AlreadyExists when the file exists, including when
// another process created it first. On any error no partial file is left behind.
Status CreateKeyFile(const std::string& path, std::size_t bytes = 32);

// mkdir -p for the directory `file` lives in, mode 0700 for what it creates (keys, databases:
// nobody else needs to list them); existing directories are left as they are.
Status MakeParents(const std::filesystem::path& file);

// Reads and checks a key file. NotFound when it does not exist; FailedPrecondition when it is
// not a regular file or group or others have any access to it; InvalidArgument when its text
// is not hex for min_bytes..max_bytes bytes; IOError when it cannot be read.
Result<KeyBytes> ReadKeyFile(const std::string& path, std::size_t min_bytes, std::size_t max_bytes);

// The key a KeySource designates: its env_value when that is set, else its file, which is
// first created (CreateKeyFile) when it is missing and create_if_missing is set. The daemon
// calls this at start; LoadGatewayConfig has already checked everything but the creation.
Result<KeyBytes> ReadKey(const KeySource& key);

// Decodes hex text, ignoring surrounding whitespace; false when it is not an even number of
// hex digits. `out` may hold part of the key on failure: the caller wipes it.
bool DecodeHex(std::string_view text, std::vector<unsigned char>* out);

}  // namespace smsgw::conf
