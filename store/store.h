// The gateway's durable state in one SQLite database (WAL): the inbound log with its dedup,
// pending challenges, the outbox (instructions for the backend, MT replies) and the audit
// trail. See docs/store.md for the schema, the states and the retention.
//
// Threading: a Store owns one sqlite3 connection and must be used by one thread at a time (the
// thread that owns it). It takes no locks of its own. Other processes (smsgw ctl) may open the
// same file at the same time in OpenMode::kAdmin: SQLite's file locks serialise writers and a
// busy connection waits up to Options::busy_timeout_ms, then the call fails with Unavailable.
//
// Durability: every call that writes runs one transaction (BEGIN IMMEDIATE ... COMMIT). When it
// returns OK the data is on disk (synchronous=FULL), except where a call says it commits
// without an fsync of its own (claims, send results, ApplySteps with StepOptions::lazy): the
// next durable commit carries those. When it returns an error nothing of it was written (the
// transaction was rolled back) and the Store stays usable.
//
// Errors: Unavailable for what may succeed later (database locked, disk full, I/O error);
// InvalidArgument for bad input; NotFound / FailedPrecondition as documented per call;
// Corruption for damaged data; Internal for a broken invariant.
//
// Secrets: message texts, challenge and instruction secrets and MT texts are sealed with
// AES-256-GCM (store/crypto.h) before they reach SQLite, with the row named in the associated
// data. Dedup, resend and challenge-code keys are HMAC-SHA256 under a random secret that is
// itself stored sealed. Nothing the store writes to a log or an error message holds a secret.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "conf/status.h"
#include "store/admin.h"
#include "store/audit.h"
#include "store/challenge.h"
#include "store/checkpoint_stats.h"
#include "store/effects.h"
#include "store/inbound.h"
#include "store/options.h"
#include "store/outbox.h"

namespace smsgw::store {

struct StoreImpl;  // store/store_impl.h

// Writes of other kinds that ride in a transaction the daemon makes anyway
// (Store::AcceptAndStep, Store::ApplySteps): at a moderate rate each MO's intake, the
// backend's answer and the MT's send result were a commit each, and each commit wrote the same
// hot pages (the audit's tail, the state indexes) again.
struct Riders {
  // Send results, recorded before the host's own writes as RecordReplyResults records them
  // (all or none), under a savepoint of their own: when they fail only they are undone, and
  // Ridden::reply_results says why.
  std::span<const ReplyResult> reply_results;
  // Engine steps of another batch (the backend's answers), after the host's own steps, each
  // all or none as ApplySteps runs them. AcceptAndStep only.
  size_t step_count = 0;
  std::function<Result<Effects>(size_t)> step = nullptr;
};

struct Ridden {
  // OK when the send results were recorded (or there were none); else the error that undid
  // only them. When the whole transaction is lost the host call fails instead.
  Status reply_results;
  std::vector<Result<Applied>> steps;  // one per rider step, as ApplySteps reports them
};

// Store::AcceptAndStep's answer.
struct AcceptedAndStepped {
  std::vector<AcceptResult> accepted;  // one per message of the batch, as Accept's
  std::vector<PendingMessage> stored;  // the messages stored and stepped now, as steps saw them
  std::vector<Result<Applied>> steps;  // one per message in `stored`
  Claims claimed;                      // what ClaimsAlong asked for, claimed after the steps
  Ridden ridden;                       // what became of the riders
};

// How Store::ApplySteps runs its batch.
struct StepOptions {
  // The subscriber of an MO: a step waits behind a failed earlier one with the same key.
  std::function<std::string_view(size_t)> order_key = nullptr;
  // In daemon mode, with `claimed`, the claims of `along` end the transaction (ClaimsAlong);
  // `claimed` is left empty when the transaction is lost.
  ClaimsAlong along = {};
  Claims* claimed = nullptr;
  // Committed without an fsync of its own, as claims are (see the outbox below; daemon mode):
  // for steps that a repeat rebuilds after a power cut, such as the backend's answers (the
  // instruction goes back to pending and is asked again with the same id; the backend answers
  // it from its stored answer, and a confirmation that had gone out goes again).
  bool lazy = false;
  // Send results recorded first in the same transaction, as Riders::reply_results are (more
  // steps would simply be more of `count`). With `reply_results_status`, what became of them;
  // when the transaction is lost, its error.
  std::span<const ReplyResult> reply_results = {};
  Status* reply_results_status = nullptr;
};

class Store {
 public:
  // Opens the database at options.path.
  //   Daemon mode: creates it when missing (create_if_missing), applies pending migrations in
  //   one transaction, puts interrupted in-flight outbox items back to pending (or dead when
  //   they have used all their attempts) and loads the dedup keys still inside their
  //   redelivery window into memory (one backwards scan of the inbound log).
  //   Admin mode: the file must exist at the current schema version; nothing is changed.
  // Errors: NotFound (no file and not allowed to create it); Corruption (the file is not an
  // SQLite database, or the store's sealed secret fails to open); FailedPrecondition (the file
  // belongs to another application, its schema is newer than this build (it is left
  // untouched) or, in admin mode, older; the key ring lacks the key the store was sealed
  // with); InvalidArgument (bad options); Unavailable (locked by another connection).
  static Result<std::unique_ptr<Store>> Open(Options options);

  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // ---- Inbound ------------------------------------------------------------------------------

  // Stores a batch of MOs, one result per message in order: new (with its id) or a
  // redelivery of a message received within the redelivery window (with the original's id;
  // nothing written for it): the window of the kind of its smsc_message_id (Options). A message
  // repeated inside the batch is a duplicate of its first copy. One transaction and one fsync for
  // the whole batch: acknowledge the SMSC only after this returns OK. On error (Unavailable:
  // locked, disk full, I/O) nothing was stored; answer the SMSC with a temporary error so it
  // redelivers. InvalidArgument when a message fails ValidateInbound or the batch is larger than
  // limits.max_batch.
  Result<std::vector<AcceptResult>> Accept(std::span<const InboundMessage> batch);

  // Accept, and in the same transaction the engine steps of the messages it stored (not of
  // the redeliveries), as ApplySteps would run them: one commit, one fsync, makes a batch
  // durable and processed. Steps go in arrival order: when an older message is still "new",
  // the batch is only stored, as by Accept, and `stored` and `steps` are empty (ApplySteps
  // takes it in its turn). A step that fails leaves its message,
  // and the later ones of its subscriber in the batch, "new" for ApplySteps to retry (with
  // the subscriber as order_key), and the batch is stored all the same; an error of the
  // whole (the commit, or one that made SQLite drop the transaction) stores nothing, as
  // Accept's does. Acknowledge the SMSC only after this returns OK. `along` claims due
  // instructions and replies in the same transaction, after the steps (ClaimsAlong): hand
  // them on only once this returned OK. `riders` go in the same transaction: their send
  // results first, their steps after the batch's (run even when the batch is only stored);
  // when this returns an error none of them was written either. Riders without a batch are
  // InvalidArgument.
  Result<AcceptedAndStepped> AcceptAndStep(
      std::span<const InboundMessage> batch,
      const std::function<Result<Effects>(const PendingMessage&)>& step,
      const ClaimsAlong& along = {}, const Riders& riders = {});

  // Up to `limit` messages still "new" with id > after_id, in id (arrival) order, texts
  // opened. The engine's work queue; after a crash it starts again from after_id = 0.
  Result<std::vector<PendingMessage>> PendingInbound(int64_t after_id, int limit);

  // Parts of concatenated MOs (InboundPart), for a message not whole yet. StoreParts writes
  // them in one durable transaction: acknowledge each part only after it returned OK. A part
  // already held (same group and number: a redelivery) is left as it is. LoadParts gives back
  // every part held, oldest first, its octets opened: the daemon rebuilds its open groups from
  // them at start. DropParts deletes the parts of groups given up incomplete; committed without
  // waiting for the disk, since a group it fails to delete comes back at the next start and is
  // given up again. A message's own Accept deletes the parts it was joined from
  // (InboundMessage::joined_from). Daemon mode only.
  Status StoreParts(std::span<const InboundPart> parts);
  Result<std::vector<InboundPart>> LoadParts();
  Status DropParts(std::span<const PartGroup> groups);

  // The latest earlier message from `source` whose processing recorded the same normalised
  // command (ConsumeInbound::resend_command) and which was received at most resend_window_ms
  // before `received_at` (the new message's receive time). nullopt when there is none.
  Result<std::optional<ResendMatch>> FindResend(std::string_view source, std::string_view command,
                                                int64_t received_at);

  // ---- The commands engine's step and reads ---------------------------------------------

  // Applies all of `effects` in one transaction, or nothing. Writes an audit row for each
  // state change. FailedPrecondition when a precondition fails (the inbound message is not
  // "new", a challenge is not pending or has expired, a kRetry outcome names an instruction not
  // in flight); NotFound when a named row does not exist; AlreadyExists when a new
  // instruction's id or reference is taken (mint new ones and retry), and when an outcome (of
  // any kind) names an instruction already done/rejected: its first outcome stands, and the
  // caller can tell a late answer from a failure without reading the instruction first. The
  // message names the failing item, never a secret.
  Result<Applied> Apply(const Effects& effects);

  // Many engine steps in one transaction (one fsync instead of one per step). step(i) computes
  // the Effects of item i, reading through this Store: it sees what the steps before it in the
  // batch applied. A step that fails (computing or applying) leaves nothing of itself and
  // does not undo the others; its error is its result. (The steps share one savepoint: a step
  // whose writes fail is taken out by rolling back to it and writing the steps before it again
  // from the Effects they returned, at the times they were first written, so step(i) is
  // called once for each i. Should one of those fail when written again, which only a failing
  // random generator can cause, it and the steps after it report the error or Unavailable.) When
  // the transaction itself is lost (the commit fails, or an I/O error rolled it back), every step
  // that had succeeded reports that error instead: nothing of the batch was written. One result per
  // step, in order. With an order_key (the subscriber of an MO), a step is not run once an earlier
  // step of the batch with the same key failed: it reports Unavailable and waits, so a subscriber's
  // messages are never processed out of their order (a PIN reply before the command that asks for
  // it). StepOptions: claims that end the transaction, and whether it waits for the disk.
  std::vector<Result<Applied>> ApplySteps(size_t count,
                                          const std::function<Result<Effects>(size_t)>& step,
                                          const StepOptions& options = {});

  // The latest challenge issued to `msisdn` with this code, in whatever state (see
  // Challenge::state; expired is reported as soon as expires_at has passed), its secret opened
  // while it is pending. NotFound when there is none.
  Result<Challenge> FindChallenge(std::string_view msisdn, std::string_view code);

  // Audit rows about `msisdn` with this event at or after since_ms: wrong PINs in the last
  // 24 h (kEventWrongPin), messages processed in the last minute (kEventInboundProcessed), ...
  Result<int64_t> CountEvents(std::string_view msisdn, std::string_view event, int64_t since_ms);

  // The time until which `msisdn` is locked (SetLock), or 0 when it is not locked now.
  Result<int64_t> LockedUntil(std::string_view msisdn);

  // Whether `msisdn` asked for no more bill notices or offers (Effects::notices_stopped).
  Result<bool> NoticesStopped(std::string_view msisdn);

  // NotFound when there is no such instruction.
  Result<Instruction> GetInstruction(std::string_view id);
  // Its state alone, read without the rest of the row: what the daemon asks of an answer whose
  // step was refused with AlreadyExists (answered already by a push, or a broken constraint?).
  Result<InstructionState> GetInstructionState(std::string_view id);
  Result<Instruction> FindInstructionByReference(std::string_view reference);
  // Whether an instruction has `reference`, read through the unique index alone.
  Result<bool> InstructionReferenceTaken(std::string_view reference);

  // ---- USSD dialogues ----------------------------------------------------------------------

  // The dialogues still live at `now_ms` (expires_at > now_ms), states opened, oldest first.
  // A row whose state no longer opens (tampered, key gone) is deleted and audited instead.
  Result<std::vector<UssdSessionRecord>> LoadUssdSessions(int64_t now_ms);

  // Deletes the dialogues whose expires_at <= now_ms, each audited (ussd.expired). Returns
  // how many.
  Result<int> DropExpiredUssdSessions(int64_t now_ms);

  // ---- Outbox -----------------------------------------------------------------------------
  //
  // Claims and send results are committed without an fsync of their own (the next durable
  // commit carries them to disk): a power cut may lose one, and start-up repairs that. A lost
  // claim leaves the instruction pending, sent again with the same id (the backend answers
  // from its stored answer); a lost send result leaves the reply in flight, put back to
  // pending at start and sent again, as a reply in flight at a crash is. Everything an
  // acknowledgement or an instruction rests on (accepted MOs, engine steps, outcomes) is
  // durable before it is acted on.

  // Moves up to `limit` due pending instructions (next_attempt_at <= now) to in_flight in
  // creation order (a retry keeps its place: after an outage they go on in the order they were
  // made), counts the attempt and returns them in that order, secrets opened. Reads the
  // pending instructions' index in creation order and stops at `limit` due ones. Instructions
  // whose sealed part no longer opens (tampered, key gone) go dead instead of blocking the queue.
  // Record each one's fate with an InstructionOutcome through Apply (with the replies it causes).
  Result<std::vector<ClaimedInstruction>> ClaimInstructions(int limit);

  // The same for MT replies; record their fate with RecordReplyResults.
  Result<std::vector<ClaimedReply>> ClaimReplies(int limit);

  // Records what the MT sender learnt about claimed replies, all in one transaction.
  // FailedPrecondition when a reply is not in flight; NotFound when it does not exist.
  Status RecordReplyResults(std::span<const ReplyResult> results);

  // Records a delivery receipt for the reply sent on `connection` with this SMSC message id
  // (the newest, if the connection reused the id): delivered or undeliverable, with the
  // receipt's status word (e.g. "DELIVRD"). A reply sent on another connection never matches,
  // whatever its id. Returns the reply id. NotFound when no sent reply has the id there (the
  // receipt may have overtaken submit_sm_resp: retry shortly, then drop it).
  Result<int64_t> RecordReceipt(std::string_view connection, std::string_view smsc_message_id,
                                bool delivered, std::string_view status);
  // The same for several receipts in one transaction (one fsync for a read of many): per
  // receipt the reply id, or nullopt where RecordReceipt says NotFound. Any other error fails
  // them all and records none.
  Result<std::vector<std::optional<int64_t>>> RecordReceipts(
      std::span<const ReceiptRecord> receipts);

  // The earliest next_attempt_at among pending instructions and replies (nullopt when none
  // is pending), so the senders can sleep until then.
  Result<std::optional<int64_t>> NextDueAt();
  // The same for instructions alone and for replies alone: the core wakes only for work it
  // can take (not for replies while its MT window is full, nor for instructions while the
  // backend holds them back).
  Result<std::optional<int64_t>> NextInstructionDueAt();
  Result<std::optional<int64_t>> NextReplyDueAt();

  // Outbox items for operators, oldest first, `filter.limit` per kind. No secrets.
  Result<std::vector<OutboxItem>> ListOutbox(const OutboxFilter& filter);

  // Puts a dead item back to pending, due now, with its attempts reset (an operator's
  // decision, audited as the admin's). `item_id` is an instruction id, an instruction
  // reference or "mt-<n>". NotFound when there is no such item, FailedPrecondition when it is
  // not dead.
  Status Requeue(std::string_view item_id);

  // ---- Housekeeping and administration ----------------------------------------------------

  // Moves up to `limit` pending challenges past their expiry to expired (wiping their secret).
  // Returns how many. Call it periodically; lookups already treat them as expired.
  Result<int> ExpireChallenges(int limit);

  // Deletes finished rows older than the cutoffs (see PurgeOptions), in chunks of its own
  // transactions so a running daemon is never blocked for long. InvalidArgument when
  // older_than_ms is shorter than the redelivery window (that would forget dedup keys).
  Result<PurgeReport> Purge(const PurgeOptions& options);

  Result<std::vector<AuditEntry>> Audit(const AuditQuery& query);

  // Every table counted (a full scan of each): for `smsgw ctl`, not for a periodic gauge.
  Result<StoreStats> Stats();
  Result<QueueDepths> Depths();

  // PRAGMA integrity_check, the schema version and whether the keys open the store's secret.
  Result<CheckReport> Check();

  // Copies the database to `dest_path` with SQLite's online backup API (a consistent snapshot,
  // writers are not blocked). The copy is created with mode 0600. AlreadyExists when the file
  // exists.
  Status Backup(const std::string& dest_path);

  // WAL checkpoints so far (Options::background_checkpoints); all zero without them.
  CheckpointStats checkpoint_stats() const;

  // The store's clock (Options::clock), in unix ms.
  int64_t now() const;
  const Options& options() const;

 private:
  explicit Store(std::unique_ptr<StoreImpl> impl);
  std::unique_ptr<StoreImpl> impl_;
};

}  // namespace smsgw::store
