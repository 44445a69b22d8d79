// Instructions per second to the embedded ledger, through the backend port as the gateway
// will call it: validation, canonical payload hash, one SQLite write transaction (WAL,
// synchronous=FULL: an fsync per instruction), PIN check, postings, sealed receipt.
// BM_TransferBatch does the same through SubmitBatch, as the daemon calls it: N instructions
// in one transaction (a savepoint each, one fsync); its items are instructions.
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
#include <vector>

#include "commands/embedded_backend.h"
#include "store/crypto.h"
#include "store/ledger.h"

namespace smsgw {
namespace {

using commands::EmbeddedBackend;
using commands::Instruction;

// Payers take turns, as subscribers do: the daily-limit check sums an account's debits of the
// last 24 hours, so a few accounts paying thousands of times a day would measure that sum.
constexpr int kAccounts = 2'000;
constexpr int kPairs = kAccounts / 2;

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
  // The payer of the next transfer (its payee is the next account); threads share the turns.
  int NextPayer() { return 2 * static_cast<int>(turns_++ % kPairs); }

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
    auto batch = (*ledger)->BeginBatch();  // one fsync for the whole set-up
    if (!batch.ok()) std::abort();
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
    if (!batch->Commit().ok()) std::abort();
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
  std::atomic<int64_t> turns_{0};
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
// connection; they contend for SQLite's single write lock.
void BM_TransferWithPin(benchmark::State& state) {
  BenchLedger& bench = BenchLedger::Get();
  auto backend = bench.NewBackend();
  int64_t rejected = 0;
  for (auto _ : state) {
    const int from = bench.NextPayer();
    auto r = backend->Execute(Transfer(bench.NextId(), from, from + 1));
    if (!r.accepted()) ++rejected;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["rejected"] = static_cast<double>(rejected);
}
BENCHMARK(BM_TransferWithPin)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_TransferWithPin)->Unit(benchmark::kMicrosecond)->UseRealTime()->Threads(2);
BENCHMARK(BM_TransferWithPin)->Unit(benchmark::kMicrosecond)->UseRealTime()->Threads(4);

// A batch of new transfers with PIN verification per iteration, in one ledger transaction.
void BM_TransferBatch(benchmark::State& state) {
  BenchLedger& bench = BenchLedger::Get();
  auto backend = bench.NewBackend();
  const int size = static_cast<int>(state.range(0));
  int64_t rejected = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<Instruction> batch;
    for (int i = 0; i < size; ++i) {
      const int from = bench.NextPayer();
      batch.push_back(Transfer(bench.NextId(), from, from + 1));
    }
    state.ResumeTiming();
    backend->SubmitBatch(std::move(batch), [&](size_t, commands::BackendResult r) {
      if (!r.accepted()) ++rejected;
    });
  }
  state.SetItemsProcessed(state.iterations() * size);
  state.counters["rejected"] = static_cast<double>(rejected);
}
BENCHMARK(BM_TransferBatch)->Arg(1)->Arg(10)->Arg(50)->Unit(benchmark::kMicrosecond)->UseRealTime();

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
