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
  // Times its threads went to sleep (voluntary_ctxt_switches, all threads): each one is a
  // wake-up later, which on a virtual machine costs tens of microseconds of CPU.
  uint64_t voluntary_switches = 0;
  // What its threads handed to write calls, and how many calls (/proc/<pid>/io: wchar, syscw):
  // for the daemon, the WAL's frames, the checkpoints into the database files and the log.
  // Both 0 when that file cannot be read.
  uint64_t written_bytes = 0;
  uint64_t write_calls = 0;
};

// nullopt when the process is gone or /proc cannot be read.
std::optional<ProcessUsage> ReadProcessUsage(pid_t pid);

// The whole machine's CPU time so far, all CPUs, from the first line of /proc/stat, in clock
// ticks. On a virtual machine `steal` is the time the hypervisor ran something else while
// this guest had work: during a benchmark it is capacity and latency taken away from outside,
// which no change to the daemon can win back, so a result reports it beside its figures.
struct HostCpu {
  unsigned long long total = 0;  // every state, steal included (guest time is within user)
  unsigned long long steal = 0;
};

// nullopt when /proc/stat cannot be read.
std::optional<HostCpu> ReadHostCpu();

// Stolen time as a share of all CPU time between two readings: 0 when nothing elapsed.
double StolenShare(const HostCpu& before, const HostCpu& after);

}  // namespace smsgw::test
