// One run of the whole daemon under load, for build/bench/load_bench: `smsgw run` as a
// process, bound to N SMSC simulators (one bind each) that keep W deliver_sm in flight, an
// HTTP backend simulator or the embedded ledger behind it, every MO from its own subscriber.
// Times are taken on the simulators' threads as PDUs go and come; the daemon's CPU and memory
// are read from /proc, so the load generator's own work is never counted.
//
// Workloads:
//   forward  "LOCK" from each subscriber: a command without a PIN challenge, forwarded as one
//            signed instruction to the HTTP backend; the backend's answer becomes the reply.
//   payment  "PAY KPLC <ref> 10", the challenge's code read from the reply, "<code> <PIN>"
//            sent back, the embedded ledger pays, the confirmation is the second reply. The
//            ledger is seeded with one funded subscriber per payment before the daemon starts.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "conf/status.h"

namespace smsgw::test {

enum class LoadWork { kForward, kPayment };

struct LoadOptions {
  std::string smsgw_bin = "build/smsgw";
  std::string grammar_file;  // absolute path of the grammar the daemon loads
  std::string work_dir;      // the daemon's files (store, ledger, keys); on the disk to measure
  LoadWork work = LoadWork::kForward;
  uint64_t count = 20'000;  // forward: MOs; payment: payments (two MOs each)
  int binds = 1;
  uint32_t window = 100;           // deliver_sm in flight per bind, and the gateway's submit window
  double rate = 0;                 // offered MOs per second over all binds; 0: as fast as acked
  uint32_t throttle_every = 0;     // every Nth submit_sm answered ESME_RTHROTTLED
  int backend_pool = 16;           // HTTP keep-alive connections to the backend
  int group_commit_delay_ms = -1;  // store.group_commit.max_delay; -1: the daemon's default
  int group_commit_max_messages = 0;  // store.group_commit.max_messages; 0: the daemon's default
  bool receipts = false;              // the SMSC sends a delivery receipt for each reply
  // Subscribers send in an order unrelated to their MSISDNs, as on a network, instead of in
  // ascending MSISDN order, which hands every index keyed by MSISDN its keys in order and so
  // flatters it (load_bench's default is scattered).
  bool scattered_msisdns = false;
  // Resident memory is sampled when this many replies have arrived (memory growth).
  std::vector<uint64_t> rss_checkpoints;
  // The run fails when nothing moves for this long.
  std::chrono::seconds stall_timeout{60};
};

struct Percentiles {
  double p50 = 0, p99 = 0, p999 = 0;  // milliseconds
};

struct LoadFigures {
  uint64_t mos = 0;
  uint64_t replies = 0;      // first accepted reply per MO
  uint64_t completed = 0;    // forward: replies; payment: confirmations
  double acked_per_s = 0;    // MOs acknowledged / (last ack - first MO sent)
  double replies_per_s = 0;  // replies / (last reply - first MO sent)
  // The first 99 % of the replies over the time they took: the rate without the run's last
  // stragglers (a throttled reply's resend waits after every other reply is out).
  double replies_99_per_s = 0;
  double completed_per_s = 0;
  Percentiles ack_ms;        // MO sent -> its deliver_sm_resp ESME_ROK
  Percentiles reply_ms;      // MO sent -> its reply's submit_sm
  double cpu_ms_per_mo = 0;  // the daemon's user + system CPU over the run, per MO
  // The same by thread name (ProcessUsage::thread_cpu_seconds): which thread bounds the rate.
  std::map<std::string, double> thread_cpu_ms_per_mo;
  // This process's CPU over the same span (the SMSC simulator and the HTTP backend), per MO:
  // on a small machine it shares the cores with the daemon, so it bounds the rates too.
  double generator_cpu_ms_per_mo = 0;
  // The daemon's threads going to sleep over the run (ProcessUsage::voluntary_switches), per MO.
  double daemon_sleeps_per_mo = 0;
  // What the daemon wrote over the run (ProcessUsage::written_bytes, write_calls), per MO.
  double written_kb_per_mo = 0;
  double write_calls_per_mo = 0;
  // The share of the machine's CPU time the hypervisor gave elsewhere during the run
  // (HostCpu::steal): a noisy neighbour's mark on the rates and, above all, on the tails.
  double host_stolen_share = 0;
  uint64_t peak_rss_bytes = 0;
  std::vector<uint64_t> rss_at_checkpoints;
  // MOs made durable per intake commit (the daemon's smsgw_store_intake_commit_mos over the
  // whole run, warm-up included); 0 when its metrics could not be read.
  double mos_per_intake_commit = 0;
  uint64_t mo_retries = 0;          // deliver_sm answered with an error and sent again
  uint64_t throttled = 0;           // submit_sm answered ESME_RTHROTTLED
  uint64_t extra_replies = 0;       // replies beyond the first per MO (none expected)
  uint64_t unexpected_replies = 0;  // a reply that is not the one the workload expects
};

// Runs once: Internal/Unavailable with what went wrong (the daemon's log tail included) when
// the daemon does not start or the run stalls.
Result<LoadFigures> RunLoad(const LoadOptions& options);

}  // namespace smsgw::test
