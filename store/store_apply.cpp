// Store::Apply: one engine step in one transaction, and the small reads the engine makes
// before deciding (locks, counters).
#include <sqlite3.h>

#include <iterator>
#include <set>
#include <utility>

#include "store/retry.h"
#include "store/store_impl.h"

namespace smsgw::store {
namespace {

struct Consumed {
  int64_t id = 0;
  int64_t received_at = 0;
  std::optional<std::string> resend_key;
};

// An MO of AcceptAndStep's batch whose row is not written yet: written now, processed.
Result<Consumed> ConsumeStaged(StoreImpl& m, StagedInbound& staged, const ConsumeInbound& c,
                               Actor actor) {
  Consumed out{c.inbound_id, staged.received_at, std::nullopt};
  const std::string& source = staged.message->source;
  if (c.resend_command) out.resend_key = m.ResendKey(source, *c.resend_command);
  STORE_RETURN_IF_ERROR(InsertConsumedInbound(m, staged, c, out.resend_key));
  STORE_RETURN_IF_ERROR(m.WriteAudit(actor, source, "inbound", std::to_string(c.inbound_id),
                                     kEventInboundProcessed, "outcome " + c.outcome));
  return out;
}

// A step consumes its own MO; another MO of an AcceptAndStep batch not written yet is not
// found (NotFound), as a message that was never stored.
Result<Consumed> Consume(StoreImpl& m, const ConsumeInbound& c, Actor actor) {
  if (StagedInbound* staged = m.staged_inbound;
      staged != nullptr && staged->id == c.inbound_id && !staged->inserted) {
    return ConsumeStaged(m, *staged, c, actor);
  }
  Consumed out{c.inbound_id, 0, std::nullopt};
  std::string source;
  {
    sql::Query q = m.Q("SELECT source, received_at, state FROM inbound WHERE id = ?");
    q.Int(c.inbound_id);
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::NotFound("inbound message " + std::to_string(c.inbound_id));
    if (q.ColumnText(2) != "new") {
      return Status::FailedPrecondition("inbound message " + std::to_string(c.inbound_id) +
                                        " is already " + q.ColumnText(2));
    }
    source = q.ColumnText(0);
    out.received_at = q.ColumnInt(1);
  }
  if (c.resend_command) {
    STORE_RETURN_IF_ERROR(m.RequireDaemon("recording a resend command"));
    out.resend_key = m.ResendKey(source, *c.resend_command);
  }
  sql::Query q =
      m.Q("UPDATE inbound SET state = 'processed', outcome = ?, redacted_text = ?, reference = ?, "
          "resend_key = ?, raw_sealed = NULL, processed_at = ? WHERE id = ?");
  q.Text(c.outcome).Text(c.redacted_text).OptText(c.reference);
  if (out.resend_key) {
    q.Blob(*out.resend_key);
  } else {
    q.Null();
  }
  q.Int(m.Now()).Int(c.inbound_id);
  STORE_RETURN_IF_ERROR(q.Run());
  STORE_RETURN_IF_ERROR(m.WriteAudit(actor, source, "inbound", std::to_string(c.inbound_id),
                                     kEventInboundProcessed, "outcome " + c.outcome));
  return out;
}

Status ApplyLock(StoreImpl& m, const SetLock& l, Actor actor) {
  if (l.msisdn.empty()) return Status::InvalidArgument("a lock needs an msisdn");
  sql::Query q = m.Q(
      "INSERT INTO subscriber_lock(msisdn, locked_until, reason, updated_at) VALUES (?, ?, ?, ?) "
      "ON CONFLICT(msisdn) DO UPDATE SET locked_until = excluded.locked_until, "
      "reason = excluded.reason, updated_at = excluded.updated_at");
  q.Text(l.msisdn).Int(l.until_ms).Text(l.reason).Int(m.Now());
  STORE_RETURN_IF_ERROR(q.Run());
  return m.WriteAudit(actor, l.msisdn, "subscriber", l.msisdn, kEventLockSet,
                      "until " + std::to_string(l.until_ms) + ": " + l.reason);
}

// The first STOP's time stays: a second one is not a new opt-out.
Status StopNotices(StoreImpl& m, const std::string& msisdn) {
  if (msisdn.empty()) return Status::InvalidArgument("stopping notices needs an msisdn");
  sql::Query q =
      m.Q("INSERT INTO notice_optout(msisdn, stopped_at) VALUES (?, ?) "
          "ON CONFLICT(msisdn) DO NOTHING");
  q.Text(msisdn).Int(m.Now());
  return q.Run();
}

Status CheckNoticeId(std::string_view id) {
  if (id.empty() || id.size() > kMaxNoticeIdBytes) {
    return Status::InvalidArgument("a notice id has 1 to " + std::to_string(kMaxNoticeIdBytes) +
                                   " characters, not " + std::to_string(id.size()));
  }
  for (char c : id) {
    if (c < 0x20 || c > 0x7e) {
      return Status::InvalidArgument("a notice id is printable ASCII");
    }
  }
  return Status::OK();
}

// First in the transaction: a repeated notice fails before anything else is written.
Status RecordNotice(StoreImpl& m, const std::string& id) {
  sql::Query q = m.Q("INSERT INTO notice(id, recorded_at) VALUES (?, ?)");
  q.Text(id).Int(m.Now());
  Status s = q.Run();
  if (s.IsAlreadyExists()) return Status::AlreadyExists("notice " + id + " was already applied");
  return s;
}

Status ApplyAll(StoreImpl& m, const Effects& e, Applied& applied, Consumed& consumed) {
  if (e.notice_id) STORE_RETURN_IF_ERROR(RecordNotice(m, *e.notice_id));
  std::optional<int64_t> inbound_id;
  if (e.consume) {
    Result<Consumed> c = Consume(m, *e.consume, e.actor);
    if (!c.ok()) return c.status();
    consumed = std::move(*c);
    inbound_id = consumed.id;
  }
  for (const ChallengeChange& c : e.challenge_changes) {
    STORE_RETURN_IF_ERROR(ApplyChallengeChange(m, c, e.actor));
  }
  for (const NewChallenge& c : e.challenges) {
    Result<int64_t> id = InsertChallenge(m, c, inbound_id, e.actor);
    if (!id.ok()) return id.status();
    applied.challenge_ids.push_back(*id);
  }
  for (const NewInstruction& i : e.instructions) {
    STORE_RETURN_IF_ERROR(InsertInstruction(m, i, inbound_id, e.actor));
  }
  for (const InstructionOutcome& o : e.outcomes) STORE_RETURN_IF_ERROR(ApplyOutcome(m, o));
  for (const NewReply& r : e.replies) {
    Result<int64_t> id = InsertReply(m, r, inbound_id, e.actor);
    if (!id.ok()) return id.status();
    applied.reply_ids.push_back(*id);
  }
  for (const SetLock& l : e.locks) STORE_RETURN_IF_ERROR(ApplyLock(m, l, e.actor));
  for (const std::string& msisdn : e.notices_stopped) {
    STORE_RETURN_IF_ERROR(StopNotices(m, msisdn));
  }
  if (e.ussd_session) STORE_RETURN_IF_ERROR(ApplyUssdSession(m, *e.ussd_session));
  for (const NewAudit& a : e.audit) {
    STORE_RETURN_IF_ERROR(
        m.WriteAudit(a.actor, a.msisdn, a.entity, a.entity_id, a.event, a.detail));
  }
  return Status::OK();
}

// Secrets of effects kept in memory past their step (StepGroup): wiped when let go.
void WipeSecrets(Effects& e) {
  for (NewChallenge& c : e.challenges) {
    Wipe(c.code);
    Wipe(c.secret);
  }
  for (NewInstruction& i : e.instructions) Wipe(i.secret);
  for (NewReply& r : e.replies) Wipe(r.text);
  if (e.ussd_session) Wipe(e.ussd_session->state);
}

// The store's time held at `at` while it lives (StoreImpl::frozen_now).
class FrozenNow {
 public:
  FrozenNow(StoreImpl& m, int64_t at) : m_(m) { m_.frozen_now = at; }
  ~FrozenNow() { m_.frozen_now.reset(); }
  FrozenNow(const FrozenNow&) = delete;
  FrozenNow& operator=(const FrozenNow&) = delete;

 private:
  StoreImpl& m_;
};

// The steps of ApplyStepsInTransaction share one savepoint, opened before the first write and
// released after the last. A savepoint of its own per step made SQLite copy every page a step
// touched into the statement journal before its first change: the same table tails and index
// pages, step after step, about a tenth of the daemon's core thread at saturation.
//
// A step whose writes fail is taken out by rolling back to the shared savepoint and writing
// the steps before it again from the effects they made; the savepoint is then released and
// the next step opens another. No step is asked twice, and a failure rewrites only the steps
// written since the previous one. What the transaction keeps in memory about its writes
// (claims made on insert and their room, whether anything was made pending, the staged MOs'
// marks, the next ids) is put back as it was when the savepoint opened, and each step is
// written at one time, held the first time and again when written again
// (StoreImpl::frozen_now), so its checks against the clock decide as they did. Should a step
// still fail when written again (the random generator failing), it and every step written
// after it fail (Unavailable, to be retried): none of them is kept ahead of it.
class StepGroup {
 public:
  explicit StepGroup(StoreImpl& m) : m_(m) {}
  ~StepGroup() { Forget(); }
  StepGroup(const StepGroup&) = delete;
  StepGroup& operator=(const StepGroup&) = delete;

  // One step's effects, written in the group; its result is appended to `results`.
  void Apply(size_t index, Effects effects, std::vector<Result<Applied>>& results, Status& lost) {
    if (!open_) {
      if (Status s = m_.Q("SAVEPOINT steps").Run(); !s.ok()) {
        lost = LostTransaction(m_, s);
        results.emplace_back(s);
        return;
      }
      open_ = true;
      at_open_ = {m_.made_instruction_pending,
                  m_.made_reply_pending,
                  m_.instructions_on_insert.budget,
                  m_.instructions_on_insert.checked,
                  m_.instructions_on_insert.claimed.size(),
                  m_.replies_on_insert.budget,
                  m_.replies_on_insert.checked,
                  m_.replies_on_insert.claimed.size(),
                  m_.next_challenge_id,
                  m_.next_reply_id};
    }
    // Written at one time, the same the first time as when written again.
    const int64_t at = m_.Now();
    Applied applied;
    Consumed consumed;
    Status s;
    {
      FrozenNow frozen(m_, at);
      s = ApplyAll(m_, effects, applied, consumed);
    }
    lost = LostTransaction(m_, s);
    if (!lost.ok()) {
      results.emplace_back(lost);
      return;
    }
    if (s.ok()) {
      results.emplace_back(std::move(applied));
      written_.push_back({index, at, std::move(effects), m_.staged_inbound});
      return;
    }
    results.emplace_back(s);
    if (m_.staged_inbound != nullptr) m_.staged_inbound->inserted = false;
    // Then released: a later failure rewrites only the steps after this one.
    lost = Rewrite(results);
    if (lost.ok()) lost = Close();
  }

  // Results (by index) that failed when written again since the last call.
  std::vector<size_t> TakeFailedOnRewrite() { return std::exchange(failed_on_rewrite_, {}); }

  // Releases the savepoint. The error that lost the transaction, OK otherwise.
  Status Close() {
    if (!open_) return Status::OK();
    open_ = false;
    Forget();
    Status s = m_.Q("RELEASE steps").Run();
    if (s.ok() || sqlite3_get_autocommit(m_.db)) return LostTransaction(m_, s);
    return Status::Unavailable("the steps' savepoint could not be released: " + s.ToString());
  }

 private:
  struct Written {
    size_t index;  // in `results`
    int64_t at;    // the store's time when it was first written
    Effects effects;
    StagedInbound* staged;  // m.staged_inbound when it was written
  };

  // What StoreImpl knew about the transaction's writes when the savepoint opened.
  struct AtOpen {
    bool made_instruction_pending = false;
    bool made_reply_pending = false;
    int instruction_budget = 0;
    bool instructions_checked = false;
    size_t instructions_claimed = 0;
    int reply_budget = 0;
    bool replies_checked = false;
    size_t replies_claimed = 0;
    // The steps written again must get the ids they got the first time: a later step's effects
    // may name them (a challenge answered in the same batch).
    int64_t next_challenge_id = 0;
    int64_t next_reply_id = 0;
  };

  void PutBack() {
    m_.made_instruction_pending = at_open_.made_instruction_pending;
    m_.made_reply_pending = at_open_.made_reply_pending;
    m_.instructions_on_insert.budget = at_open_.instruction_budget;
    m_.instructions_on_insert.checked = at_open_.instructions_checked;
    m_.instructions_on_insert.claimed.resize(at_open_.instructions_claimed);
    m_.replies_on_insert.budget = at_open_.reply_budget;
    m_.replies_on_insert.checked = at_open_.replies_checked;
    m_.replies_on_insert.claimed.resize(at_open_.replies_claimed);
    m_.next_challenge_id = at_open_.next_challenge_id;
    m_.next_reply_id = at_open_.next_reply_id;
    for (const Written& w : written_) {
      if (w.staged != nullptr) w.staged->inserted = false;
    }
  }

  // Back to the savepoint, then the steps written so far again.
  Status Rewrite(std::vector<Result<Applied>>& results) {
    StagedInbound* const current = m_.staged_inbound;
    for (;;) {
      if (Status s = m_.Q("ROLLBACK TO steps").Run(); !s.ok()) {
        Status lost = LostTransaction(m_, s);
        return lost.ok() ? Status::Unavailable("the steps' savepoint could not be rolled back: " +
                                               s.ToString())
                         : lost;
      }
      PutBack();
      size_t failed = written_.size();
      for (size_t k = 0; k < written_.size() && failed == written_.size(); ++k) {
        Written& w = written_[k];
        m_.staged_inbound = w.staged;
        Applied applied;
        Consumed consumed;
        Status s;
        {
          FrozenNow frozen(m_, w.at);
          s = ApplyAll(m_, w.effects, applied, consumed);
        }
        m_.staged_inbound = current;
        if (Status lost = LostTransaction(m_, s); !lost.ok()) return lost;
        if (s.ok()) {
          results[w.index] = std::move(applied);
        } else {
          results[w.index] = s;
          failed = k;
        }
      }
      if (failed == written_.size()) return Status::OK();
      for (size_t k = failed; k < written_.size(); ++k) {
        if (k > failed) {
          results[written_[k].index] =
              Status::Unavailable("an earlier step of the batch failed when written again");
        }
        failed_on_rewrite_.push_back(written_[k].index);
        WipeSecrets(written_[k].effects);
        if (written_[k].staged != nullptr) written_[k].staged->inserted = false;
      }
      written_.erase(written_.begin() + static_cast<std::ptrdiff_t>(failed), written_.end());
    }
  }

  void Forget() {
    for (Written& w : written_) WipeSecrets(w.effects);
    written_.clear();
  }

  StoreImpl& m_;
  bool open_ = false;
  AtOpen at_open_;
  std::vector<Written> written_;
  std::vector<size_t> failed_on_rewrite_;
};

}  // namespace

Status LostTransaction(StoreImpl& m, const Status& status) {
  if (!sqlite3_get_autocommit(m.db)) return Status::OK();
  return status.ok() ? Status::Unavailable("the transaction was rolled back by SQLite") : status;
}

Result<Applied> Store::Apply(const Effects& effects) {
  StoreImpl& m = *impl_;
  Applied applied;
  Consumed consumed;
  if (effects.notice_id) STORE_RETURN_IF_ERROR(CheckNoticeId(*effects.notice_id));
  STORE_RETURN_IF_ERROR(m.Transact([&] { return ApplyAll(m, effects, applied, consumed); }));
  return applied;
}

Status ApplyStepsInTransaction(StoreImpl& m, size_t count,
                               const std::function<Result<Effects>(size_t)>& step,
                               std::vector<Result<Applied>>& results,
                               const std::function<std::string_view(size_t)>& order_key) {
  // Set when SQLite dropped the whole transaction (it does on I/O errors and a full disk):
  // statements after that would each commit on their own, so the batch stops there.
  Status lost;
  std::set<std::string, std::less<>> failed_keys;
  StepGroup group(m);
  const size_t first = results.size();
  for (size_t i = 0; i < count; ++i) {
    if (!lost.ok()) {
      results.emplace_back(lost);
      continue;
    }
    if (order_key && failed_keys.contains(order_key(i))) {
      results.emplace_back(Status::Unavailable("an earlier step of its sequence failed"));
      continue;
    }
    Result<Effects> effects = step(i);
    lost = LostTransaction(m, effects.status());
    Status s = lost.ok() ? effects.status() : lost;
    if (s.ok() && effects->notice_id) s = CheckNoticeId(*effects->notice_id);
    if (s.ok()) {
      group.Apply(results.size(), std::move(*effects), results, lost);
    } else {
      results.emplace_back(s);
    }
    if (order_key && !results.back().ok()) failed_keys.emplace(order_key(i));
    for (size_t r : group.TakeFailedOnRewrite()) {
      if (order_key) failed_keys.emplace(order_key(r - first));
    }
  }
  if (lost.ok()) lost = group.Close();
  return lost;
}

namespace {

constexpr Savepoint kClaimSavepoint{"SAVEPOINT claim", "RELEASE claim", "ROLLBACK TO claim"};

// One kind of ClaimAlong under its savepoint; whether it ran (or was not asked for, or could
// find nothing: `none_due`).
template <typename Claimed>
bool ClaimKind(StoreImpl& m, int limit, bool none_due, std::vector<Claimed>& out,
               Status (*claim)(StoreImpl&, int, std::vector<Claimed>&)) {
  if (limit <= 0 || none_due) return true;
  if (sqlite3_get_autocommit(m.db)) return false;
  if (InSavepoint(m, kClaimSavepoint, [&] { return claim(m, limit, out); }).ok()) return true;
  out.clear();
  return false;
}

}  // namespace

void PrepareClaimsAlong(StoreImpl& m, const ClaimsAlong& along) {
  m.instructions_on_insert.Reset(along.instructions_only_if_made ? along.instructions : 0);
  m.replies_on_insert.Reset(along.replies_only_if_made ? along.replies : 0);
}

namespace {

// ClaimOnInsert for one kind; `due_sql` finds one row of the kind due, as its claim would.
template <typename Claimed>
Result<bool> RoomOnInsert(StoreImpl& m, ClaimedOnInsert<Claimed>& on_insert, bool made_pending,
                          const char* due_sql, int64_t max_delay_ms) {
  if (!on_insert.HasRoom() || made_pending) return false;
  if (on_insert.checked) return true;
  sql::Query q = m.Q(due_sql);
  q.Int(m.Now()).Int(max_delay_ms);
  Result<bool> due = q.Step();
  if (!due.ok()) return due.status();  // checked again at the next insert of the kind
  on_insert.checked = true;
  if (*due) on_insert.budget = 0;  // nothing was claimed so before the check
  return !*due;
}

}  // namespace

Result<bool> ClaimOnInsert(StoreImpl& m, OutboxKind kind) {
  // The claims' own conditions: due now, or scheduled before the wall clock stepped back.
  if (kind == OutboxKind::kInstruction) {
    return RoomOnInsert(m, m.instructions_on_insert, m.made_instruction_pending,
                        "SELECT 1 FROM instruction INDEXED BY instruction_pending_seq "
                        "WHERE state = 'pending' AND "
                        "(next_attempt_at <= ?1 OR next_attempt_at > ?1 + ?2) LIMIT 1",
                        m.options.instruction_retry.max_delay_ms);
  }
  return RoomOnInsert(m, m.replies_on_insert, m.made_reply_pending,
                      "SELECT 1 FROM reply INDEXED BY reply_due WHERE state = 'pending' AND "
                      "(next_attempt_at <= ?1 OR next_attempt_at > ?1 + ?2) LIMIT 1",
                      m.options.reply_retry.max_delay_ms);
}

void AppendClaimedOnInsert(std::string& detail) {
  if (!detail.empty()) detail += "; ";
  detail += "claimed, attempt 1";
}

void ClaimAlong(StoreImpl& m, const ClaimsAlong& along, Claims& out) {
  // The rows claimed as they went in are the oldest due (nothing was due before them) and
  // in flight whatever the claims below do, so they are handed out in any case.
  out.instructions = std::exchange(m.instructions_on_insert.claimed, {});
  out.replies = std::exchange(m.replies_on_insert.claimed, {});
  const int instructions_left = along.instructions - static_cast<int>(out.instructions.size());
  const int replies_left = along.replies - static_cast<int>(out.replies.size());
  m.instructions_on_insert.Reset();
  m.replies_on_insert.Reset();
  std::vector<ClaimedInstruction> more_instructions;
  std::vector<ClaimedReply> more_replies;
  const bool instructions = ClaimKind(
      m, instructions_left, along.instructions_only_if_made && !m.made_instruction_pending,
      more_instructions, &ClaimInstructionsIn);
  const bool replies =
      ClaimKind(m, replies_left, along.replies_only_if_made && !m.made_reply_pending, more_replies,
                &ClaimRepliesIn);
  std::move(more_instructions.begin(), more_instructions.end(),
            std::back_inserter(out.instructions));
  std::move(more_replies.begin(), more_replies.end(), std::back_inserter(out.replies));
  out.complete = instructions && replies;
}

std::vector<Result<Applied>> Store::ApplySteps(size_t count,
                                               const std::function<Result<Effects>(size_t)>& step,
                                               const StepOptions& options) {
  StoreImpl& m = *impl_;
  std::vector<Result<Applied>> results;
  results.reserve(count);
  Claims* claimed = options.claimed;
  if (claimed != nullptr) *claimed = {};
  Status riders_status;
  auto report = [&] {
    if (options.reply_results_status != nullptr) *options.reply_results_status = riders_status;
  };
  if (count == 0 && options.reply_results.empty()) return report(), results;
  const bool lazy = options.lazy && m.SetLazy(true);
  if (Status begun = m.Begin(); !begun.ok()) {
    if (lazy) m.SetLazy(false);
    for (size_t i = 0; i < count; ++i) results.emplace_back(begun);
    if (!options.reply_results.empty()) riders_status = begun;
    return report(), results;
  }
  riders_status = RecordReplyResultsIn(m, options.reply_results);
  Status lost = LostTransaction(m, riders_status);
  if (claimed != nullptr && m.options.mode == OpenMode::kDaemon) {
    PrepareClaimsAlong(m, options.along);
  }
  if (lost.ok()) {
    lost = ApplyStepsInTransaction(m, count, step, results, options.order_key);
  } else {
    for (size_t i = 0; i < count; ++i) results.emplace_back(lost);
  }
  if (lost.ok() && claimed != nullptr && m.options.mode == OpenMode::kDaemon) {
    ClaimAlong(m, options.along, *claimed);
  }
  Status committed = lost.ok() ? m.Commit() : lost;
  if (!committed.ok()) {
    m.Rollback();
    if (claimed != nullptr) *claimed = {};
    for (Result<Applied>& r : results) {
      if (r.ok()) r = Result<Applied>(committed);
    }
    if (riders_status.ok() && !options.reply_results.empty()) riders_status = committed;
  }
  report();
  if (lazy) m.SetLazy(false);
  return results;
}

Result<int64_t> Store::LockedUntil(std::string_view msisdn) {
  StoreImpl& m = *impl_;
  sql::Query q = m.Q("SELECT locked_until FROM subscriber_lock WHERE msisdn = ?");
  q.Text(msisdn);
  Result<bool> row = q.Step();
  if (!row.ok()) return row.status();
  if (!*row || q.ColumnInt(0) <= m.Now()) return int64_t{0};
  return q.ColumnInt(0);
}

Result<bool> Store::NoticesStopped(std::string_view msisdn) {
  sql::Query q = impl_->Q("SELECT 1 FROM notice_optout WHERE msisdn = ?");
  q.Text(msisdn);
  return q.Step();
}

Result<int64_t> Store::CountEvents(std::string_view msisdn, std::string_view event,
                                   int64_t since_ms) {
  // Wrong PINs have an index of their own (schema version 13), which SQLite uses only for a
  // query that names the event in its text. The other events' query names its index: left to
  // choose, SQLite would weigh audit_wrong_pin against the bound event and prepare the
  // statement again at every call, which cost more than the count.
  const bool wrong_pin = event == kEventWrongPin;
  static constexpr char kWrongPins[] =
      "SELECT count(*) FROM audit INDEXED BY audit_wrong_pin WHERE msisdn = ? AND at >= ? AND "
      "event = 'pin.wrong'";
  static constexpr char kEvents[] =
      "SELECT count(*) FROM audit INDEXED BY audit_msisdn WHERE msisdn = ? AND at >= ? AND "
      "event = ?";
  sql::Query q = impl_->Q(wrong_pin ? kWrongPins : kEvents);
  q.Text(msisdn).Int(since_ms);
  if (!wrong_pin) q.Text(event);
  Result<bool> row = q.Step();
  if (!row.ok()) return row.status();
  return q.ColumnInt(0);
}

Result<int64_t> NextAttemptAt(const StoreImpl& m, const RetryPolicy& policy, int failed_attempts) {
  uint32_t random = 0;
  STORE_RETURN_IF_ERROR(RandomBytes({reinterpret_cast<uint8_t*>(&random), sizeof random}));
  return m.Now() + RetryDelayMs(policy, failed_attempts, random);
}

Result<int64_t> NextRowId(StoreImpl& m, std::string_view table) {
  const bool challenge = table == "challenge";
  int64_t& next = challenge ? m.next_challenge_id : m.next_reply_id;
  if (next == 0) {
    // Read, not kept across transactions: `smsgw ctl purge` may delete the newest rows from
    // another process between them.
    sql::Query q = challenge ? m.Q("SELECT max(coalesce((SELECT max(id) FROM challenge), 0), "
                                   "coalesce((SELECT CAST(value AS INTEGER) FROM meta "
                                   "WHERE name = 'last_id.challenge'), 0)) + 1")
                             : m.Q("SELECT max(coalesce((SELECT max(id) FROM reply), 0), "
                                   "coalesce((SELECT CAST(value AS INTEGER) FROM meta "
                                   "WHERE name = 'last_id.reply'), 0)) + 1");
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    next = q.ColumnInt(0);
  }
  return next++;
}

}  // namespace smsgw::store
