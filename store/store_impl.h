// StoreImpl: the state behind a Store and the helpers its .cpp files share (statement cache,
// transactions, sealing, audit rows). Internal to store/.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/parsed_memo.h"
#include "store/recent_keys.h"
#include "store/sql.h"
#include "store/store.h"
#include "store/wal_checkpointer.h"

struct sqlite3;

namespace smsgw::store {

#define STORE_RETURN_IF_ERROR(expr)              \
  do {                                           \
    if (::smsgw::Status s_ = (expr); !s_.ok()) { \
      return s_;                                 \
    }                                            \
  } while (0)

// Keyed-hash keys derived from the store's random secret (meta 'secret', stored sealed).
struct HashKeys {
  HmacKey dedup;   // inbound dedup keys
  HmacKey resend;  // subscriber resend keys
  HmacKey code;    // challenge codes
};

// The rows of one outbox kind a transaction claims as they go in (PrepareClaimsAlong). The
// room left is derived: `budget` less what was claimed, so a step rolled back gives its room
// back by dropping its claims.
template <typename Claimed>
struct ClaimedOnInsert {
  int budget = 0;        // how many this transaction may claim so; 0: none
  bool checked = false;  // the kind's due index was probed and held nothing due
  std::vector<Claimed> claimed;
  bool HasRoom() const { return static_cast<int>(claimed.size()) < budget; }
  void Reset(int new_budget = 0) {
    budget = new_budget;
    checked = false;
    claimed.clear();
  }
};

struct StagedInbound;

struct StoreImpl {
  explicit StoreImpl(Options opts);
  ~StoreImpl();

  // The clock's time, or `frozen_now` while it is set: each step of a batch is written at one
  // time, and written again after a rollback at the same time (StepGroup in store_apply.cpp),
  // so its checks against the clock (a challenge's expiry) decide as they did, and its rows
  // get the same times.
  int64_t Now() const { return frozen_now ? *frozen_now : clock->NowMs(); }
  std::optional<int64_t> frozen_now;

  // A Query on the statement for `sql`, prepared on first use and kept for the connection's
  // life. `sql` must be a string with static storage (its address is the cache key). A
  // statement that fails to prepare yields a Query whose Step() returns the error.
  sql::Query Q(std::string_view sql);

  // BEGIN IMMEDIATE, body(), COMMIT; ROLLBACK when either fails. The write lock is taken
  // first, so a busy database fails at BEGIN (after busy_timeout) before anything is done.
  template <typename Body>
  Status Transact(Body&& body) {
    STORE_RETURN_IF_ERROR(Begin());
    Status s = body();
    if (s.ok()) s = Commit();
    if (!s.ok()) Rollback();
    return s;
  }
  // The same, committed without waiting for the disk, for records whose loss in a power cut
  // start-up or a resend repairs: a claim (the instruction is pending again at start and goes
  // with the same id, which the backend answers from its stored answer) and a reply's send
  // result (the reply goes again, as one in flight at a crash does). The next durable commit
  // syncs the WAL and these frames with it; WAL checksums make a torn tail read as the last
  // whole commit. No checkpoint runs from a lazy commit: one that did not sync the database
  // file could let the WAL be reused before the pages it moved are on disk (the background
  // checkpointer's connection syncs: wal_checkpointer.h). Daemon mode (WAL) only; otherwise
  // the same as Transact.
  template <typename Body>
  Status TransactLazily(Body&& body) {
    const bool applies = SetLazy(true);
    Status s = Transact(std::forward<Body>(body));
    if (applies) SetLazy(false);
    return s;
  }
  Status Begin();
  Status Commit();
  void Rollback();
  // True when lazy commits apply (WAL mode and synchronous=FULL).
  bool SetLazy(bool on);
  // Checkpoints on the checkpointer's thread from now on (daemon mode): SQLite's own, in the
  // commit, is switched off, and after each commit the WAL's size goes to the checkpointer.
  // When it answers that it has copied nearly all, a durable commit finishes the checkpoint
  // on this connection (a few frames), so the next transaction restarts the WAL.
  Status StartCheckpointer();
  CheckpointStats CheckpointerStats() const;

  // Sealing under the key ring; FailedPrecondition when the store was opened without keys.
  Result<std::string> Seal(std::string_view plaintext, std::string_view aad);
  Result<SecretBytes> Open(std::string_view sealed, std::string_view aad) const;

  Status WriteAudit(Actor actor, const std::optional<std::string>& msisdn, std::string_view entity,
                    std::string_view entity_id, std::string_view event, std::string_view detail);
  // The first row of an entity that continues another's story (schema 14): written without
  // the MSISDN, with its parent (entity, id), through which Store::Audit finds it.
  Status WriteChildAudit(Actor actor, std::string_view parent_entity, std::string_view parent_id,
                         std::string_view entity, std::string_view entity_id,
                         std::string_view event, std::string_view detail);

  // FailedPrecondition unless opened in daemon mode.
  Status RequireDaemon(std::string_view what) const;

  std::string DedupKey(const InboundMessage& m);
  std::string ResendKey(std::string_view source, std::string_view command);
  std::string CodeHash(std::string_view msisdn, std::string_view code);

  Options options;
  std::shared_ptr<const Clock> clock;
  sqlite3* db = nullptr;
  std::unordered_map<const void*, sql::Statement> statements;
  std::optional<Sealer> sealer;       // set when there are keys
  std::optional<HashKeys> hash_keys;  // set in daemon mode
  // The dedup keys still inside their redelivery window, one index per window (each forgets
  // in insertion order, which is expiry order only when all its entries share one window).
  RecentKeys recent_identified;         // messages with an id the SMSC gave
  RecentKeys recent_handset_reference;  // messages with the handset's message reference
  RecentKeys recent_unidentified;       // messages without an id
  RecentKeys& RecentKeysFor(NetworkIdKind kind);
  std::array<RecentKeys*, 3> AllRecentKeys() {
    return {&recent_identified, &recent_handset_reference, &recent_unidentified};
  }
  int64_t next_inbound_id = 1;
  // The next challenge and reply ids while this connection holds the write lock (NextRowId):
  // read once per transaction, since no other connection can insert before it ends. 0 until
  // read; reset by Begin. The steps' savepoint rolled back puts them back as they were when it
  // opened (StepGroup), so steps written again get their ids again; another savepoint rolled
  // back leaves them ahead, and ids skip, never repeat.
  int64_t next_challenge_id = 0;
  int64_t next_reply_id = 0;
  // The engine's parsed requests of the challenges written lately: a subscriber answers
  // within the code's lifetime, usually within a minute.
  ParsedMemo challenge_forms{8192};
  int64_t duplicates_seen = 0;

  // Destroyed before `db` is closed (~StoreImpl), so the store's connection is the last and
  // checkpoints the WAL away at close.
  std::unique_ptr<WalCheckpointer> checkpointer;
  bool lazy = false;        // a lazy commit may be under way (SetLazy): no checkpoint from here
  bool lazy_asked = false;  // the last SetLazy asked for lazy commits
  // Whether the transaction under way made an instruction or a reply pending (a new one, or
  // one put back for a retry), for claims along that only run then (ClaimsAlong). Cleared by
  // Begin; the steps' savepoint rolled back puts them back as they were when it opened
  // (StepGroup); another savepoint rolled back leaves them set, which costs a claim that finds
  // nothing.
  bool made_instruction_pending = false;
  bool made_reply_pending = false;
  // Claims made as the rows go in (PrepareClaimsAlong): while a budget lasts, a new
  // instruction or reply is inserted in flight and handed out with the claims along, instead
  // of inserted pending and then found and updated by the claim at the end of the transaction.
  // Reset by Begin; the steps' savepoint rolled back puts them back as they were when it
  // opened (StepGroup), taking back what the steps claimed. The first insert of a kind checks
  // that nothing of it is due (`checked`): the caller's word that nothing was is a hint, and a
  // row claimed ahead of an older due one would break the claims' order.
  ClaimedOnInsert<ClaimedInstruction> instructions_on_insert;
  ClaimedOnInsert<ClaimedReply> replies_on_insert;
  // Set by AcceptAndStep for each step of its batch (the step's MO, whose row may not be
  // written yet) and cleared after the last; null outside. Consume looks at it by id.
  StagedInbound* staged_inbound = nullptr;
};

// An MO of an AcceptAndStep batch stepped before its row is written. Its step's consume
// inserts the row already processed (InsertConsumedInbound): one INSERT where there would be
// an INSERT, a read and an UPDATE, and no sealed copy of a text the consume drops at once. A
// step that fails or consumes something else leaves it to be inserted new after the steps.
struct StagedInbound {
  int64_t id = 0;
  int64_t received_at = 0;
  const InboundMessage* message = nullptr;
  std::string_view dedup_key;
  // By its step's consume; cleared when a rollback takes the row back (StepGroup).
  bool inserted = false;
};

// An optional AddressType as two columns, TON then NPI, both NULL when it is unset
// (store_impl.cpp).
void BindAddressType(sql::Query& q, const std::optional<AddressType>& type);
// Read back from columns `ton` and `ton` + 1.
std::optional<AddressType> ColumnAddressType(const sql::Query& q, int ton);

// The rows of an MO (store_inbound.cpp), inside the caller's transaction: new, its text
// sealed for the step to come; or processed, as `c` says, for a staged MO whose step consumes
// it (`resend_key` from the consume).
Status InsertNewInbound(StoreImpl& m, const InboundMessage& msg, int64_t id, int64_t received_at,
                        std::string_view dedup_key);
Status InsertConsumedInbound(StoreImpl& m, StagedInbound& staged, const ConsumeInbound& c,
                             const std::optional<std::string>& resend_key);
// Deletes the stored parts the batch's messages were joined from (InboundMessage::joined_from),
// inside the caller's transaction (store_parts.cpp).
Status DeleteJoinedParts(StoreImpl& m, std::span<const InboundMessage> batch);

// The parts of Apply, each run inside Apply's transaction (store_challenges.cpp,
// store_instructions.cpp, store_replies.cpp). `inbound_id` is the consumed message's id, the
// default for what the effect does not name; `actor` is Effects::actor.
Result<int64_t> InsertChallenge(StoreImpl& m, const NewChallenge& c,
                                std::optional<int64_t> inbound_id, Actor actor);
Status ApplyChallengeChange(StoreImpl& m, const ChallengeChange& c, Actor actor);
Status InsertInstruction(StoreImpl& m, const NewInstruction& i, std::optional<int64_t> inbound_id,
                         Actor actor);
Status ApplyOutcome(StoreImpl& m, const InstructionOutcome& o);
Result<int64_t> InsertReply(StoreImpl& m, const NewReply& r, std::optional<int64_t> inbound_id,
                            Actor actor);
Status ApplyUssdSession(StoreImpl& m, const UssdSessionWrite& w);

// The steps of Store::ApplySteps inside a transaction the caller began and commits (Accept
// and its steps in Store::AcceptAndStep); one result per step is appended to `results`.
// Returns the error that lost the whole transaction (SQLite rolled it back), OK otherwise.
Status ApplyStepsInTransaction(StoreImpl& m, size_t count,
                               const std::function<Result<Effects>(size_t)>& step,
                               std::vector<Result<Applied>>& results,
                               const std::function<std::string_view(size_t)>& order_key);

// The bodies of ClaimInstructions and ClaimReplies, inside a transaction the caller began.
Status ClaimInstructionsIn(StoreImpl& m, int limit, std::vector<ClaimedInstruction>& out);
Status ClaimRepliesIn(StoreImpl& m, int limit, std::vector<ClaimedReply>& out);
// The claims of `along` at the end of a batch's transaction, each kind under a savepoint: a
// kind that fails claims nothing (the caller's next ClaimInstructions or ClaimReplies meets
// the error and reports it), leaves the batch's steps as they are and leaves
// `out.complete` false.
void ClaimAlong(StoreImpl& m, const ClaimsAlong& along, Claims& out);
// Before a batch's steps, in its transaction: when `along` says nothing of a kind was due as
// the transaction began (*_only_if_made), the claim at the end would take exactly the rows of
// that kind the steps make, in the order they make them, up to its limit. Those rows are then
// inserted in flight as they are made (InsertInstruction, InsertReply) and ClaimAlong hands
// them out first: the same rows and states, without the claim's read and update and the
// pending indexes' entries in between. Such an item never was pending, so it has one audit
// row, its `*.created`, whose detail AppendClaimedOnInsert ends.
void PrepareClaimsAlong(StoreImpl& m, const ClaimsAlong& along);
// Whether the item of `kind` about to be inserted is claimed as it goes in: while the budget
// of PrepareClaimsAlong lasts, nothing of the kind was made pending in this transaction
// before it (else the claim at the end takes them in its order, as it always did), and
// nothing pending is due (checked at the kind's first insert).
enum class OutboxKind { kInstruction, kReply };
Result<bool> ClaimOnInsert(StoreImpl& m, OutboxKind kind);
// Ends a `*.created` audit detail with what a `*.claimed` row would have said, so the trail
// reads the first attempt from either: "...; claimed, attempt 1".
void AppendClaimedOnInsert(std::string& detail);

// The SQL of one named savepoint (literals: Q keeps statements by the text's address).
struct Savepoint {
  const char* open;
  const char* release;
  const char* rollback;
};
// body() under `savepoint` inside a transaction the caller began: released when body and the
// release succeed, else rolled back to and released (unless SQLite dropped the whole
// transaction, which LostTransaction then reports). The first error.
Status InSavepoint(StoreImpl& m, const Savepoint& savepoint, const std::function<Status()>& body);

// Send results (Riders::reply_results) inside a transaction the caller began, under a
// savepoint: all recorded, or none and the error. Nothing to do for none.
Status RecordReplyResultsIn(StoreImpl& m, std::span<const ReplyResult> results);
// The error that lost the caller's transaction (SQLite rolled it back: it does on I/O errors
// and a full disk) after a write that returned `status`; OK while the transaction is open.
Status LostTransaction(StoreImpl& m, const Status& status);

// When an item that has failed `failed_attempts` times is tried again: now + a jittered delay.
Result<int64_t> NextAttemptAt(const StoreImpl& m, const RetryPolicy& policy, int failed_attempts);

// The next rowid of `table` ("challenge" or "reply"), above every id it has given, purged rows'
// included, so sealed values can name their row in the associated data before it is inserted.
// A write transaction begun with Begin must be open, and the id is taken: the next call gives
// the one after it.
Result<int64_t> NextRowId(StoreImpl& m, std::string_view table);

// Whether a failure to open a sealed value is the record's fault (tampered, damaged, or sealed
// with a key no longer in the ring) rather than a temporary one.
inline bool IsBrokenSeal(const Status& s) {
  return s.IsCorruption() || s.IsNotFound();
}

inline constexpr std::string_view kSecretAad = "meta:secret";

// Helpers shared by the .cpp files of the store.
std::string AadFor(std::string_view table, std::string_view id);
inline std::string AadFor(std::string_view table, int64_t id) {
  return AadFor(table, std::to_string(id));
}

}  // namespace smsgw::store
