// MOs per second from the SMSC simulator through one bind into the store and back as
// acknowledgements: the daemon's intake path without the commands engine behind it.
//
//   simulator thread  --deliver_sm-->  io thread: EsmeSession + MoIntake (decode, batch)
//                                        | one IntakeBatch per socket read
//                                        v
//                                      store thread: one Store::Accept (one fsync) for every
//                                        batch queued since the last commit (group commit)
//                                        | statuses
//   simulator thread  <--deliver_sm_resp--  io thread
//
// Every MO is durable (WAL, synchronous=FULL) before its deliver_sm_resp leaves, as in
// `smsgw run`. The SMSC keeps `window` deliver_sm in flight on the one bind; each MO comes
// from its own subscriber so no dedup hit saves a write. Three runs per window, median
// printed. Put --dir on the disk the store will use.
//
//   smpp_store_bench [--mos=N] [--dir=DIR] [--windows=10,100]
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gateway/daemon/daemon_metrics.h"
#include "gateway/daemon/mo_intake.h"
#include "gateway/metrics.h"
#include "gateway/smpp/session.h"
#include "store/store.h"
#include "tests/support/sim_thread.h"

namespace {

using namespace smsgw;
using Clock = std::chrono::steady_clock;

struct Flags {
  long mos = 50'000;
  std::string dir;
  std::vector<size_t> windows{10, 100};
};

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  const char* tmp = std::getenv("TMPDIR");
  f.dir = tmp != nullptr ? tmp : "/tmp";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--mos=", 0) == 0) f.mos = std::max(1L, std::atol(a.c_str() + 6));
    if (a.rfind("--dir=", 0) == 0) f.dir = a.substr(6);
    if (a.rfind("--windows=", 0) == 0) {
      f.windows.clear();
      std::stringstream in(a.substr(10));
      for (std::string w; std::getline(in, w, ',');) f.windows.push_back(std::stoul(w));
    }
  }
  return f;
}

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

// The store's thread: group commit of whatever the io thread handed over since the last one.
class StoreThread {
 public:
  explicit StoreThread(std::unique_ptr<store::Store> store) : store_(std::move(store)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~StoreThread() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

  void Hand(gateway::IntakeBatch batch) {
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(batch));
    }
    cv_.notify_one();
  }

  size_t commits() const { return commits_; }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;
      std::vector<gateway::IntakeBatch> work;
      work.swap(queue_);
      lock.unlock();
      Commit(work);
      lock.lock();
    }
  }

  void Commit(std::vector<gateway::IntakeBatch>& work) {
    std::vector<store::InboundMessage> all;
    for (auto& b : work) {
      all.insert(all.end(), std::make_move_iterator(b.messages.begin()),
                 std::make_move_iterator(b.messages.end()));
    }
    const bool ok = all.empty() || store_->Accept(all).ok();
    ++commits_;
    const uint32_t status = ok ? 0 : 0x64;  // ESME_RX_T_APPN
    for (auto& b : work) {
      b.done(std::vector<uint32_t>(b.messages.size(), status),
             std::vector<uint32_t>(b.receipts.size(), 0), std::vector<uint32_t>(b.ussd.size(), 0));
    }
  }

  std::unique_ptr<store::Store> store_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<gateway::IntakeBatch> queue_;
  bool stop_ = false;
  size_t commits_ = 0;
  std::thread thread_;
};

struct RunResult {
  double mo_per_s = 0;
  double cpu_us_per_mo = 0;
  double mos_per_commit = 0;
};

RunResult RunOnce(const Flags& flags, size_t window, int run) {
  const std::string dir = flags.dir + "/smpp_store_bench_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/run" + std::to_string(window) + "_" + std::to_string(run);
  std::filesystem::remove(path);

  store::Options so;
  so.path = path;
  so.keys = std::make_shared<const store::KeyRing>(
      std::move(store::Key::FromBytes(std::string(store::kKeySize, 'b')).value()));
  auto opened = store::Store::Open(so);
  if (!opened.ok()) {
    std::fprintf(stderr, "store: %s\n", opened.status().ToString().c_str());
    std::exit(1);
  }
  StoreThread store_thread(std::move(*opened));

  smpp::testing::SmscSimConfig sc;
  sc.mo_window = window;
  test::SimThread sim(sc);

  boost::asio::io_context io;
  gateway::Registry registry;
  gateway::DaemonMetrics metrics(registry);
  gateway::MoIntake intake(
      io, {}, [&](gateway::IntakeBatch b) { store_thread.Hand(std::move(b)); }, metrics);
  smpp::SessionConfig c;
  c.name = "sim";
  c.port = sim.port();
  c.system_id = "bench";
  c.password = "secret";
  c.max_unacked_mos = 100'000;
  auto session = smpp::EsmeSession::Create(io, c, intake);
  session->Start();
  std::thread io_thread([&] {
    auto guard = boost::asio::make_work_guard(io);
    io.run();
  });
  test::WaitFor([&] { return sim.bound(); }, std::chrono::seconds(10));

  const long n = flags.mos;
  const auto start = Clock::now();
  const double cpu_start = CpuSeconds();
  sim.Run([n](smpp::testing::SmscSimulator& s) {
    smpp::DeliverSm d;
    d.destination = {0, 0, "20555"};
    for (long i = 0; i < n; ++i) {
      d.source = {1, 1, "2557" + std::to_string(10'000'000 + i)};
      const std::string text = "PAY KPLC " + std::to_string(100'000 + i) + " 1500";
      d.short_message.assign(text.begin(), text.end());
      s.PushMo(d);
    }
  });
  // Bounded: a run that stalls is reported, not waited for.
  const bool done = test::WaitFor([&] { return sim.acked_mos() >= static_cast<size_t>(n); },
                                  std::chrono::seconds(120));
  const double s = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = CpuSeconds() - cpu_start;
  const size_t acked = sim.acked_mos();
  if (!done) std::fprintf(stderr, "window %zu: only %zu of %ld acked\n", window, acked, n);

  boost::asio::post(io, [&] { session->Stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  io.stop();
  io_thread.join();
  RunResult r;
  r.mo_per_s = acked / s;
  r.cpu_us_per_mo = cpu * 1e6 / std::max<size_t>(acked, 1);
  r.mos_per_commit = static_cast<double>(acked) / std::max<size_t>(store_thread.commits(), 1);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  std::printf("smpp_store_bench: %ld MOs per run, one bind, WAL synchronous=FULL, dir %s\n",
              flags.mos, flags.dir.c_str());
  std::printf("%-8s %12s %16s %14s   %s\n", "window", "acked MO/s", "CPU us per MO", "MOs/commit",
              "(runs: MO/s)");
  for (size_t window : flags.windows) {
    std::vector<RunResult> runs;
    for (int i = 0; i < 3; ++i) runs.push_back(RunOnce(flags, window, i));
    std::vector<RunResult> sorted = runs;
    std::sort(sorted.begin(), sorted.end(),
              [](const RunResult& a, const RunResult& b) { return a.mo_per_s < b.mo_per_s; });
    const RunResult& median = sorted[1];
    std::printf("%-8zu %12.0f %16.1f %14.1f   (%.0f %.0f %.0f)\n", window, median.mo_per_s,
                median.cpu_us_per_mo, median.mos_per_commit, runs[0].mo_per_s, runs[1].mo_per_s,
                runs[2].mo_per_s);
  }
  std::filesystem::remove_all(flags.dir + "/smpp_store_bench_" + std::to_string(::getpid()));
  return 0;
}
