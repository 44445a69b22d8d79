#include "gateway/daemon/daemon_metrics.h"

namespace smsgw::gateway {

namespace {

Counter& Mo(Registry& r, const char* outcome) {
  return r.GetCounter("smsgw_mo_total", "MOs received, by what became of them",
                      {{"outcome", outcome}});
}
Counter& Mt(Registry& r, const char* outcome) {
  return r.GetCounter("smsgw_mt_total", "MT replies, by the fate of their submit_sm or receipt",
                      {{"outcome", outcome}});
}
Counter& Instructions(Registry& r, const char* outcome) {
  return r.GetCounter("smsgw_instructions_total", "Backend answers to instructions, by outcome",
                      {{"outcome", outcome}});
}
Counter& Reloads(Registry& r, const char* result) {
  return r.GetCounter("smsgw_reloads_total", "SIGHUP reloads, by result", {{"result", result}});
}
Counter& Ussd(Registry& r, const char* event) {
  return r.GetCounter("smsgw_ussd_dialogues_total", "USSD dialogues, by what happened to them",
                      {{"event", event}});
}
DaemonMetrics::CheckpointCounters Checkpoints(Registry& r, const std::string& db) {
  const std::string total = "smsgw_" + db + "_checkpoints_total";
  const std::string help = "WAL checkpoints of the " + db + ", by the thread that ran them";
  return {r.GetCounter(total, help, {{"where", "background"}}),
          r.GetCounter(total, help, {{"where", "commit"}}),
          r.GetCounter("smsgw_" + db + "_checkpoint_failures_total",
                       "WAL checkpoints of the " + db +
                           " that failed (disk full, I/O error); the WAL grows until one passes"),
          r.GetGauge(
              "smsgw_" + db + "_wal_frames",
              "Frames in the " + db + "'s WAL after its last commit (a page and 24 bytes each)")};
}
Gauge& Queue(Registry& r, const char* queue) {
  return r.GetGauge("smsgw_queue_depth", "Items waiting in the store, by queue",
                    {{"queue", queue}});
}
Histogram& Latency(Registry& r, const char* name, const char* help) {
  return r.GetHistogram(name, help, LatencyBuckets());
}

}  // namespace

DaemonMetrics::DaemonMetrics(Registry& registry)
    : mo_stored(Mo(registry, "stored")),
      mo_duplicate(Mo(registry, "duplicate")),
      mo_refused(Mo(registry, "refused")),
      mo_retry_later(Mo(registry, "retry_later")),
      mo_incomplete(Mo(registry, "incomplete")),
      mo_parts_stored(Mo(registry, "part_stored")),
      receipts(Mo(registry, "receipt")),
      mo_source_not_in_plan(registry.GetCounter(
          "smsgw_mo_source_not_in_plan_total",
          "MO sources (TON unknown, international or national) the grammar's number_plan could "
          "not read: kept as the SMSC gave them")),
      mt_sent(Mt(registry, "sent")),
      mt_retry(Mt(registry, "retry")),
      mt_failed(Mt(registry, "failed")),
      mt_delivered(Mt(registry, "delivered")),
      mt_undeliverable(Mt(registry, "undeliverable")),
      instructions_accepted(Instructions(registry, "accepted")),
      instructions_rejected(Instructions(registry, "rejected")),
      instructions_unavailable(Instructions(registry, "unavailable")),
      credential_refusals(
          registry.GetCounter("smsgw_credential_refusals_total",
                              "MOs refused for carrying an account and a credential together")),
      resend_hits(registry.GetCounter("smsgw_resend_hits_total",
                                      "Commands answered with an earlier reference (resends)")),
      step_failures(
          registry.GetCounter("smsgw_step_failures_total",
                              "Engine steps or store writes that failed and were retried")),
      core_passes(registry.GetCounter(
          "smsgw_core_passes_total",
          "Passes of the core over its queues; far above the MO rate while idle means a spin")),
      inbound_stepped_at_intake(registry.GetCounter(
          "smsgw_mo_processed_at_intake_total",
          "MOs stored and processed in one transaction (no older MO was waiting)")),
      reloads_ok(Reloads(registry, "ok")),
      reloads_failed(Reloads(registry, "failed")),
      store_checkpoints(Checkpoints(registry, "store")),
      ledger_checkpoints(Checkpoints(registry, "ledger")),
      wal_gathering_off(registry.GetCounter(
          "smsgw_store_wal_gathering_off_total",
          "WAL files (store, ledger) whose frames go out two writes each again: SQLite appended "
          "one in a shape the gathering does not know")),
      ussd_opened(Ussd(registry, "opened")),
      ussd_submitted(Ussd(registry, "submitted")),
      ussd_aborted(Ussd(registry, "aborted")),
      ussd_timed_out(Ussd(registry, "timed_out")),
      ussd_resent_answers(registry.GetCounter(
          "smsgw_ussd_resent_answers_total",
          "USSD answers the network delivered again, acknowledged and not taken a second time")),
      binds_up(registry.GetGauge("smsgw_binds_up", "SMPP binds currently bound")),
      queue_inbound(Queue(registry, "inbound")),
      queue_instructions_pending(Queue(registry, "instructions")),
      queue_replies_pending(Queue(registry, "replies")),
      dead_letters(registry.GetGauge("smsgw_dead_letters",
                                     "Outbox items dead (smsgw ctl outbox retry re-queues them)")),
      unacked_mos(registry.GetGauge("smsgw_unacked_mos",
                                    "MOs received whose deliver_sm_resp is not sent yet")),
      ussd_live(registry.GetGauge("smsgw_ussd_dialogues_live", "USSD dialogues in progress")),
      mo_ack_seconds(Latency(registry, "smsgw_mo_ack_seconds",
                             "From an MO read off the socket to its deliver_sm_resp")),
      mo_reply_seconds(Latency(registry, "smsgw_mo_reply_seconds",
                               "From an MO received to its reply queued in the store")),
      backend_seconds(Latency(registry, "smsgw_backend_seconds",
                              "From an instruction handed to the backend to its answer")),
      mt_submit_seconds(Latency(registry, "smsgw_mt_submit_seconds",
                                "From a reply claimed to its final submit_sm_resp")),
      intake_commit_mos(registry.GetHistogram(
          "smsgw_store_intake_commit_mos", "MOs made durable by each intake commit (group commit)",
          {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 10000})),
      registry_(registry) {}

void DaemonMetrics::CountOutcome(const std::string& outcome) {
  Counter* counter = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = outcomes_.find(outcome);
    if (it == outcomes_.end()) {
      it = outcomes_
               .emplace(outcome,
                        &registry_.GetCounter("smsgw_mo_processed_total",
                                              "Stored MOs processed, by the engine's outcome",
                                              {{"outcome", outcome}}))
               .first;
    }
    counter = it->second;
  }
  counter->Add();
}

}  // namespace smsgw::gateway
