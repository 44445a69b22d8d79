// Instructions per second to the embedded ledger, through the backend port as the gateway
// will call it: validation, canonical payload hash, one SQLite write transaction (WAL,
// synchronous=FULL: an fsync per instruction), PIN check, postings, sealed receipt.
//
//   build/bench/ledger_bench [--benchmark_filter=...] [--benchmark_min_time=2]
//
// The database lives in $TMPDIR (default /tmp): the figure depends on that disk's fsync.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "commands/embedded_backend.h"
#include "store/crypto.h"
#include "store/ledger.h"

namespace smsgw {
namespace {

using commands::EmbeddedBackend;
using commands::Instruction;

constexpr int kAccounts = 16;

std::string Msisdn(int i) {
  return "2547100" + std::to_string(10000 + i);
}

// One database for the whole run, created on first use.
class BenchLedger {
 public:
  static BenchLedger& Get() {
    static BenchLedger instance;
    return instance;
  }

  std::unique_ptr<EmbeddedBackend> NewBackend() {
    auto ledger = store::Ledger::Open(Options(), keys_);
    if (!ledger.ok()) std::abort();
    return std::make_unique<EmbeddedBackend>(std::move(ledger).value());
  }

  std::string NextId() { return "bench-" + std::to_string(++ids_); }

 private:
  BenchLedger() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "smsgw-bench-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) std::abort();
    dir_ = tmpl;
    auto key = store::LoadOrCreateKeyFile((dir_ / "pepper.key").string(), true);
    auto keys = store::LedgerKeys::FromPepper(*key);
    keys_ = *keys;
    auto ledger = store::Ledger::Open(Options(), keys_);
    if (!ledger.ok()) std::abort();
    for (int i = 0; i < kAccounts; ++i) {
      store::NewAccount a;
      a.msisdn = Msisdn(i);
      a.name = "BENCH " + std::to_string(i);
      store::AccountRef ref{store::AccountRef::By::kMsisdn, a.msisdn};
      if (!(*ledger)->CreateAccount(a).ok() || !(*ledger)->SetPin(ref, "1234").ok() ||
          !(*ledger)->Credit("open-" + a.msisdn, ref, 1'000'000'000'000, "bench").ok()) {
        std::abort();
      }
    }
  }
  ~BenchLedger() { std::filesystem::remove_all(dir_); }

  store::LedgerOptions Options() const {
    store::LedgerOptions o;
    o.path = (dir_ / "ledger.db").string();
    o.busy_timeout_ms = 30'000;
    o.limits.daily_debit_limit = INT64_MAX / 4;  // measure the path, not the limit
    return o;
  }

  std::filesystem::path dir_;
  std::shared_ptr<const store::LedgerKeys> keys_;
  std::atomic<int64_t> ids_{0};
};

Instruction Transfer(std::string id, int from, int to) {
  Instruction in;
  in.id = std::move(id);
  in.operation = commands::op::kTransfer;
  in.msisdn = Msisdn(from);
  in.fields = {{"recipient", Msisdn(to)}, {"amount", int64_t{100}}};
  in.pin = store::SecretBytes("1234");
  return in;
}

// A new transfer with PIN verification per iteration. With threads, each thread has its own
// connection and account pair; they contend for SQLite's single write lock.
void BM_TransferWithPin(benchmark::State& state) {
  BenchLedger& bench = BenchLedger::Get();
  auto backend = bench.NewBackend();
  const int from = 2 * (state.thread_index() % (kAccounts / 2));
  int64_t rejected = 0;
  for (auto _ : state) {
    auto r = backend->Execute(Transfer(bench.NextId(), from, from + 1));
    if (!r.accepted()) ++rejected;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["rejected"] = static_cast<double>(rejected);
}
BENCHMARK(BM_TransferWithPin)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_TransferWithPin)->Unit(benchmark::kMicrosecond)->UseRealTime()->Threads(2);
BENCHMARK(BM_TransferWithPin)->Unit(benchmark::kMicrosecond)->UseRealTime()->Threads(4);

// The retry of an instruction already answered: the stored receipt is read and opened.
void BM_ReplayedTransfer(benchmark::State& state) {
  BenchLedger& bench = BenchLedger::Get();
  auto backend = bench.NewBackend();
  const std::string id = bench.NextId();
  if (!backend->Execute(Transfer(id, 0, 1)).accepted()) state.SkipWithError("first try failed");
  for (auto _ : state) {
    auto r = backend->Execute(Transfer(id, 0, 1));
    if (!r.replayed) {
      state.SkipWithError("not replayed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReplayedTransfer)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace smsgw

BENCHMARK_MAIN();
