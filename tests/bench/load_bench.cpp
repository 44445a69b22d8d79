// Load benchmark of the whole daemon, in the manner of leveldb's db_bench: flags with
// defaults, an environment header, one result line per scenario. Each run starts `smsgw run`
// as a process on a fresh store (tests/support/load_driver.h says what a run does); figures
// are the median of --runs runs. docs/benchmarks.md ("Whole daemon under load") gives the
// method and the figures measured.
//
//   load_bench [--benchmarks=forward,payment,steady,throttled] [--mos=20000]
//              [--payments=10000] [--binds=1] [--window=100] [--rate=1000]
//              [--steady_seconds=10] [--memory_mos=1000000] [--runs=3] [--dir=build]
//              [--smsgw=build/smsgw] [--grammar=conf/grammar.yaml] [--receipts=1]
//              [--group_commit_delay_ms=-1 (the daemon's default)]
//              [--group_commit_max_messages=0 (the daemon's default)]
//              [--msisdns=scattered|ascending]
//
// Scenarios: forward (LOCK forwarded to the HTTP backend, as fast as the windows allow),
// payment (PAY, challenge, code + PIN, embedded ledger, confirmation), steady (forward at a
// fixed offered rate, for latency), throttled (forward with every 10th submit_sm answered
// ESME_RTHROTTLED; run in turn with forward when both are asked for, and reported against the
// forward run before each), memory (forward, --memory_mos twice over, resident memory after
// each quarter of it).
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/load_driver.h"

namespace {

using smsgw::test::LoadFigures;
using smsgw::test::LoadOptions;
using smsgw::test::LoadWork;

// Resident memory is sampled this many times over each --memory_mos replies.
constexpr uint64_t kMemoryCheckpointsPerRound = 4;

struct Flags {
  std::vector<std::string> benchmarks = {"forward", "payment", "steady", "throttled"};
  uint64_t mos = 20'000;
  uint64_t payments = 10'000;
  int binds = 1;
  uint32_t window = 100;
  double rate = 1000;
  double steady_seconds = 10;
  uint64_t memory_mos = 1'000'000;
  int runs = 3;
  int group_commit_delay_ms = -1;
  int group_commit_max_messages = 0;
  bool receipts = false;
  bool scattered_msisdns = true;
  std::string dir = "build";
  std::string smsgw = "build/smsgw";
  std::string grammar = "conf/grammar.yaml";
};

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

bool ParseFlags(int argc, char** argv, Flags* f) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const size_t eq = arg.find('=');
    if (arg.rfind("--", 0) != 0 || eq == std::string::npos) {
      std::fprintf(stderr, "load_bench: unknown argument %s\n", arg.c_str());
      return false;
    }
    const std::string name = arg.substr(2, eq - 2), value = arg.substr(eq + 1);
    if (name == "benchmarks") {
      f->benchmarks = Split(value);
    } else if (name == "mos") {
      f->mos = std::stoull(value);
    } else if (name == "payments") {
      f->payments = std::stoull(value);
    } else if (name == "binds") {
      f->binds = std::stoi(value);
    } else if (name == "window") {
      f->window = static_cast<uint32_t>(std::stoul(value));
    } else if (name == "rate") {
      f->rate = std::stod(value);
    } else if (name == "steady_seconds") {
      f->steady_seconds = std::stod(value);
    } else if (name == "memory_mos") {
      f->memory_mos = std::stoull(value);
    } else if (name == "group_commit_delay_ms") {
      f->group_commit_delay_ms = std::stoi(value);
    } else if (name == "group_commit_max_messages") {
      f->group_commit_max_messages = std::stoi(value);
    } else if (name == "receipts") {
      f->receipts = value == "1" || value == "true";
    } else if (name == "msisdns" && (value == "ascending" || value == "scattered")) {
      f->scattered_msisdns = value == "scattered";
    } else if (name == "runs") {
      f->runs = std::max(1, std::stoi(value));
    } else if (name == "dir") {
      f->dir = value;
    } else if (name == "smsgw") {
      f->smsgw = value;
    } else if (name == "grammar") {
      f->grammar = value;
    } else {
      std::fprintf(stderr, "load_bench: unknown flag --%s\n", name.c_str());
      return false;
    }
  }
  return true;
}

std::string FirstLine(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key, 0) == 0) {
      const size_t colon = line.find(':');
      if (colon == std::string::npos) return line;
      const size_t value = line.find_first_not_of(" \t", colon + 1);
      return value == std::string::npos ? "" : line.substr(value);
    }
  }
  return "?";
}

double ThreadCpuMicros() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

// 4 KiB appended and fdatasync'd 50 times in `dir`: what one durable commit costs here, in
// time (the median) and in this thread's CPU (the mean). On a virtual machine the CPU of a
// sync (the disk's kicks and interrupts through the hypervisor) can outweigh the work of the
// MOs it makes durable, which is why a low offered rate costs more CPU per MO.
struct FsyncProbe {
  double median_us = -1;
  double cpu_us = -1;
};

FsyncProbe ProbeFsync(const std::string& dir) {
  const std::string path = dir + "/load-bench-fsync-probe";
  const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  if (fd < 0) return {};
  std::vector<double> us;
  char block[4096];
  std::memset(block, 'x', sizeof block);
  const double cpu_start = ThreadCpuMicros();
  for (int i = 0; i < 50; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    if (::write(fd, block, sizeof block) != static_cast<ssize_t>(sizeof block)) break;
    if (::fdatasync(fd) != 0) break;
    us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  const double cpu_us = ThreadCpuMicros() - cpu_start;
  ::close(fd);
  ::unlink(path.c_str());
  if (us.empty()) return {};
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], cpu_us / static_cast<double>(us.size())};
}

// CPU of one wake-up of a thread asleep for a millisecond, as the daemon's threads are at a
// low offered rate, where each deliver_sm, backend answer and submit_sm_resp finds the thread
// it goes to asleep. 300 times: this thread sleeps 1 ms (a timer wake-up), then writes a byte
// to a pipe that another thread sleeps on (a hand-off wake-up); both threads' CPU, over two.
double WakeupCpuMicros() {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return -1;
  constexpr int kRounds = 300;
  rusage before{}, after{};
  ::getrusage(RUSAGE_SELF, &before);
  std::thread reader([fd = pipe_fds[0]] {
    char c;
    while (::read(fd, &c, 1) == 1) {
    }
  });
  int done = 0;
  for (const char c = 'x'; done < kRounds; ++done) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (::write(pipe_fds[1], &c, 1) != 1) break;
  }
  ::close(pipe_fds[1]);  // the reader sees the end
  reader.join();
  ::getrusage(RUSAGE_SELF, &after);
  ::close(pipe_fds[0]);
  auto micros = [](const rusage& r) {
    return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e6 +
           static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec);
  };
  return done > 0 ? (micros(after) - micros(before)) / (2.0 * done) : -1;
}

void PrintEnvironment(const Flags& f) {
  const std::time_t now = std::time(nullptr);
  char date[64];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
  utsname u{};
  ::uname(&u);
  double load[3] = {0, 0, 0};
  ::getloadavg(load, 3);
  std::printf("smsgw load_bench\n");
  std::printf("Date:       %s\n", date);
  std::printf("CPU:        %ld x %s\n", ::sysconf(_SC_NPROCESSORS_ONLN),
              FirstLine("/proc/cpuinfo", "model name").c_str());
  std::printf("Memory:     %s\n", FirstLine("/proc/meminfo", "MemTotal").c_str());
  std::printf("Kernel:     %s %s\n", u.sysname, u.release);
  std::printf("Load avg:   %.2f %.2f %.2f\n", load[0], load[1], load[2]);
  const FsyncProbe fsync = ProbeFsync(f.dir);
  std::printf("Disk:       4 KiB write + fdatasync in %s: %.0f us (median of 50), %.0f us of CPU\n",
              f.dir.c_str(), fsync.median_us, fsync.cpu_us);
  std::printf("Wake-up:    %.1f us of CPU per wake-up of a sleeping thread\n", WakeupCpuMicros());
  const std::string max_delay =
      f.group_commit_delay_ms < 0 ? "default" : std::to_string(f.group_commit_delay_ms) + "ms";
  const std::string max_messages =
      f.group_commit_max_messages <= 0 ? "default" : std::to_string(f.group_commit_max_messages);
  std::printf(
      "Setup:      %d bind(s), SMSC window %u, store synchronous=full, group_commit.max_delay "
      "%s, group_commit.max_messages %s, MSISDNs %s, median of %d runs\n",
      f.binds, f.window, max_delay.c_str(), max_messages.c_str(),
      f.scattered_msisdns ? "scattered" : "ascending", f.runs);
#if !defined(__OPTIMIZE__)
  std::printf("WARNING:    built without optimisation; figures are not meaningful\n");
#endif
  std::printf("------------------------------------------------\n");
}

// The run whose headline figure is the median, so every number on a line comes from one run.
const LoadFigures& MedianRun(const std::vector<LoadFigures>& runs, double LoadFigures::*key) {
  std::vector<size_t> order(runs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return runs[a].*key < runs[b].*key; });
  return runs[order[order.size() / 2]];
}

void PrintLine(const std::string& name, const Flags& f, const std::vector<LoadFigures>& runs,
               double LoadFigures::*headline, const char* unit) {
  const LoadFigures& m = MedianRun(runs, headline);
  std::string each;
  for (const LoadFigures& r : runs) {
    char b[32];
    std::snprintf(b, sizeof b, "%s%.0f", each.empty() ? "" : " ", r.*headline);
    each += b;
  }
  std::printf(
      "%-10s: %8.0f %s (runs: %s); %llu MOs, acked %.0f/s, replies %.0f/s; MO->ack p50 %.2f p99 "
      "%.2f p99.9 %.2f ms; MO->reply p50 %.2f p99 %.2f p99.9 %.2f ms; CPU %.3f s per 1000 MOs; "
      "peak RSS %.0f MB",
      name.c_str(), m.*headline, unit, each.c_str(), static_cast<unsigned long long>(m.mos),
      m.acked_per_s, m.replies_per_s, m.ack_ms.p50, m.ack_ms.p99, m.ack_ms.p999, m.reply_ms.p50,
      m.reply_ms.p99, m.reply_ms.p999, m.cpu_ms_per_mo, m.peak_rss_bytes / 1e6);
  std::string threads;
  for (const auto& [name, ms] : m.thread_cpu_ms_per_mo) {
    if (ms < 0.0005) continue;
    char b[96];
    std::snprintf(b, sizeof b, "%s%s %.3f", threads.empty() ? "" : ", ", name.c_str(), ms);
    threads += b;
  }
  if (!threads.empty()) std::printf("; CPU ms per MO by thread: %s", threads.c_str());
  std::printf("; daemon threads asleep and woken %.2f times per MO", m.daemon_sleeps_per_mo);
  std::printf("; written %.1f KB in %.2f write calls per MO", m.written_kb_per_mo,
              m.write_calls_per_mo);
  if (m.mos_per_intake_commit > 0) {
    std::printf("; %.1f MOs per intake commit", m.mos_per_intake_commit);
  }
  std::printf("; load generator CPU %.3f ms per MO", m.generator_cpu_ms_per_mo);
  std::printf("; host CPU stolen %.1f %%", 100.0 * m.host_stolen_share);
  if (m.throttled > 0) std::printf("; %llu submit_sm throttled", (unsigned long long)m.throttled);
  if (m.mo_retries > 0) std::printf("; %llu MOs sent again", (unsigned long long)m.mo_retries);
  if (m.extra_replies + m.unexpected_replies > 0) {
    std::printf("; %llu extra and %llu unexpected replies", (unsigned long long)m.extra_replies,
                (unsigned long long)m.unexpected_replies);
  }
  if (!m.rss_at_checkpoints.empty()) {
    std::printf("; RSS in MB after each %llu replies:",
                static_cast<unsigned long long>(f.memory_mos / kMemoryCheckpointsPerRound));
    for (size_t i = 0; i < m.rss_at_checkpoints.size(); ++i) {
      std::printf(" %.0f", m.rss_at_checkpoints[i] / 1e6);
    }
  }
  std::printf("\n");
  std::fflush(stdout);
}

// Each throttled run's figure against the forward run just before it, in percent.
struct Ratios {
  double median = 0;
  std::string each;  // "96 % / 87 % / ..."
};

Ratios RunRatios(const std::vector<LoadFigures>& throttled, const std::vector<LoadFigures>& forward,
                 double LoadFigures::*figure) {
  Ratios out;
  std::vector<double> ratios;
  for (size_t i = 0; i < throttled.size() && i < forward.size(); ++i) {
    if (forward[i].*figure <= 0) continue;  // a forward run that replied nothing
    ratios.push_back(100.0 * throttled[i].*figure / forward[i].*figure);
    char b[32];
    std::snprintf(b, sizeof b, "%s%.0f %%", out.each.empty() ? "" : " / ", ratios.back());
    out.each += b;
  }
  std::sort(ratios.begin(), ratios.end());
  if (!ratios.empty()) out.median = ratios[ratios.size() / 2];
  return out;
}

// One scenario's options and headline.
struct Scenario {
  LoadOptions options;
  int runs = 1;
  double LoadFigures::*headline = &LoadFigures::replies_per_s;
  const char* unit = "replies/s";
};

bool MakeScenario(const std::string& name, const Flags& f, const std::string& grammar,
                  Scenario* s) {
  LoadOptions& o = s->options;
  o.smsgw_bin = f.smsgw;
  o.grammar_file = grammar;
  o.binds = f.binds;
  o.window = f.window;
  o.count = f.mos;
  o.group_commit_delay_ms = f.group_commit_delay_ms;
  o.group_commit_max_messages = f.group_commit_max_messages;
  o.receipts = f.receipts;
  o.scattered_msisdns = f.scattered_msisdns;
  o.work_dir = f.dir + "/load-bench-" + std::to_string(::getpid()) + "-" + name;
  s->runs = f.runs;
  if (name == "forward") {
  } else if (name == "payment") {
    o.work = LoadWork::kPayment;
    o.count = f.payments;
    s->headline = &LoadFigures::completed_per_s;
    s->unit = "payments/s";
  } else if (name == "steady") {
    o.rate = f.rate;
    o.count = static_cast<uint64_t>(f.rate * f.steady_seconds);
  } else if (name == "throttled") {
    o.throttle_every = 10;
  } else if (name == "memory") {
    o.count = 2 * f.memory_mos;
    // A curve rather than two points: what grows, and when, shows in it.
    for (uint64_t i = 1; i <= 2 * kMemoryCheckpointsPerRound; ++i) {
      o.rss_checkpoints.push_back(f.memory_mos * i / kMemoryCheckpointsPerRound);
    }
    s->runs = 1;
  } else {
    std::fprintf(stderr, "load_bench: unknown benchmark %s\n", name.c_str());
    return false;
  }
  return true;
}

// One run of `s` appended to `results`; false (and reported) when it failed.
bool RunOnce(const std::string& name, const Scenario& s, int r, std::vector<LoadFigures>* results) {
  auto run = smsgw::test::RunLoad(s.options);
  if (!run.ok()) {
    std::fprintf(stderr, "%s: run %d failed: %s\n", name.c_str(), r + 1,
                 run.status().ToString().c_str());
    return false;
  }
  results->push_back(std::move(*run));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  if (!ParseFlags(argc, argv, &f)) return 2;
  const std::string grammar = std::filesystem::absolute(f.grammar).string();
  std::map<std::string, Scenario> scenarios;
  for (const std::string& name : f.benchmarks) {
    if (!MakeScenario(name, f, grammar, &scenarios[name])) return 2;
  }
  PrintEnvironment(f);
  // throttled is judged against forward, and this host's speed drifts by half within
  // minutes: with both asked for, their runs alternate (forward, throttled, forward, ...) and
  // the ratio is taken run by run.
  const bool paired = scenarios.contains("forward") && scenarios.contains("throttled");
  int failures = 0;
  for (const std::string& name : f.benchmarks) {
    if (paired && name == "throttled") continue;  // run with forward
    const Scenario& s = scenarios[name];
    std::vector<LoadFigures> results;
    std::vector<LoadFigures> throttled;
    for (int r = 0; r < s.runs; ++r) {
      if (!RunOnce(name, s, r, &results)) {
        ++failures;
        break;
      }
      if (paired && name == "forward" &&
          !RunOnce("throttled", scenarios["throttled"], r, &throttled)) {
        ++failures;
        break;
      }
    }
    if (!results.empty()) PrintLine(name, f, results, s.headline, s.unit);
    if (!throttled.empty()) {
      PrintLine("throttled", f, throttled, &LoadFigures::replies_per_s, "replies/s");
      const Ratios all = RunRatios(throttled, results, &LoadFigures::replies_per_s);
      const Ratios first99 = RunRatios(throttled, results, &LoadFigures::replies_99_per_s);
      if (!all.each.empty()) {
        std::printf(
            "throttled/forward: %.0f %% (median of each throttled run against the forward "
            "run just before it: %s); over the first 99 %% of replies %.0f %% (%s)\n",
            all.median, all.each.c_str(), first99.median, first99.each.c_str());
        std::fflush(stdout);
      }
    }
  }
  return failures == 0 ? 0 : 1;
}
