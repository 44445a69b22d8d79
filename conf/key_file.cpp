#include "conf/key_file.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

namespace smsgw::conf {

namespace {

constexpr std::size_t kMaxFileBytes = 4096;

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

}  // namespace

Status MakeParents(const std::filesystem::path& file) {
  std::filesystem::path dir;
  for (const auto& part : file.parent_path()) {
    dir /= part;
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status::IOError(Errno("cannot create directory", dir.string()));
    }
  }
  return Status::OK();
}

namespace {

Status SyncDirectory(const std::filesystem::path& dir) {
  Fd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) {
    return Status::IOError(Errno("cannot sync directory", dir.string()));
  }
  return Status::OK();
}

Status WriteAll(int fd, const std::string& text, const std::string& path) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::IOError(Errno("cannot write", path));
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return Status::IOError(Errno("cannot sync", path));
  return Status::OK();
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

std::string ExpectedHex(std::size_t min_bytes, std::size_t max_bytes) {
  std::string n = std::to_string(min_bytes * 2);
  if (max_bytes != min_bytes) n += "-" + std::to_string(max_bytes * 2);
  return n + " hexadecimal characters";
}

Result<KeyBytes> DecodeKey(std::string_view text, std::size_t min_bytes, std::size_t max_bytes,
                           const std::string& source) {
  std::vector<unsigned char> bytes;
  bool ok = DecodeHex(text, &bytes) && bytes.size() >= min_bytes && bytes.size() <= max_bytes;
  KeyBytes key(std::move(bytes));  // wiped on every path out
  if (!ok) {
    return Status::InvalidArgument(source + " does not hold a key of " +
                                   ExpectedHex(min_bytes, max_bytes));
  }
  return key;
}

}  // namespace

KeyBytes& KeyBytes::operator=(KeyBytes&& other) noexcept {
  if (this != &other) {
    Wipe();
    bytes_ = std::move(other.bytes_);
    other.bytes_.clear();
  }
  return *this;
}

KeyBytes::~KeyBytes() {
  Wipe();
}

void KeyBytes::Wipe() {
  if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
  bytes_.clear();
}

bool DecodeHex(std::string_view text, std::vector<unsigned char>* out) {
  constexpr std::string_view kSpace = " \t\r\n";
  std::size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return false;
  text = text.substr(begin, text.find_last_not_of(kSpace) - begin + 1);
  if (text.size() % 2 != 0) return false;
  out->clear();
  out->reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    int hi = HexDigit(text[i]);
    int lo = HexDigit(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<unsigned char>(hi * 16 + lo));
  }
  return true;
}

Status CreateKeyFile(const std::string& path, std::size_t bytes) {
  std::vector<unsigned char> key(bytes);
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    return Status::Internal("RAND_bytes failed: no key created at " + path);
  }
  std::string text(bytes * 2 + 1, '\n');
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < bytes; ++i) {
    text[2 * i] = kHex[key[i] >> 4];
    text[2 * i + 1] = kHex[key[i] & 15];
  }
  OPENSSL_cleanse(key.data(), key.size());

  Status status = MakeParents(path);
  Fd fd(status.ok()
            ? ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)
            : -1);
  if (status.ok() && fd.get() < 0) {
    bool exists = errno == EEXIST;
    status = exists ? Status::AlreadyExists("key file " + path +
                                            " exists; an existing key is never replaced")
                    : Status::IOError(Errno("cannot create key file", path));
    OPENSSL_cleanse(text.data(), text.size());
    return status;
  }
  if (status.ok()) {
    // The umask can only take bits away from 0600, but say it outright.
    status = ::fchmod(fd.get(), 0600) == 0 ? WriteAll(fd.get(), text, path)
                                           : Status::IOError(Errno("cannot chmod", path));
  }
  OPENSSL_cleanse(text.data(), text.size());
  if (fd.get() < 0) return status;
  if (::close(fd.Release()) != 0 && status.ok()) {
    status = Status::IOError(Errno("cannot close", path));
  }
  if (status.ok()) status = SyncDirectory(std::filesystem::path(path).parent_path());
  if (!status.ok()) ::unlink(path.c_str());
  return status;
}

Result<KeyBytes> ReadKeyFile(const std::string& path, std::size_t min_bytes,
                             std::size_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Status::NotFound("key file not found: " + path);
    return Status::IOError(Errno("cannot open key file", path));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Status::IOError(Errno("cannot stat key file", path));
  if (!S_ISREG(st.st_mode)) {
    return Status::FailedPrecondition("key file " + path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    return Status::FailedPrecondition("key file " + path + " has mode " + Octal(st.st_mode) +
                                      ": group and others must have no access (chmod 600 " + path +
                                      ")");
  }
  if (st.st_size > static_cast<off_t>(kMaxFileBytes)) {
    return Status::InvalidArgument("key file " + path + " is too large to hold a key");
  }
  std::string text(kMaxFileBytes, '\0');
  ssize_t n;
  do {
    n = ::read(fd.get(), text.data(), text.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    OPENSSL_cleanse(text.data(), text.size());
    return Status::IOError(Errno("cannot read key file", path));
  }
  Result<KeyBytes> key = DecodeKey(std::string_view(text.data(), static_cast<std::size_t>(n)),
                                   min_bytes, max_bytes, "key file " + path);
  OPENSSL_cleanse(text.data(), text.size());
  return key;
}

Result<KeyBytes> ReadKey(const KeySource& key) {
  if (!key.env_value.empty()) {
    return DecodeKey(key.env_value, key.min_bytes, key.max_bytes, key.env_var);
  }
  if (key.file.empty()) {
    return Status::InvalidArgument("no key file configured and " + key.env_var + " is not set");
  }
  Result<KeyBytes> read = ReadKeyFile(key.file, key.min_bytes, key.max_bytes);
  if (read.ok() || !read.status().IsNotFound() || !key.create_if_missing) return read;
  Status created = CreateKeyFile(key.file, key.min_bytes);
  // AlreadyExists: another process won the race; its key is as good as ours.
  if (!created.ok() && !created.IsAlreadyExists()) return created;
  return ReadKeyFile(key.file, key.min_bytes, key.max_bytes);
}

}  // namespace smsgw::conf
