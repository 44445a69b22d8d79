// Reading a configuration or grammar file whole, with a cap on its size: the file is read into
// memory, so a path that names something without an end (/dev/zero, a FIFO, a log growing under
// it) must be refused after at most `max_bytes` + 1 bytes, not read until memory runs out.
#pragma once

#include <cstddef>
#include <string>

#include "conf/status.h"

namespace smsgw::conf {

// The file's bytes. Messages do not name the path (callers put it where their format wants it):
//   NotFound         "cannot read: No such file or directory"
//   IOError          "cannot read: it is a directory", "cannot read: <strerror>"
//   InvalidArgument  "larger than <max_bytes as KiB or MiB>" when it holds more than max_bytes
// A FIFO without a writer reads as empty rather than blocking.
Result<std::string> ReadTextFile(const std::string& path, std::size_t max_bytes);

}  // namespace smsgw::conf
