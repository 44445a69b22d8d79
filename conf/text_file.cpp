#include "conf/text_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace smsgw::conf {

namespace {

std::string Size(std::size_t bytes) {
  if (bytes % (1 << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes % (1 << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

Status CannotRead(int error) {
  std::string why = error == EISDIR ? "it is a directory" : std::strerror(error);
  if (error == ENOENT) return Status::NotFound("cannot read: " + why);
  return Status::IOError("cannot read: " + why);
}

}  // namespace

Result<std::string> ReadTextFile(const std::string& path, std::size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer. Regular files ignore it.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return CannotRead(errno);
  std::string text;
  char buf[64 * 1024];
  int error = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error = errno == EAGAIN ? 0 : errno;  // an idle FIFO: what came so far
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > max_bytes) break;
  }
  ::close(fd);
  if (error != 0) return CannotRead(error);
  if (text.size() > max_bytes) return Status::InvalidArgument("larger than " + Size(max_bytes));
  return text;
}

}  // namespace smsgw::conf
