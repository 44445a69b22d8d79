#include "tests/support/process_usage.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace smsgw::test {

namespace {

// "voluntary_ctxt_switches:   1234" -> 1234; 0 when absent. The key must start a line, so
// "voluntary_..." is not found inside "nonvoluntary_...".
uint64_t StatusNumber(const std::string& status, const std::string& key) {
  const std::string lines = "\n" + status, line_start = "\n" + key + ":";
  const size_t at = lines.find(line_start);
  if (at == std::string::npos) return 0;
  std::istringstream in(lines.substr(at + line_start.size()));
  uint64_t n = 0;
  in >> n;
  return n;
}

// "VmHWM:     1234 kB" -> bytes.
uint64_t StatusKb(const std::string& status, const std::string& key) {
  return StatusNumber(status, key) * 1024;
}

// utime + stime in clock ticks from a /proc .../stat file; nullopt when it cannot be read.
std::optional<unsigned long long> CpuTicks(const std::string& stat_path) {
  std::ifstream stat_file(stat_path);
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 2 > stat.size()) return std::nullopt;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // Fields 3.. follow; utime and stime are fields 14 and 15.
  for (int n = 3; n <= 15 && fields >> field; ++n) {
    if (n == 14) utime = std::stoull(field);
    if (n == 15) stime = std::stoull(field);
  }
  return utime + stime;
}

}  // namespace

std::optional<ProcessUsage> ReadProcessUsage(pid_t pid) {
  const std::string base = "/proc/" + std::to_string(pid);
  std::optional<unsigned long long> ticks = CpuTicks(base + "/stat");
  if (!ticks) return std::nullopt;
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  std::map<std::string, double> threads;
  uint64_t switches = 0;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator(base + "/task", ec)) {
    std::ifstream task_status_file(task.path() / "status");
    const std::string task_status((std::istreambuf_iterator<char>(task_status_file)),
                                  std::istreambuf_iterator<char>());
    switches += StatusNumber(task_status, "voluntary_ctxt_switches");
    std::ifstream comm_file(task.path() / "comm");
    std::string name;
    std::getline(comm_file, name);
    // A thread that ended meanwhile is left out.
    if (std::optional<unsigned long long> t = CpuTicks(task.path() / "stat"); t && !name.empty()) {
      threads[name] += static_cast<double>(*t) / tick;
    }
  }
  std::ifstream status_file(base + "/status");
  std::string status((std::istreambuf_iterator<char>(status_file)),
                     std::istreambuf_iterator<char>());
  if (status.empty()) return std::nullopt;
  ProcessUsage usage;
  usage.cpu_seconds = static_cast<double>(*ticks) / tick;
  usage.thread_cpu_seconds = std::move(threads);
  usage.voluntary_switches = switches;
  usage.rss_bytes = StatusKb(status, "VmRSS");
  usage.peak_rss_bytes = StatusKb(status, "VmHWM");
  // "wchar: 1234" lines, read as the status file's.
  std::ifstream io_file(base + "/io");
  const std::string io((std::istreambuf_iterator<char>(io_file)), std::istreambuf_iterator<char>());
  usage.written_bytes = StatusNumber(io, "wchar");
  usage.write_calls = StatusNumber(io, "syscw");
  return usage;
}

std::optional<HostCpu> ReadHostCpu() {
  std::ifstream stat_file("/proc/stat");
  std::string label;
  if (!(stat_file >> label) || label != "cpu") return std::nullopt;
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is counted in
  // user already, so the first eight make the total.
  HostCpu cpu;
  unsigned long long value = 0;
  for (int field = 0; field < 8; ++field) {
    if (!(stat_file >> value)) return std::nullopt;
    cpu.total += value;
    if (field == 7) cpu.steal = value;
  }
  return cpu;
}

double StolenShare(const HostCpu& before, const HostCpu& after) {
  if (after.total <= before.total || after.steal < before.steal) return 0;
  return static_cast<double>(after.steal - before.steal) /
         static_cast<double>(after.total - before.total);
}

}  // namespace smsgw::test
