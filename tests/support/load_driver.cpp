#include "tests/support/load_driver.h"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <random>
#include <span>
#include <string_view>
#include <thread>

#include "store/crypto.h"
#include "store/ledger.h"
#include "store/ledger_keys.h"
#include "tests/support/admin_client.h"
#include "tests/support/backend_sim.h"
#include "tests/support/child_process.h"
#include "tests/support/process_usage.h"
#include "tests/support/sim_thread.h"

namespace smsgw::test {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using smpp::testing::SmscSimConfig;
using namespace std::chrono_literals;

constexpr uint64_t kFirstMsisdn = 254'700'000'000ULL;
constexpr std::string_view kShortCode = "20555";
constexpr std::string_view kPin = "5831";
// Fixed keys (32 bytes each): the benchmark's data is throwaway, and a fixed pepper lets one
// seeded ledger serve every run.
constexpr std::string_view kBackendKey = "load-bench-backend-hmac-key-0001";
constexpr std::string_view kPepper = "load-bench-ledger-pepper-key-001";

// A key file as the daemon reads it: the key's hex on one line, mode 0600.
Status WriteKeyFile(const fs::path& path, std::string_view key) {
  fs::create_directories(path.parent_path());
  ::chmod(path.parent_path().c_str(), 0700);
  std::ofstream(path) << store::ToHex(
                             std::span(reinterpret_cast<const uint8_t*>(key.data()), key.size()))
                      << "\n";
  if (::chmod(path.c_str(), 0600) != 0) return Status::IOError("chmod " + path.string());
  return Status::OK();
}

std::string Msisdn(uint64_t subscriber) {
  return std::to_string(kFirstMsisdn + subscriber);
}

smpp::DeliverSm Mo(uint64_t subscriber, std::string_view text) {
  smpp::DeliverSm d;
  d.source = {1, 1, Msisdn(subscriber)};
  d.destination = {0, 1, std::string(kShortCode)};
  d.data_coding = 0;  // GSM-7, one character per octet: these texts are ASCII letters and digits
  d.short_message.assign(text.begin(), text.end());
  return d;
}

int64_t NowNs(Clock::time_point base) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - base).count() + 1;
}

Percentiles Quantiles(std::vector<int64_t> ns) {
  Percentiles p;
  if (ns.empty()) return p;
  std::sort(ns.begin(), ns.end());
  auto at = [&ns](double q) {
    const size_t i =
        std::min(ns.size() - 1, static_cast<size_t>(q * static_cast<double>(ns.size())));
    return static_cast<double>(ns[i]) / 1e6;
  };
  p.p50 = at(0.50);
  p.p99 = at(0.99);
  p.p999 = at(0.999);
  return p;
}

// One funded subscriber with a PIN per payment, and the biller. Seeded once per count on
// tmpfs (an fsync per account would take minutes on a loaded disk), then copied per run.
Result<fs::path> SeededLedger(uint64_t payments) {
  // Removed when the program exits: tmpfs is memory.
  struct Templates {
    ~Templates() {
      std::error_code ignored;
      for (const auto& [count, dir] : dirs) fs::remove_all(dir, ignored);
    }
    std::mutex mu;
    std::map<uint64_t, fs::path> dirs;
  };
  static Templates seeded;
  std::lock_guard lock(seeded.mu);
  if (auto it = seeded.dirs.find(payments); it != seeded.dirs.end()) return it->second;
  const fs::path shm = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  const fs::path dir =
      shm / ("smsgw-load-ledger-" + std::to_string(::getpid()) + "-" + std::to_string(payments));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto pepper = store::Key::FromBytes(kPepper);
  if (!pepper.ok()) return pepper.status();
  auto keys = store::LedgerKeys::FromPepper(*pepper);
  if (!keys.ok()) return keys.status();
  store::LedgerOptions options;
  options.path = (dir / "ledger.db").string();
  {
    auto ledger = store::Ledger::Open(options, *keys);
    if (!ledger.ok()) return ledger.status();
    store::NewAccount biller;
    biller.kind = store::AccountKind::kBiller;
    biller.handle = "KPLC";
    biller.name = "Kenya Power";
    if (auto made = (*ledger)->CreateAccount(biller); !made.ok()) return made.status();
    for (uint64_t i = 0; i < payments; ++i) {
      store::NewAccount a;
      a.kind = store::AccountKind::kSubscriber;
      a.msisdn = Msisdn(i);
      a.name = "Load " + std::to_string(i);
      if (auto made = (*ledger)->CreateAccount(a); !made.ok()) return made.status();
      const store::AccountRef ref{store::AccountRef::By::kMsisdn, a.msisdn};
      if (Status s = (*ledger)->SetPin(ref, kPin); !s.ok()) return s;
      auto credited = (*ledger)->Credit("load-seed-" + std::to_string(i), ref, 1'000'000, "seed");
      if (!credited.ok()) return credited.status();
    }
  }
  seeded.dirs[payments] = dir;
  return dir;
}

std::string ConfigText(const LoadOptions& o, const std::vector<uint16_t>& smsc_ports,
                       uint16_t backend_port, int admin_port, const std::string& key_id) {
  std::string c = "smpp:\n  connections:\n";
  for (size_t i = 0; i < smsc_ports.size(); ++i) {
    c += "    - name: sim" + std::to_string(i) +
         "\n      host: 127.0.0.1\n      port: " + std::to_string(smsc_ports[i]) +
         "\n      system_id: smsgw\n      password: secret\n      window: " +
         std::to_string(o.window) + "\n";
  }
  c += "short_codes:\n  - code: \"" + std::string(kShortCode) + "\"\n";
  if (o.work == LoadWork::kForward) {
    c += "backend:\n  type: http\n  http:\n    url: http://127.0.0.1:" +
         std::to_string(backend_port) + "\n    key_id: " + key_id +
         "\n    hmac_key_file: var/keys/backend-hmac.key\n    pool_size: " +
         std::to_string(o.backend_pool) + "\n    circuit_breaker_threshold: 1000\n";
  } else {
    c += "backend:\n  type: embedded\n  embedded:\n    ledger_path: var/ledger.db\n"
         "    pepper_key_file: var/keys/pepper.key\n";
  }
  c += "store:\n  path: var/smsgw.db\n  key_file: var/keys/store.key\n";
  if (o.group_commit_delay_ms >= 0 || o.group_commit_max_messages > 0) {
    c += "  group_commit:\n";
    if (o.group_commit_delay_ms >= 0) {
      c += "    max_delay: " + std::to_string(o.group_commit_delay_ms) + "ms\n";
    }
    if (o.group_commit_max_messages > 0) {
      c += "    max_messages: " + std::to_string(o.group_commit_max_messages) + "\n";
    }
  }
  c += "keys:\n  create_missing: true\n"
       "grammar: " +
       o.grammar_file + "\nadmin:\n  listen: \"127.0.0.1:" + std::to_string(admin_port) +
       "\"\n  token_file: var/keys/admin.token\nlogging:\n  level: warn\n";
  return c;
}

// Everything the simulators' observers write; read by the driver when the run is over.
struct Shared {
  explicit Shared(const LoadOptions& o)
      : options(o),
        mos(o.work == LoadWork::kPayment ? 2 * o.count : o.count),
        sent(mos),
        acked(mos),
        replied(mos),
        replies_per_subscriber(o.count),
        msisdn_of(o.count),
        subscriber_of(o.count) {
    std::iota(msisdn_of.begin(), msisdn_of.end(), 0);
    if (o.scattered_msisdns) {
      std::mt19937_64 random(20261129);  // fixed: every run sends the same order
      std::shuffle(msisdn_of.begin(), msisdn_of.end(), random);
    }
    for (uint32_t i = 0; i < msisdn_of.size(); ++i) subscriber_of[msisdn_of[i]] = i;
  }

  const LoadOptions& options;
  const uint64_t mos;
  const Clock::time_point base = Clock::now();
  std::atomic<bool> go{false};
  std::atomic<uint64_t> next_subscriber{0};
  std::vector<std::atomic<int64_t>> sent, acked, replied;  // ns since base, by MO tag; 0: not yet
  std::vector<std::atomic<uint8_t>> replies_per_subscriber;
  // Subscriber i (the i-th to send) has MSISDN kFirstMsisdn + msisdn_of[i].
  std::vector<uint32_t> msisdn_of, subscriber_of;

  smpp::DeliverSm From(uint64_t i, std::string_view text) const { return Mo(msisdn_of[i], text); }
  std::atomic<uint64_t> acked_count{0}, reply_count{0}, completed{0}, retries{0}, throttled{0},
      extra{0}, unexpected{0};
  // Payment: "<code> <PIN>" waiting to be sent, per bind.
  std::vector<std::unique_ptr<std::mutex>> answer_mu;
  std::vector<std::deque<SmscSimConfig::SourcedMo>> answers;
  std::vector<std::unique_ptr<SimThread>> sims;

  // Forward: one LOCK per subscriber. Payment: the answers to challenges first, then new PAYs.
  std::optional<SmscSimConfig::SourcedMo> Next(size_t bind) {
    if (!go.load(std::memory_order_acquire)) return std::nullopt;
    if (options.work == LoadWork::kPayment) {
      std::lock_guard lock(*answer_mu[bind]);
      if (!answers[bind].empty()) {
        SmscSimConfig::SourcedMo mo = std::move(answers[bind].front());
        answers[bind].pop_front();
        return mo;
      }
    }
    const uint64_t i = next_subscriber.fetch_add(1);
    if (i >= options.count) {
      next_subscriber.store(options.count);
      return std::nullopt;
    }
    if (options.work == LoadWork::kForward) return SmscSimConfig::SourcedMo{i, From(i, "LOCK")};
    return SmscSimConfig::SourcedMo{
        2 * i, From(i, "PAY KPLC " + std::to_string(100000 + i % 900000) + " 10")};
  }

  void Sent(uint64_t tag) { sent[tag].store(NowNs(base), std::memory_order_relaxed); }

  void Answered(uint64_t tag, uint32_t status) {
    if (status != 0) {
      retries.fetch_add(1);
      return;
    }
    int64_t expected = 0;
    if (acked[tag].compare_exchange_strong(expected, NowNs(base))) acked_count.fetch_add(1);
  }

  void Reply(const smpp::SubmitSm& sm, uint32_t status) {
    if (status != 0) {
      throttled.fetch_add(1);
      return;
    }
    const int64_t now = NowNs(base);
    uint64_t msisdn = 0;
    try {
      msisdn = std::stoull(sm.destination.value);
    } catch (...) {
    }
    if (msisdn < kFirstMsisdn || msisdn - kFirstMsisdn >= options.count) {
      unexpected.fetch_add(1);
      return;
    }
    const uint64_t i = subscriber_of[msisdn - kFirstMsisdn];
    const uint8_t nth = replies_per_subscriber[i].fetch_add(1);
    const std::string_view text(reinterpret_cast<const char*>(sm.short_message.data()),
                                sm.short_message.size());
    if (options.work == LoadWork::kForward) {
      if (nth > 0) return (void)extra.fetch_add(1);
      replied[i].store(now, std::memory_order_relaxed);
      reply_count.fetch_add(1);
      completed.fetch_add(1);
      return;
    }
    if (nth == 0) {  // the challenge: "... Reply 4821 <PIN> within 5 min."
      replied[2 * i].store(now, std::memory_order_relaxed);
      reply_count.fetch_add(1);
      const size_t at = text.find("Reply ");
      std::string code;
      for (size_t k = at == std::string_view::npos ? text.size() : at + 6;
           k < text.size() && text[k] >= '0' && text[k] <= '9'; ++k) {
        code.push_back(text[k]);
      }
      if (code.empty()) return (void)unexpected.fetch_add(1);
      const size_t bind = i % sims.size();
      {
        std::lock_guard lock(*answer_mu[bind]);
        answers[bind].push_back({2 * i + 1, From(i, code + " " + std::string(kPin))});
      }
      sims[bind]->Post([](smpp::testing::SmscSimulator& sim) { sim.PullMos(); });
      return;
    }
    if (nth == 1) {  // the confirmation
      replied[2 * i + 1].store(now, std::memory_order_relaxed);
      reply_count.fetch_add(1);
      if (text.find("Confirmed") == std::string_view::npos) return (void)unexpected.fetch_add(1);
      completed.fetch_add(1);
      return;
    }
    extra.fetch_add(1);
  }
};

}  // namespace

Result<LoadFigures> RunLoad(const LoadOptions& o) {
  if (o.binds < 1 || o.count == 0) return Status::InvalidArgument("binds and count must be > 0");
  const fs::path dir = fs::absolute(o.work_dir);
  fs::remove_all(dir);
  fs::create_directories(dir / "var" / "keys");
  ::chmod((dir / "var" / "keys").c_str(), 0700);

  auto shared = std::make_unique<Shared>(o);
  Shared& s = *shared;

  std::unique_ptr<BackendSim> backend;
  std::string key_id;
  if (o.work == LoadWork::kForward) {
    BackendSimOptions b;
    b.key = std::string(kBackendKey);
    backend = std::make_unique<BackendSim>(b);
    if (Status started = backend->Start(); !started.ok()) return started;
    if (Status w = WriteKeyFile(dir / "var/keys/backend-hmac.key", kBackendKey); !w.ok()) {
      return w;
    }
    key_id = store::Key::FromBytes(b.key)->id();
  } else {
    auto seeded = SeededLedger(o.count);
    if (!seeded.ok()) return seeded.status().WithContext("seeding the ledger");
    for (const char* f : {"ledger.db", "ledger.db-wal"}) {
      if (fs::exists(*seeded / f)) fs::copy_file(*seeded / f, dir / "var" / f);
    }
    if (Status w = WriteKeyFile(dir / "var/keys/pepper.key", kPepper); !w.ok()) return w;
  }

  std::vector<uint16_t> ports;
  for (int b = 0; b < o.binds; ++b) {
    s.answer_mu.push_back(std::make_unique<std::mutex>());
    s.answers.emplace_back();
  }
  for (int b = 0; b < o.binds; ++b) {
    SmscSimConfig c;
    c.mo_window = o.window;
    c.mo_rate = o.rate / o.binds;
    c.throttle_every = o.throttle_every;
    c.send_receipts = o.receipts;
    c.record_pdus = false;
    c.mo_source = [&s, b] { return s.Next(static_cast<size_t>(b)); };
    c.on_mo_sent = [&s](uint64_t tag) { s.Sent(tag); };
    c.on_mo_answered = [&s](uint64_t tag, uint32_t status) { s.Answered(tag, status); };
    c.on_submit_answered = [&s](const smpp::SubmitSm& sm, uint32_t status) { s.Reply(sm, status); };
    s.sims.push_back(std::make_unique<SimThread>(c));
    ports.push_back(s.sims.back()->port());
  }

  const std::string config = (dir / "gateway.yaml").string();
  const int admin_port = FreeLoopbackPort();
  std::ofstream(config) << ConfigText(o, ports, backend ? backend->port() : 0, admin_port, key_id);
  const std::string log = (dir / "smsgw.log").string();
  LoadFigures f;
  Status failure;
  {
    ChildProcess daemon(o.smsgw_bin, {"run", "--config", config}, log);
    // A daemon that refused its configuration has exited: no point waiting the minute out.
    bool exited = false;
    const bool bound = WaitFor(
                           [&] {
                             exited = !daemon.running();
                             return exited || std::all_of(s.sims.begin(), s.sims.end(),
                                                          [](auto& sim) { return sim->bound(); });
                           },
                           60s) &&
                       !exited;
    std::optional<ProcessUsage> before = ReadProcessUsage(daemon.pid());
    const std::optional<ProcessUsage> generator_before = ReadProcessUsage(::getpid());
    const std::optional<HostCpu> host_before = ReadHostCpu();
    if (!bound || !before) {
      failure = Status::Unavailable(exited ? "the daemon exited before it bound"
                                           : "the daemon did not bind");
    } else {
      s.go.store(true, std::memory_order_release);
      for (auto& sim : s.sims) sim->Post([](smpp::testing::SmscSimulator& x) { x.PullMos(); });
      size_t checkpoint = 0;
      uint64_t last_progress = 0;
      Clock::time_point progressed_at = Clock::now();
      for (;;) {
        const uint64_t done = s.completed.load() + s.unexpected.load();
        const uint64_t progress = s.acked_count.load() + s.reply_count.load() + s.unexpected.load();
        while (checkpoint < o.rss_checkpoints.size() &&
               s.reply_count.load() >= o.rss_checkpoints[checkpoint]) {
          auto now = ReadProcessUsage(daemon.pid());
          f.rss_at_checkpoints.push_back(now ? now->rss_bytes : 0);
          ++checkpoint;
        }
        if (done >= o.count && s.acked_count.load() >= s.mos) break;
        if (progress != last_progress) {
          last_progress = progress;
          progressed_at = Clock::now();
        } else if (Clock::now() - progressed_at > o.stall_timeout) {
          failure = Status::Unavailable("stalled: " + std::to_string(s.acked_count.load()) +
                                        " acked, " + std::to_string(s.reply_count.load()) +
                                        " replies of " + std::to_string(s.mos));
          break;
        }
        std::this_thread::sleep_for(10ms);
      }
      std::optional<ProcessUsage> after = ReadProcessUsage(daemon.pid());
      const std::optional<ProcessUsage> generator_after = ReadProcessUsage(::getpid());
      const std::optional<HostCpu> host_after = ReadHostCpu();
      if (host_before && host_after) f.host_stolen_share = StolenShare(*host_before, *host_after);
      auto ms_per_mo = [&s](double seconds) { return seconds * 1000.0 / s.mos; };
      if (generator_before && generator_after) {
        f.generator_cpu_ms_per_mo =
            ms_per_mo(generator_after->cpu_seconds - generator_before->cpu_seconds);
      }
      if (after) {
        f.cpu_ms_per_mo = ms_per_mo(after->cpu_seconds - before->cpu_seconds);
        f.daemon_sleeps_per_mo =
            static_cast<double>(after->voluntary_switches - before->voluntary_switches) /
            static_cast<double>(s.mos);
        f.written_kb_per_mo = static_cast<double>(after->written_bytes - before->written_bytes) /
                              1024.0 / static_cast<double>(s.mos);
        f.write_calls_per_mo = static_cast<double>(after->write_calls - before->write_calls) /
                               static_cast<double>(s.mos);
        for (const auto& [name, seconds] : after->thread_cpu_seconds) {
          const auto was = before->thread_cpu_seconds.find(name);
          f.thread_cpu_ms_per_mo[name] =
              ms_per_mo(seconds - (was == before->thread_cpu_seconds.end() ? 0.0 : was->second));
        }
        f.peak_rss_bytes = after->peak_rss_bytes;
      }
      std::string token = ReadFileText((dir / "var/keys/admin.token").string());
      while (!token.empty() && (token.back() == '\n' || token.back() == ' ')) token.pop_back();
      const AdminAnswer metrics = AdminGet(admin_port, "/metrics", token);
      const auto commits = MetricValue(metrics.body, "smsgw_store_intake_commit_mos_count");
      const auto committed = MetricValue(metrics.body, "smsgw_store_intake_commit_mos_sum");
      if (commits && committed && *commits > 0) f.mos_per_intake_commit = *committed / *commits;
    }
    daemon.Signal(SIGTERM);
    if (!daemon.Wait(30s)) daemon.Kill();
  }
  s.sims.clear();  // joins the simulators' threads: every observer is done
  if (backend) backend->Stop();
  if (!failure.ok()) {
    std::string text = ReadFileText(log);
    if (text.size() > 4000) text = text.substr(text.size() - 4000);
    return Status::Unavailable(failure.message() + "; the daemon's log ends:\n" + text);
  }

  int64_t first_sent = INT64_MAX, last_ack = 0, last_reply = 0, last_completed = 0;
  std::vector<int64_t> ack_ns, reply_ns, reply_at;
  ack_ns.reserve(s.mos);
  reply_ns.reserve(s.mos);
  reply_at.reserve(s.mos);
  for (uint64_t t = 0; t < s.mos; ++t) {
    const int64_t sent = s.sent[t].load(), acked = s.acked[t].load(), replied = s.replied[t].load();
    if (sent == 0) continue;
    first_sent = std::min(first_sent, sent);
    if (acked != 0) {
      last_ack = std::max(last_ack, acked);
      ack_ns.push_back(acked - sent);
    }
    if (replied != 0) {
      last_reply = std::max(last_reply, replied);
      reply_ns.push_back(replied - sent);
      reply_at.push_back(replied);
      if (o.work == LoadWork::kForward || t % 2 == 1)
        last_completed = std::max(last_completed, replied);
    }
  }
  auto per_s = [first_sent](uint64_t n, int64_t last) {
    return last > first_sent ? static_cast<double>(n) * 1e9 / static_cast<double>(last - first_sent)
                             : 0.0;
  };
  f.mos = s.mos;
  f.replies = s.reply_count.load();
  f.completed = s.completed.load();
  f.acked_per_s = per_s(s.acked_count.load(), last_ack);
  f.replies_per_s = per_s(f.replies, last_reply);
  if (!reply_at.empty()) {
    const size_t rank = (reply_at.size() * 99 + 99) / 100 - 1;  // the ceil(99 %)th reply
    std::nth_element(reply_at.begin(), reply_at.begin() + static_cast<ptrdiff_t>(rank),
                     reply_at.end());
    f.replies_99_per_s = per_s(rank + 1, reply_at[rank]);
  }
  f.completed_per_s = per_s(f.completed, last_completed);
  f.ack_ms = Quantiles(std::move(ack_ns));
  f.reply_ms = Quantiles(std::move(reply_ns));
  f.mo_retries = s.retries.load();
  f.throttled = s.throttled.load();
  f.extra_replies = s.extra.load();
  f.unexpected_replies = s.unexpected.load();
  fs::remove_all(dir);
  return f;
}

}  // namespace smsgw::test
