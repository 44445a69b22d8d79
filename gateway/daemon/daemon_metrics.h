// The daemon's Prometheus metrics, created once at start in one Registry (gateway/metrics.h)
// and updated from the io and core threads. docs/operations.md lists them with what to watch.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "gateway/metrics.h"

namespace smsgw::gateway {

class DaemonMetrics {
 public:
  explicit DaemonMetrics(Registry& registry);

  Registry& registry() { return registry_; }

  // MOs by what the store made of them: stored, duplicate, refused (undecodable), retry_later
  // (store failed or draining), incomplete (a concatenated message given up), part_stored (a
  // part of a concatenated message not whole yet), receipt.
  Counter& mo_stored;
  Counter& mo_duplicate;
  Counter& mo_refused;
  Counter& mo_retry_later;
  Counter& mo_incomplete;
  Counter& mo_parts_stored;
  Counter& receipts;
  // MO and USSD sources of a number TON (0, 1, 2) that the grammar's number_plan could not read.
  Counter& mo_source_not_in_plan;
  // MTs by the fate of their submit_sm: sent, retry, failed; and receipts delivered/not.
  Counter& mt_sent;
  Counter& mt_retry;
  Counter& mt_failed;
  Counter& mt_delivered;
  Counter& mt_undeliverable;
  // Instructions by the backend's answer.
  Counter& instructions_accepted;
  Counter& instructions_rejected;
  Counter& instructions_unavailable;
  Counter& credential_refusals;
  Counter& resend_hits;
  Counter& step_failures;
  Counter& core_passes;
  // MOs whose engine step ran in the transaction that stored them (no backlog before them).
  Counter& inbound_stepped_at_intake;
  Counter& reloads_ok;
  Counter& reloads_failed;
  // WAL checkpoints of one database: on its checkpointer's thread, finished in a commit,
  // failed.
  struct CheckpointCounters {
    Counter& background;
    Counter& in_commit;
    Counter& failures;
    Gauge& wal_frames;  // as of the last housekeeping
  };
  CheckpointCounters store_checkpoints;
  CheckpointCounters ledger_checkpoints;  // the embedded ledger's
  // WAL files whose writes stopped being gathered (store/wal_write_batching.h).
  Counter& wal_gathering_off;
  // USSD dialogues: opened, those whose last screen submitted an instruction, ended by the
  // network (abort/release), and forgotten after the idle timeout.
  Counter& ussd_opened;
  Counter& ussd_submitted;
  Counter& ussd_aborted;
  Counter& ussd_timed_out;
  Counter& ussd_resent_answers;

  Gauge& binds_up;
  Gauge& queue_inbound;
  Gauge& queue_instructions_pending;
  Gauge& queue_replies_pending;
  Gauge& dead_letters;
  Gauge& unacked_mos;
  Gauge& ussd_live;

  Histogram& mo_ack_seconds;     // MO read from the socket -> its deliver_sm_resp
  Histogram& mo_reply_seconds;   // MO received -> its first reply queued in the store
  Histogram& backend_seconds;    // instruction handed to the backend -> its answer
  Histogram& mt_submit_seconds;  // reply claimed -> submit_sm_resp
  // MOs made durable by each intake commit: the group commit's batching (sum / count is MOs
  // per commit, so per fsync).
  Histogram& intake_commit_mos;

  // Processed MOs by the engine's outcome word ("challenge", "instruction", "usage", ...).
  // Thread-safe; labels are created on first use.
  void CountOutcome(const std::string& outcome);

 private:
  Registry& registry_;
  std::mutex mu_;
  std::map<std::string, Counter*> outcomes_;
};

}  // namespace smsgw::gateway
