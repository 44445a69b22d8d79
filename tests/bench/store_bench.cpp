// store_bench: durable Accept throughput by batch size, and the outbox claim/complete rate.
//
//   build/bench/store_bench [--dir=DIR] [--sync=full|normal] [--benchmarks=accept,outbox]
//                           [--scale=N]
//
// Every Accept is one transaction with one WAL fsync (synchronous=FULL unless told otherwise),
// on a fresh database in DIR (default $TMPDIR or /tmp: put it on the disk the store will use).
// One line per benchmark, db_bench style. The fsync line measures the disk alone, so figures
// from different machines can be compared.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "store/ids.h"
#include "store/store.h"

namespace {

using namespace smsgw::store;
using Clock = std::chrono::steady_clock;

struct Flags {
  std::string dir;
  Synchronous sync = Synchronous::kFull;
  bool accept = true;
  bool outbox = true;
  int scale = 1;
};

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  const char* tmp = std::getenv("TMPDIR");
  f.dir = tmp != nullptr ? tmp : "/tmp";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--dir=", 0) == 0) f.dir = a.substr(6);
    if (a == "--sync=normal") f.sync = Synchronous::kNormal;
    if (a.rfind("--benchmarks=", 0) == 0) {
      f.accept = a.find("accept") != std::string::npos;
      f.outbox = a.find("outbox") != std::string::npos;
    }
    if (a.rfind("--scale=", 0) == 0) f.scale = std::max(1, std::atoi(a.c_str() + 8));
  }
  return f;
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// User + system CPU seconds of this process: unlike wall time, barely moved by other processes
// competing for the cores.
double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

// The disk's cost of one durable commit, without SQLite: 4 KiB written then fdatasync.
double FsyncMicros(const std::string& dir) {
  const std::string path = dir + "/store_bench_fsync";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return -1;
  std::string page(4096, 'x');
  const int n = 200;
  auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    if (::pwrite(fd, page.data(), page.size(), (i % 16) * 4096) < 0) break;
    ::fdatasync(fd);
  }
  double us = Seconds(start) * 1e6 / n;
  ::close(fd);
  ::unlink(path.c_str());
  return us;
}

class Bench {
 public:
  explicit Bench(const Flags& flags) : flags_(flags) {
    dir_ = flags.dir + "/store_bench_" + std::to_string(::getpid());
    std::filesystem::create_directories(dir_);
  }
  ~Bench() { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Store> Fresh(const std::string& name) {
    std::filesystem::remove(dir_ + "/" + name);
    Options o;
    o.path = dir_ + "/" + name;
    o.keys = keys_;
    o.synchronous = flags_.sync;
    auto s = Store::Open(o);
    if (!s.ok()) {
      std::fprintf(stderr, "open: %s\n", s.status().ToString().c_str());
      std::exit(1);
    }
    return std::move(*s);
  }

  void Accept(int batch_size, int batches) {
    auto store = Fresh("accept_" + std::to_string(batch_size) + ".db");
    std::vector<InboundMessage> batch(batch_size);
    long n = 0;
    auto start = Clock::now();
    const double cpu_start = CpuSeconds();
    for (int b = 0; b < batches; ++b) {
      for (auto& m : batch) {
        m.connection = "smsc1";
        m.source = "2547" + std::to_string(10'000'000 + n % 5'000'000);
        m.destination = "4040";
        m.text = "PAY KPLC " + std::to_string(100'000 + n) + " " + std::to_string(100 + n % 9000);
        ++n;
      }
      auto r = store->Accept(batch);
      if (!r.ok()) {
        std::fprintf(stderr, "accept: %s\n", r.status().ToString().c_str());
        std::exit(1);
      }
    }
    const double s = Seconds(start);
    const double cpu = CpuSeconds() - cpu_start;
    std::printf("accept batch=%-5d : %9.0f msg/s  %9.1f us/batch  %6.1f us CPU/msg  (%ld)\n",
                batch_size, n / s, s * 1e6 / batches, cpu * 1e6 / n, n);
  }

  // Claims `claim` instructions at a time and records each one's answer with an MT reply,
  // `per_apply` answers per Apply (1 = one transaction per answer, as answers arrive).
  void Outbox(int total, int claim, int per_apply) {
    auto store = Fresh("outbox_" + std::to_string(per_apply) + ".db");
    for (int created = 0; created < total;) {
      Effects e;
      for (int i = 0; i < 500 && created < total; ++i, ++created) {
        auto keys = MintInstructionKeys(store->now()).value();
        e.instructions.push_back({keys.id, keys.reference, "254700000001", "transfer",
                                  R"({"to":"254711000000","amount":500})", "pin=1234", std::nullopt,
                                  std::nullopt});
      }
      if (!store->Apply(e).ok()) std::exit(1);
    }
    int done = 0;
    auto start = Clock::now();
    const double cpu_start = CpuSeconds();
    while (done < total) {
      auto claimed = store->ClaimInstructions(claim);
      if (!claimed.ok() || claimed->empty()) std::exit(1);
      for (std::size_t i = 0; i < claimed->size(); i += per_apply) {
        Effects e;
        for (std::size_t j = i; j < std::min(claimed->size(), i + per_apply); ++j) {
          const auto& c = (*claimed)[j];
          e.outcomes.push_back({c.id, InstructionOutcome::Kind::kDone, "txn ok"});
          NewReply r;
          r.destination = c.msisdn;
          r.source = "4040";
          r.text = "Sent 500 to 254711000000, ref " + c.reference;
          r.reference = c.reference;
          r.instruction_id = c.id;
          r.to_instruction_subscriber = true;  // as the daemon's prompt answers
          e.replies.push_back(std::move(r));
        }
        auto a = store->Apply(e);
        if (!a.ok()) {
          std::fprintf(stderr, "apply: %s\n", a.status().ToString().c_str());
          std::exit(1);
        }
      }
      done += static_cast<int>(claimed->size());
    }
    const double s = Seconds(start);
    const double cpu = CpuSeconds() - cpu_start;
    std::printf(
        "outbox claim %d, done+reply %3d per Apply : %8.0f instructions/s  %6.1f us CPU  (%d)\n",
        claim, per_apply, done / s, cpu * 1e6 / done, done);
  }

 private:
  Flags flags_;
  std::string dir_;
  std::shared_ptr<const KeyRing> keys_ = std::make_shared<const KeyRing>(
      std::move(Key::FromBytes(std::string(kKeySize, 'b')).value()));
};

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
#ifndef __OPTIMIZE__
  std::printf("WARNING: built without optimisation; figures are not representative\n");
#endif
  std::printf("store_bench: SQLite %s, WAL, synchronous=%s, dir %s\n", sqlite3_libversion(),
              flags.sync == Synchronous::kFull ? "FULL" : "NORMAL", flags.dir.c_str());
  std::printf("fsync (4 KiB pwrite + fdatasync) : %9.1f us/op\n", FsyncMicros(flags.dir));
  Bench bench(flags);
  const int k = flags.scale;
  if (flags.accept) {
    bench.Accept(1, 3'000 * k);
    bench.Accept(10, 1'000 * k);
    bench.Accept(100, 500 * k);
    bench.Accept(1'000, 100 * k);
  }
  if (flags.outbox) {
    bench.Outbox(2'000 * k, 100, 1);
    bench.Outbox(20'000 * k, 100, 100);
  }
  return 0;
}
