#include "store/crypto.h"

#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

namespace smsgw::store {

void Wipe(std::string& s) {
  // Over the whole capacity: a string moved from keeps its short text in its own buffer
  // with size 0, and a shrunk one keeps its old tail. Growing to the capacity never
  // reallocates.
  s.resize(s.capacity());
  OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) {
  Wipe(other.bytes_);
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Wipe(bytes_);
    bytes_ = std::move(other.bytes_);
    Wipe(other.bytes_);
  }
  return *this;
}

SecretBytes::~SecretBytes() {
  Wipe(bytes_);
}

Digest HmacSha256(std::string_view key, std::string_view data) {
  Digest out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return out;
}

struct HmacKey::State {
  SecretBytes key;  // for the one-shot path, should the prepared context fail
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* ctx = nullptr;
  ~State() {
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
  }
};

HmacKey::HmacKey(std::string_view key) : state_(std::make_unique<State>()) {
  state_->key = SecretBytes(std::string(key));
  state_->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (state_->mac != nullptr) state_->ctx = EVP_MAC_CTX_new(state_->mac);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (state_->ctx != nullptr &&
      EVP_MAC_init(state_->ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                   params) != 1) {
    EVP_MAC_CTX_free(state_->ctx);
    state_->ctx = nullptr;
  }
}

HmacKey::~HmacKey() = default;
HmacKey::HmacKey(HmacKey&&) noexcept = default;
HmacKey& HmacKey::operator=(HmacKey&&) noexcept = default;

Digest HmacKey::Compute(std::string_view data) {
  Digest out{};
  std::size_t len = 0;
  // A null key re-initialises the context with the key given at construction.
  if (state_->ctx != nullptr && EVP_MAC_init(state_->ctx, nullptr, 0, nullptr) == 1 &&
      EVP_MAC_update(state_->ctx, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) == 1 &&
      EVP_MAC_final(state_->ctx, out.data(), &len, out.size()) == 1 && len == out.size()) {
    return out;
  }
  return HmacSha256(state_->key.view(), data);
}

Digest SharedHmacKey::Compute(std::string_view data) const {
  std::lock_guard lock(mu_);
  return key_.Compute(data);
}

namespace {

// Fetched once: EVP_sha256() makes every EVP_Digest look the implementation up again, which
// costs more than hashing a short body. Null (no provider) falls back to that path.
const EVP_MD* FetchedSha256() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

Digest Sha256(std::string_view data) {
  Digest out{};
  unsigned int len = 0;
  const EVP_MD* md = FetchedSha256();
  EVP_Digest(data.data(), data.size(), out.data(), &len, md != nullptr ? md : EVP_sha256(),
             nullptr);
  return out;
}

std::string ToHex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  // Sized once and written in place: push_back checks the capacity for every character, and
  // the keyed hashes of every MO go through here (over 1 % of the core thread's samples in a
  // payment run).
  std::string out(bytes.size() * 2, '\0');
  char* at = out.data();
  for (uint8_t b : bytes) {
    *at++ = kDigits[b >> 4];
    *at++ = kDigits[b & 0xf];
  }
  return out;
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes hex into `out`; false on an odd length or a non-hex character.
bool FromHex(std::string_view hex, std::string& out) {
  if (hex.size() % 2 != 0) return false;
  out.resize(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return true;
}

constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kTagSize = 16;
constexpr std::string_view kSealVersion = "v1";

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

}  // namespace

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Status RandomBytes(std::span<uint8_t> out) {
  if (out.empty()) return Status::OK();
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    return Status::Unavailable("the random number generator failed");
  }
  return Status::OK();
}

Result<uint32_t> RandomBelow(uint32_t bound) {
  if (bound == 0) return Status::InvalidArgument("RandomBelow needs a bound above 0");
  // Rejection sampling: draw again when the value falls in the incomplete last block.
  const uint32_t limit = UINT32_MAX - (UINT32_MAX % bound);
  for (int tries = 0; tries < 64; ++tries) {
    uint32_t v = 0;
    Status s = RandomBytes({reinterpret_cast<uint8_t*>(&v), sizeof v});
    if (!s.ok()) return s;
    if (v < limit) return v % bound;
  }
  return Status::Unavailable("the random number generator keeps returning the same range");
}

Result<Key> Key::FromBytes(std::string_view bytes) {
  if (bytes.size() != kKeySize) {
    return Status::InvalidArgument("a key must be " + std::to_string(kKeySize) + " bytes, got " +
                                   std::to_string(bytes.size()));
  }
  Digest d = HmacSha256(bytes, "smsgw key id");
  return Key(SecretBytes(std::string(bytes)), ToHex(std::span(d).first(4)));
}

Result<Key> LoadKeyFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::NotFound("key file " + path + " does not exist");
    return Status::IOError("key file " + path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument("key file " + path + " is not a file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::FailedPrecondition("key file " + path + " has mode " + mode +
                                      "; it must not be accessible to group or others (chmod 600)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("key file " + path + " cannot be read");
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  SecretBytes raw_guard(std::move(raw));
  std::string_view content = raw_guard.view();
  if (content.size() == kKeySize) return Key::FromBytes(content);
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) {
    content.remove_suffix(1);
  }
  std::string decoded;
  if (content.size() != 2 * kKeySize || !FromHex(content, decoded)) {
    Wipe(decoded);
    return Status::InvalidArgument("key file " + path + " must hold 32 bytes or 64 hex digits");
  }
  SecretBytes decoded_guard(std::move(decoded));
  return Key::FromBytes(decoded_guard.view());
}

Status CreateKeyFile(const std::string& path) {
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !std::filesystem::exists(parent, ec)) {
    std::filesystem::create_directories(parent, ec);
    if (ec) return Status::IOError("creating " + parent.string() + ": " + ec.message());
    std::filesystem::permissions(parent, std::filesystem::perms::owner_all, ec);
  }
  std::array<uint8_t, kKeySize> bytes{};
  Status s = RandomBytes(bytes);
  if (!s.ok()) return s;
  std::string hex = ToHex(bytes) + "\n";
  OPENSSL_cleanse(bytes.data(), bytes.size());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    int err = errno;
    Wipe(hex);
    if (err == EEXIST) return Status::AlreadyExists("key file " + path + " already exists");
    return Status::IOError("creating key file " + path + ": " + std::strerror(err));
  }
  ssize_t n = ::write(fd, hex.data(), hex.size());
  bool ok = n == static_cast<ssize_t>(hex.size()) && ::fsync(fd) == 0;
  ::close(fd);
  Wipe(hex);
  if (!ok) {
    ::unlink(path.c_str());
    return Status::IOError("writing key file " + path);
  }
  return Status::OK();
}

Result<Key> LoadOrCreateKeyFile(const std::string& path, bool create_missing) {
  Result<Key> key = LoadKeyFile(path);
  if (key.ok() || !key.status().IsNotFound() || !create_missing) return key;
  Status s = CreateKeyFile(path);
  if (!s.ok() && !s.IsAlreadyExists()) return s;
  return LoadKeyFile(path);
}

KeyRing::KeyRing(Key current) {
  std::string id = current.id();
  auto [it, inserted] = keys_.emplace(id, std::move(current));
  current_ = &it->second;
}

void KeyRing::AddOld(Key old) {
  std::string id = old.id();
  keys_.emplace(id, std::move(old));
}

const Key* KeyRing::Find(std::string_view id) const {
  auto it = keys_.find(id);
  return it == keys_.end() ? nullptr : &it->second;
}

namespace {

// Encrypts into the sealed form with a cipher context already keyed with `key`, under `nonce`.
Result<std::string> SealWith(EVP_CIPHER_CTX* ctx, const Key& key,
                             std::span<const uint8_t, kNonceSize> nonce, std::string_view plaintext,
                             std::string_view aad) {
  std::string buf(kNonceSize + plaintext.size() + kTagSize, '\0');
  auto* out = reinterpret_cast<unsigned char*>(buf.data());
  std::memcpy(out, nonce.data(), kNonceSize);
  auto* ct = out + kNonceSize;
  int len = 0;
  bool ok =
      EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data()) == 1 &&
      EVP_EncryptUpdate(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) == 1 &&
      EVP_EncryptUpdate(ctx, ct, &len, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx, ct + len, &len) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagSize, ct + plaintext.size()) == 1;
  if (!ok) return Status::Internal("AES-256-GCM encryption failed");
  std::string sealed = std::string(kSealVersion) + ":" + key.id() + ":" +
                       ToHex({reinterpret_cast<const uint8_t*>(buf.data()), buf.size()});
  return sealed;
}

// A cipher context keyed with `key` for AES-256-GCM; null on failure.
CipherCtx KeyedContext(const Key& key) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                                reinterpret_cast<const unsigned char*>(key.bytes().data()),
                                nullptr) != 1) {
    ctx.reset();
  }
  return ctx;
}

// Bumped in every child after fork(), so random blocks drawn before it are never used twice.
std::atomic<uint64_t> g_fork_generation{0};

uint64_t ForkGeneration() {
  static const bool registered = [] {
    pthread_atfork(nullptr, nullptr, [] { g_fork_generation.fetch_add(1); });
    return true;
  }();
  (void)registered;
  return g_fork_generation.load(std::memory_order_relaxed);
}

}  // namespace

RandomPool::RandomPool(std::size_t block_size) : block_(block_size), next_(block_size) {}

RandomPool::~RandomPool() {
  OPENSSL_cleanse(block_.data(), block_.size());
}

Status RandomPool::Fill(std::span<uint8_t> out) {
  if (out.size() > block_.size()) return RandomBytes(out);
  const uint64_t generation = ForkGeneration();
  if (block_.size() - next_ < out.size() || generation != generation_) {
    if (Status s = RandomBytes(block_); !s.ok()) {
      next_ = block_.size();
      return s;
    }
    next_ = 0;
    generation_ = generation;
  }
  uint8_t* taken = block_.data() + next_;
  std::memcpy(out.data(), taken, out.size());
  OPENSSL_cleanse(taken, out.size());
  next_ += out.size();
  return Status::OK();
}

Result<std::string> Seal(const KeyRing& keys, std::string_view plaintext, std::string_view aad) {
  std::array<uint8_t, kNonceSize> nonce{};
  Status s = RandomBytes(nonce);
  if (!s.ok()) return s;
  CipherCtx ctx = KeyedContext(keys.current());
  if (!ctx) return Status::Internal("AES-256-GCM initialisation failed");
  return SealWith(ctx.get(), keys.current(), nonce, plaintext, aad);
}

struct Sealer::State {
  std::shared_ptr<const KeyRing> keys;
  CipherCtx ctx;
  RandomPool nonces{kNonceSize * 256};
};

Sealer::Sealer(std::shared_ptr<const KeyRing> keys) : state_(std::make_unique<State>()) {
  state_->keys = std::move(keys);
}

Sealer::~Sealer() = default;

Result<std::string> Sealer::Seal(std::string_view plaintext, std::string_view aad) {
  State& st = *state_;
  if (!st.ctx) {
    st.ctx = KeyedContext(st.keys->current());
    if (!st.ctx) return Status::Internal("AES-256-GCM initialisation failed");
  }
  std::array<uint8_t, kNonceSize> nonce{};
  if (Status s = st.nonces.Fill(nonce); !s.ok()) return s;
  return SealWith(st.ctx.get(), st.keys->current(), nonce, plaintext, aad);
}

Result<SecretBytes> Open(const KeyRing& keys, std::string_view sealed, std::string_view aad) {
  auto c1 = sealed.find(':');
  auto c2 = c1 == std::string_view::npos ? c1 : sealed.find(':', c1 + 1);
  if (c2 == std::string_view::npos || sealed.substr(0, c1) != kSealVersion) {
    return Status::Corruption("sealed value is not in the v1 form");
  }
  std::string_view id = sealed.substr(c1 + 1, c2 - c1 - 1);
  const Key* key = keys.Find(id);
  if (key == nullptr) return Status::NotFound("no key with id " + std::string(id));
  std::string buf;
  if (!FromHex(sealed.substr(c2 + 1), buf) || buf.size() < kNonceSize + kTagSize) {
    return Status::Corruption("sealed value is damaged");
  }
  const std::size_t ct_len = buf.size() - kNonceSize - kTagSize;
  auto* nonce = reinterpret_cast<unsigned char*>(buf.data());
  auto* ct = nonce + kNonceSize;
  auto* tag = ct + ct_len;
  std::string plain(ct_len, '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok =
      ctx &&
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                         reinterpret_cast<const unsigned char*>(key->bytes().data()), nonce) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len, ct,
                        static_cast<int>(ct_len)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len, &len) ==
          1;
  if (!ok) {
    Wipe(plain);
    return Status::Corruption("sealed value failed authentication (tampered or wrong record)");
  }
  return SecretBytes(std::move(plain));
}

}  // namespace smsgw::store
