// The daemon's core: the one thread that owns the store and runs the commands engine over it.
// (The embedded ledger, when that is the backend, has a thread of its own: backend_thread.h.)
//
// Everything that touches the store happens here, in this order of priority on every pass:
//   1. intake batches from the sessions: one Store::Accept (one fsync) for every batch queued
//      since the last commit (group commit), which also runs the MOs' engine steps when no
//      older MO waits (Store::AcceptAndStep), and one transaction for the USSD turns they
//      carry (ussd_dialogues.h); then each MO's ack goes back to its session and each USSD
//      screen to the MT sender;
//   2. stored MOs still "new": a batch of engine steps in one transaction (Store::ApplySteps);
//   3. due instructions: claimed in creation order, handed to the backend; each answer becomes
//      an engine step, and the answers that arrived together share one transaction
//      (Store::ApplySteps, inbound_per_pass at most). None is claimed while the backend takes
//      no calls (Backend::MaySend: its circuit open), so an outage spends no attempts; one
//      goes as the probe when it may;
//   4. due MT replies: claimed, handed to the MT sender; its results recorded. A reply the
//      sender found no bind up for spends no attempt, and replies are held (none claimed for
//      reply_hold, then one at a time) until one reaches an SMSC, so an SMSC outage neither
//      dead-letters replies nor churns through them;
// Work comes in as handlers posted to the core's own io_context (one wake-up per batch, never
// per MO), timers sleep until the next retry falls due, and housekeeping (challenge expiry,
// gauges) runs every few seconds.
//
// A step that fails is retried on a later pass; a stored MO whose step fails three times for a
// reason a retry cannot cure is consumed with outcome "failed" and logged, so one poison
// message cannot wedge the queue behind it. A step failing on the store's environment (disk
// full, I/O, locked: step_failure.h) is retried until it passes, never given up. Nothing here holds
// a PIN or an account number longer than the engine call.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "commands/backend_port.h"
#include "commands/engine.h"
#include "commands/store_view.h"
#include "gateway/daemon/daemon_metrics.h"
#include "gateway/daemon/mo_intake.h"
#include "gateway/daemon/ussd_dialogues.h"
#include "gateway/push_endpoint.h"
#include "store/store.h"

namespace smsgw::gateway {

struct CoreOptions {
  // Where bill notices that name no short code are sent from (the first configured one).
  std::string default_short_code;
  size_t group_commit_max_messages = 500;
  std::chrono::milliseconds group_commit_max_delay{0};
  int inbound_per_pass = 200;  // engine steps per transaction (MOs, backend answers)
  int claim_batch = 200;
  int max_instructions_in_flight = 256;
  int max_replies_in_flight = 2000;
  std::chrono::milliseconds housekeeping_interval{5000};
  std::chrono::milliseconds max_sleep{30000};  // between passes when nothing is due
  // After a send that found no bind up: no reply is claimed for this long, then one at a time
  // until one reaches an SMSC.
  std::chrono::milliseconds reply_hold{1000};
  int64_t ussd_timeout_ms = 180'000;  // a USSD dialogue idle this long is forgotten
  // The embedded ledger's WAL checkpoints (store::Ledger::checkpoint_stats), when it is the
  // backend; called on the core thread, in housekeeping, which ends before the backend goes.
  std::function<store::CheckpointStats()> ledger_checkpoints;
};

// What /healthz reads from other threads.
struct CoreHealth {
  std::atomic<bool> store_writable{true};  // the last write succeeded
};

class Core {
 public:
  // Hands claimed replies to the MT sender (on another thread); it calls back, from any
  // thread, once or more with results for some of them: one result per reply in all.
  using SendReplies = std::function<void(std::vector<store::ClaimedReply>,
                                         std::function<void(std::vector<store::ReplyResult>)>)>;
  // Sends one USSD screen on a connection (from the core thread; the sender posts it over).
  using SendUssd = std::function<void(std::string connection, smpp::UssdScreen screen)>;

  // The core shares the backend: an HTTP backend must be destroyed on the io thread (or once
  // the io_context stopped), so the daemon keeps a reference; the embedded one (on its
  // BackendThread) dies with the core, its ledger on the ledger's thread.
  Core(CoreOptions options, std::unique_ptr<store::Store> store,
       std::shared_ptr<commands::Backend> backend, std::shared_ptr<const commands::Engine> engine,
       SendReplies send_replies, SendUssd send_ussd, DaemonMetrics& metrics);
  ~Core();
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  // Starts the core thread.
  void Start();

  // Thread-safe. Queues an intake batch for the next group commit.
  void Accept(IntakeBatch batch);

  // Thread-safe. The engine used from the next step on (SIGHUP with a new grammar or limits).
  void SetEngine(std::shared_ptr<const commands::Engine> engine);

  // Thread-safe. The idle timeout of USSD dialogues from their next turn on (SIGHUP).
  void SetUssdTimeout(std::chrono::milliseconds timeout);

  // Thread-safe. A bill notice pushed by the backend: one engine step, applied with
  // `notice_id` for idempotency. `done` gets OK, AlreadyExists for a notice already taken, or
  // the error; called on the core thread.
  void BillNotice(commands::BillNotice notice, std::string notice_id,
                  std::function<void(Status)> done);

  // Thread-safe. The backend's late answer to an instruction (pushed): one engine step, as if
  // the instruction's call had returned it. `done` (on the core thread) gets kQueued,
  // kDuplicate when the instruction already has its final answer, or NotFound.
  void PushedResult(std::string instruction_id, commands::BackendResult result,
                    std::function<void(Result<PushOutcome>)> done);

  // Thread-safe. Wakes the core for a pass (e.g. after a session bound again).
  void Kick();

  // Thread-safe. Calls `done` (on the core thread) once nothing is left to do now (no intake
  // queued, no MO "new", nothing in flight, nothing due), or at `deadline`, whichever is
  // first. Work still queued then stays in the store for the next start.
  void Drain(std::chrono::steady_clock::time_point deadline, std::function<void(bool idle)> done);

  // Stops the thread after closing the store and the backend on it. Idempotent.
  void Stop();

  const CoreHealth& health() const { return health_; }

 private:
  void Post(std::function<void()> fn);
  void SchedulePass();
  void Pass();
  void CommitIntake();
  void CommitNow();
  void CommitIfWaiting();
  bool IntakeHoldsMessages();
  // What a stored MO's engine step decided, for its metrics and log line.
  struct StepNote {
    std::string outcome = "-";
    std::string reference = "-";
    bool replied = false;
  };
  // Backend answers taken from answers_ for one transaction, and what became of each.
  struct Answer {
    std::shared_ptr<store::ClaimedInstruction> claimed;
    commands::BackendResult result;
    std::shared_ptr<const commands::Request> request;  // as read when sent; null for a push
  };
  struct AnswerBatch {
    enum class Fate { kStep, kEngineFailed };
    std::vector<Answer> answers;
    std::vector<Fate> fate;
  };
  // The writes waiting to ride in the next transaction: up to inbound_per_pass answers and
  // every send result.
  struct RidingWrites {
    AnswerBatch answers;
    std::vector<store::ReplyResult> reply_results;
  };
  // `answers`: with the answers; the send results always.
  RidingWrites TakeRiders(bool answers);
  // Puts riders whose transaction was lost back in their queues, to go on their own.
  void Requeue(RidingWrites riders);
  Result<std::vector<store::AcceptResult>> AcceptMessages(
      std::span<const store::InboundMessage> messages, RidingWrites riders);
  Result<store::Effects> Step(const store::PendingMessage& m, StepNote& note);
  bool ProcessInbound();
  bool AfterSteps(const std::vector<store::PendingMessage>& messages,
                  const std::vector<StepNote>& notes,
                  const std::vector<Result<store::Applied>>& results);
  bool DispatchInstructions();
  bool DispatchReplies();
  // How many instructions a claim may take now (the room in flight, the claim batch, whether
  // the backend takes calls), and replies (the room in flight, the claim batch).
  int InstructionClaimLimit();
  // Whether the backend lets only some calls go (a probe) and that many are out already:
  // nothing more is claimed, and the due timer does not wake for instructions, until their
  // answers come.
  bool ProbeOut(const commands::SendPermit& permit) const;
  bool ProbeOut();
  // Replies: the room in flight and the claim batch; while held for want of a bind, none
  // until the hold ends, then one (the probe) with nothing in flight.
  int ReplyClaimLimit() const;
  // Holds replies after a batch of send results that found no bind up; lifts the hold when
  // one reached an SMSC.
  void NoteReplyBinds(const std::vector<store::ReplyResult>& results);
  // What a batch of steps claims in its own transaction: as much as a pass's claims could.
  store::ClaimsAlong ClaimsRoom();
  // Hands claimed instructions to the backend and replies to the MT sender.
  void SendClaimedInstructions(std::vector<store::ClaimedInstruction> claimed);
  void SendClaimedReplies(std::vector<store::ClaimedReply> claimed);
  void SendClaims(store::Claims claims);
  // What a batch's claims along tell of what is still due (the flags below).
  void NoteClaimsAlong(const store::ClaimsAlong& along, const store::Claims& claims);
  // Something may have become due: the next pass claims again.
  void MayBeDue();
  // MayBeDue, and MOs may be new too: the next pass reads the store for all of it.
  void LookAgain();
  void OnBackendResult(std::shared_ptr<store::ClaimedInstruction> claimed,
                       std::shared_ptr<const commands::Request> request,
                       commands::BackendResult result);
  void PostAnswers();
  void ApplyAnswers();
  // One batch of answers (and the send results waiting) in a transaction of their own;
  // `claim`: with the claims along (not at stop).
  void ApplyAnswerBatch(bool claim);
  // The engine step of each answer of `batch`, noting its fate.
  std::function<Result<store::Effects>(size_t)> AnswerStep(AnswerBatch& batch);
  // Logs, metrics and retries of a batch of answers once its transaction returned.
  void AfterAnswers(const AnswerBatch& batch, const std::vector<Result<store::Applied>>& results);
  void OnReplyResults(std::vector<store::ReplyResult> results);
  // Records the send results still waiting, in a transaction of their own; whether there were.
  bool FlushReplyResults();
  void AfterReplyResults(const std::vector<store::ReplyResult>& results, const Status& recorded);
  // Whether the step of an answer (or its retry) was refused because its instruction already
  // has its outcome (done or rejected), as when a push answered it while the call was out.
  bool AnsweredAlready(const Status& step, const std::string& instruction_id);
  std::vector<uint32_t> StoreParts(std::vector<IntakeBatch>& batches, size_t first, size_t last);
  void DropParts(std::vector<IntakeBatch>& batches, size_t first, size_t last);
  std::vector<UssdDialogues::Outcome> HandleUssd(std::vector<IntakeBatch>& batches, size_t first,
                                                 size_t last);
  void RecordReceipts(const std::vector<ReceiptUpdate>& receipts, std::vector<uint32_t>* status);
  void Housekeeping();
  // The store's checkpoints since the last call into the metrics; a warning for failures.
  void NoteCheckpoints();
  void RetryEarlyReceipts();
  void ArmDueTimer();
  void CheckDrained();
  bool ApplyStep(const store::Effects& effects, std::string_view what);
  // Notes a step's result (metrics, log); whether it was applied.
  bool StepApplied(const Status& status, std::string_view what);
  void NoteStore(const Status& status);

  CoreOptions options_;
  std::unique_ptr<store::Store> store_;
  std::shared_ptr<commands::Backend> backend_;
  std::shared_ptr<const commands::Engine> engine_;  // core thread only
  std::unique_ptr<commands::StoreViewAdapter> view_;
  SendReplies send_replies_;
  SendUssd send_ussd_;
  UssdDialogues ussd_;  // core thread only
  DaemonMetrics& metrics_;
  CoreHealth health_;

  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
  boost::asio::steady_timer due_timer_;
  boost::asio::steady_timer housekeeping_timer_;
  boost::asio::steady_timer drain_timer_;
  boost::asio::steady_timer commit_timer_;  // group_commit_max_delay
  bool commit_waiting_ = false;
  // Claimed along with an intake commit (AcceptMessages): sent once the MOs are acknowledged.
  store::Claims intake_claims_;
  store::CheckpointStats checkpoints_seen_;         // what Housekeeping last put into the metrics
  store::CheckpointStats ledger_checkpoints_seen_;  // likewise, the embedded ledger's
  int64_t wal_straight_seen_ = 0;                   // store::WalFilesWritingStraight, likewise

  std::mutex intake_mu_;
  std::vector<IntakeBatch> intake_;  // guarded by intake_mu_
  bool commit_posted_ = false;       // guarded by intake_mu_
  // When the oldest batch of intake_ arrived: group_commit_max_delay counts from there, not
  // from when the core got round to it. Guarded by intake_mu_.
  std::chrono::steady_clock::time_point intake_since_;
  // Set when intake is queued: long passes commit it between steps, so an MO's ack never waits
  // behind a pass of engine steps (each a transaction of its own).
  std::atomic<bool> intake_waiting_{false};

  bool pass_scheduled_ = false;
  // Whether a claim may find something. Cleared by a claim that took fewer than it could;
  // set again by whatever may make work due: a write without claims along, the due timer
  // (retries falling due, items re-queued by `smsgw ctl`), housekeeping, a kick. At a
  // moderate rate the claims along take everything, and a pass's own claims would be two
  // empty transactions per pass. While clear, a claim along of the kind runs only if its
  // transaction made one pending (ClaimsAlong::*_only_if_made).
  bool instructions_may_be_due_ = true;
  bool replies_may_be_due_ = true;
  // Whether the store may hold MOs still "new" for ProcessInbound: at start, after an intake
  // commit that stored some without running their steps (no engine yet, a step failed, one
  // held behind an older MO, the fallback to a plain Accept), and at each housekeeping, kick
  // and due timer. Cleared by a ProcessInbound that took them all. At a moderate rate every
  // MO is stepped in its intake commit, and the pass's read would find nothing.
  bool inbound_may_be_new_ = true;
  int instructions_in_flight_ = 0;
  // Backend answers waiting for ApplyAnswers or an intake commit to carry them (in arrival
  // order), and whether ApplyAnswers is posted.
  std::vector<Answer> answers_;
  bool answers_posted_ = false;
  // False after a transaction the answers rode in was lost: they go on their own next.
  bool answers_ride_ = true;
  // Send results waiting to ride in the next transaction the core makes (store::Riders); at
  // the end of results_timer_ (group_commit_max_delay) they go on their own. A crash loses at
  // most these: their replies are in flight at the next start and go again, as any reply in
  // flight at a crash does.
  std::vector<store::ReplyResult> reply_results_;
  boost::asio::steady_timer results_timer_;
  bool results_timer_armed_ = false;
  // Set while the backend takes no calls: when to ask it again.
  std::optional<std::chrono::steady_clock::time_point> instructions_held_until_;
  int replies_in_flight_ = 0;
  // Set while no bind took the last replies sent: when to try again, with one.
  std::optional<std::chrono::steady_clock::time_point> replies_held_until_;
  std::map<int64_t, int> inbound_failures_;  // stored MO id -> consecutive failed steps
  struct EarlyReceipt {
    ReceiptUpdate update;
    std::chrono::steady_clock::time_point since;
  };
  std::vector<EarlyReceipt> early_receipts_;  // overtook their submit_sm_resp; tried again
  std::function<void(bool)> drain_done_;
  bool stopped_ = false;
};

}  // namespace smsgw::gateway
