#include "tests/support/process_usage.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace smsgw::test {

namespace {

// "VmHWM:     1234 kB" -> bytes.
uint64_t StatusKb(const std::string& status, const std::string& key) {
  const size_t at = status.find(key + ":");
  if (at == std::string::npos) return 0;
  std::istringstream in(status.substr(at + key.size() + 1));
  uint64_t kb = 0;
  in >> kb;
  return kb * 1024;
}

}  // namespace

std::optional<ProcessUsage> ReadProcessUsage(pid_t pid) {
  const std::string base = "/proc/" + std::to_string(pid);
  std::ifstream stat_file(base + "/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // Fields 3.. follow; utime and stime are fields 14 and 15.
  for (int n = 3; n <= 15 && fields >> field; ++n) {
    if (n == 14) utime = std::stoull(field);
    if (n == 15) stime = std::stoull(field);
  }
  std::ifstream status_file(base + "/status");
  std::string status((std::istreambuf_iterator<char>(status_file)),
                     std::istreambuf_iterator<char>());
  if (status.empty()) return std::nullopt;
  ProcessUsage usage;
  usage.cpu_seconds =
      static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  usage.rss_bytes = StatusKb(status, "VmRSS");
  usage.peak_rss_bytes = StatusKb(status, "VmHWM");
  return usage;
}

}  // namespace smsgw::test
