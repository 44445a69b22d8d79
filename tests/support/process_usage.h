// What a running process has used, read from /proc (Linux): for benchmarks that measure the
// daemon as a separate process, so the load generator's own work is never counted.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace smsgw::test {

struct ProcessUsage {
  double cpu_seconds = 0;       // user + system, all threads, since the process started
  uint64_t rss_bytes = 0;       // resident now (VmRSS)
  uint64_t peak_rss_bytes = 0;  // high-water mark (VmHWM)
  // user + system by thread name (/proc/<pid>/task/*/comm), threads of one name summed; the
  // daemon names its threads (smsgw-core, smsgw-backend, smsgw-wal; the SMPP and HTTP thread
  // keeps the process's name).
  std::map<std::string, double> thread_cpu_seconds;
};

// nullopt when the process is gone or /proc cannot be read.
std::optional<ProcessUsage> ReadProcessUsage(pid_t pid);

}  // namespace smsgw::test
