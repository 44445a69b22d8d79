// Instructions for the backend: creation and outcomes (inside Apply), claims, reads.
#include <algorithm>

#include "store/retry.h"
#include "store/store_impl.h"

namespace smsgw::store {
namespace {

std::string PayloadHash(std::string_view operation, std::string_view payload) {
  std::string data(operation);
  data.push_back('\0');
  data.append(payload);
  return ToHex(Sha256(data));
}

constexpr std::string_view kInstructionColumns =
    "id, reference, inbound_id, challenge_id, msisdn, operation, payload, payload_hash, "
    "secret_sealed IS NOT NULL, state, attempts, next_attempt_at, last_error, result, "
    "created_at, updated_at";

Instruction ReadInstruction(const sql::Query& q) {
  Instruction i;
  i.id = q.ColumnText(0);
  i.reference = q.ColumnText(1);
  if (!q.IsNull(2)) i.inbound_id = q.ColumnInt(2);
  if (!q.IsNull(3)) i.challenge_id = q.ColumnInt(3);
  i.msisdn = q.ColumnText(4);
  i.operation = q.ColumnText(5);
  i.payload = q.ColumnText(6);
  i.payload_hash = q.ColumnText(7);
  i.has_secret = q.ColumnInt(8) != 0;
  i.state = ParseInstructionState(q.ColumnText(9)).value_or(InstructionState::kDead);
  i.attempts = static_cast<int>(q.ColumnInt(10));
  i.next_attempt_at = q.ColumnInt(11);
  i.last_error = q.ColumnOptText(12);
  i.result = q.ColumnOptText(13);
  i.created_at = q.ColumnInt(14);
  i.updated_at = q.ColumnInt(15);
  return i;
}

Result<Instruction> FindOne(sql::Query& q, std::string_view what) {
  Result<bool> row = q.Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("no instruction " + std::string(what));
  return ReadInstruction(q);
}

Status KillUnopenable(StoreImpl& m, const ClaimedInstruction& c, const Status& why) {
  sql::Query q =
      m.Q("UPDATE instruction SET state = 'dead', last_error = ?, updated_at = ? WHERE id = ?");
  q.Text(why.ToString()).Int(m.Now()).Text(c.id);
  STORE_RETURN_IF_ERROR(q.Run());
  return m.WriteAudit(Actor::kSystem, c.msisdn, "instruction", c.id, kEventInstructionDead,
                      why.ToString());
}

const std::string kByIdSql =
    "SELECT " + std::string(kInstructionColumns) + " FROM instruction WHERE id = ?";
const std::string kByReferenceSql =
    "SELECT " + std::string(kInstructionColumns) + " FROM instruction WHERE reference = ?";

}  // namespace

Status InsertInstruction(StoreImpl& m, const NewInstruction& i, std::optional<int64_t> inbound_id,
                         Actor actor) {
  if (i.id.empty() || i.reference.empty() || i.msisdn.empty() || i.operation.empty()) {
    return Status::InvalidArgument(
        "an instruction needs an id, a reference, an msisdn and an operation");
  }
  std::optional<std::string> sealed;
  if (!i.secret.empty()) {
    Result<std::string> s = m.Seal(i.secret, AadFor("instruction", i.id));
    if (!s.ok()) return s.status();
    sealed = std::move(*s);
  }
  const int64_t now = m.Now();
  const std::optional<int64_t> from = i.inbound_id ? i.inbound_id : inbound_id;
  Result<bool> claim_now = ClaimOnInsert(m, OutboxKind::kInstruction);
  if (!claim_now.ok()) return claim_now.status();
  const bool claim = *claim_now;
  std::string payload_hash = PayloadHash(i.operation, i.payload);
  sql::Query q =
      m.Q("INSERT INTO instruction(id, reference, inbound_id, challenge_id, msisdn, operation, "
          "payload, payload_hash, secret_sealed, state, attempts, next_attempt_at, created_at, "
          "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q.Text(i.id).Text(i.reference);
  if (from) {
    q.Int(*from);
  } else {
    q.Null();
  }
  if (i.challenge_id) {
    q.Int(*i.challenge_id);
  } else {
    q.Null();
  }
  q.Text(i.msisdn).Text(i.operation).Text(i.payload).Text(payload_hash);
  q.OptText(sealed).Text(claim ? "in_flight" : "pending").Int(claim ? 1 : 0);
  q.Int(now).Int(now).Int(now);
  if (Status s = q.Run(); !s.ok()) {
    if (s.IsAlreadyExists()) {
      return Status::AlreadyExists("instruction id " + i.id + " or reference " + i.reference +
                                   " is already taken");
    }
    return s;
  }
  // Claimed as it goes in, it never was pending: one state change, so one audit row, which
  // says so (AppendClaimedOnInsert).
  std::string detail = i.operation + ", ref " + i.reference;
  if (claim) AppendClaimedOnInsert(detail);
  STORE_RETURN_IF_ERROR(
      m.WriteAudit(actor, i.msisdn, "instruction", i.id, kEventInstructionCreated, detail));
  if (!claim) {
    m.made_instruction_pending = true;
    return Status::OK();
  }
  ClaimedInstruction c;
  c.id = i.id;
  c.reference = i.reference;
  c.msisdn = i.msisdn;
  c.operation = i.operation;
  c.payload = i.payload;
  c.payload_hash = std::move(payload_hash);
  c.secret = SecretBytes(i.secret);
  c.attempt = 1;
  c.parsed = i.parsed;
  m.instructions_on_insert.claimed.push_back(std::move(c));
  return Status::OK();
}

namespace {

// A definitive answer, in one statement: nearly every answer is to an instruction in flight,
// so it is not read first. Only when the UPDATE changes no row is it read, to say why.
Status ApplyFinalOutcome(StoreImpl& m, const InstructionOutcome& o) {
  const bool done = o.kind == InstructionOutcome::Kind::kDone;
  sql::Query q =
      m.Q("UPDATE instruction SET state = ?, result = ?, secret_sealed = NULL, updated_at = ? "
          "WHERE id = ? AND state NOT IN ('done', 'rejected')");
  q.Text(done ? "done" : "rejected").Text(o.detail).Int(m.Now()).Text(o.instruction_id);
  STORE_RETURN_IF_ERROR(q.Run());
  if (q.Changes() == 0) {
    sql::Query read = m.Q("SELECT state FROM instruction WHERE id = ?");
    read.Text(o.instruction_id);
    Result<bool> row = read.Step();
    if (!row.ok()) return row.status();
    const std::string name = "instruction " + o.instruction_id;
    if (!*row) return Status::NotFound(name);
    // Its own code, apart from the other refusals: the first outcome stands, and the daemon
    // takes a late answer refused so as one a push has answered already, not as a failure.
    return Status::AlreadyExists(name + " is already " + read.ColumnText(0));
  }
  // A row that follows the instruction's first: written without the MSISDN (IsFollowUpEvent).
  return m.WriteAudit(Actor::kBackend, std::nullopt, "instruction", o.instruction_id,
                      done ? kEventInstructionDone : kEventInstructionRejected, o.detail);
}

}  // namespace

Status ApplyOutcome(StoreImpl& m, const InstructionOutcome& o) {
  if (o.kind != InstructionOutcome::Kind::kRetry) return ApplyFinalOutcome(m, o);
  const std::string name = "instruction " + o.instruction_id;
  std::string state, msisdn;
  int attempts = 0;
  // The row is found once by its id; the UPDATE below takes it by seq, the table's own key,
  // rather than through the id index a second time.
  int64_t seq = 0;
  {
    sql::Query q = m.Q("SELECT seq, state, attempts, msisdn FROM instruction WHERE id = ?");
    q.Text(o.instruction_id);
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::NotFound(name);
    seq = q.ColumnInt(0);
    state = q.ColumnText(1);
    attempts = static_cast<int>(q.ColumnInt(2));
    msisdn = q.ColumnText(3);
  }
  const int64_t now = m.Now();
  if (state == "done" || state == "rejected") {
    return Status::AlreadyExists(name + " is already " + state);
  }
  if (state != "in_flight") {
    return Status::FailedPrecondition(name + " is " + state + ", not in flight");
  }
  const RetryPolicy& policy = m.options.instruction_retry;
  // At most the policy's ceiling: a retry due further ahead reads as one scheduled before a
  // backward clock step, and is claimed at once.
  const int64_t wait_ms = std::clamp<int64_t>(o.wait_ms, 0, RetryCapMs(policy));
  if (!o.attempt_spent) {
    // The policy's floor between tries, so a backend refusing at once is not called in a loop.
    sql::Query q =
        m.Q("UPDATE instruction SET state = 'pending', attempts = max(attempts - 1, 0), "
            "next_attempt_at = ?1, last_error = ?2, updated_at = ?3 WHERE seq = ?4");
    q.Int(now + std::max<int64_t>({policy.base_delay_ms, wait_ms, 0})).Text(o.detail).Int(now);
    q.Int(seq);
    STORE_RETURN_IF_ERROR(q.Run());
    m.made_instruction_pending = true;
    return m.WriteAudit(Actor::kSystem, msisdn, "instruction", o.instruction_id,
                        kEventInstructionRetry, "not taken: " + o.detail + "; attempt not counted");
  }
  const std::string detail = "attempt " + std::to_string(attempts) + ": " + o.detail;
  if (RetriesExhausted(policy, attempts)) {
    sql::Query q =
        m.Q("UPDATE instruction SET state = 'dead', last_error = ?, updated_at = ? WHERE seq = ?");
    q.Text(o.detail).Int(now).Int(seq);
    STORE_RETURN_IF_ERROR(q.Run());
    return m.WriteAudit(Actor::kSystem, msisdn, "instruction", o.instruction_id,
                        kEventInstructionDead, detail);
  }
  Result<int64_t> next = NextAttemptAt(m, policy, attempts);
  if (!next.ok()) return next.status();
  *next = std::max(*next, now + wait_ms);
  sql::Query q =
      m.Q("UPDATE instruction SET state = 'pending', next_attempt_at = ?, last_error = ?, "
          "updated_at = ? WHERE seq = ?");
  q.Int(*next).Text(o.detail).Int(now).Int(seq);
  STORE_RETURN_IF_ERROR(q.Run());
  m.made_instruction_pending = true;
  return m.WriteAudit(Actor::kSystem, msisdn, "instruction", o.instruction_id,
                      kEventInstructionRetry,
                      detail + "; next attempt at " + std::to_string(*next));
}

Status ClaimInstructionsIn(StoreImpl& m, int limit, std::vector<ClaimedInstruction>& out) {
  out.clear();
  struct Row {
    int64_t seq;
    ClaimedInstruction c;
    std::optional<std::string> sealed;
  };
  std::vector<Row> rows;
  const int64_t now = m.Now();
  // Read, then each taken by its seq: an UPDATE ... WHERE seq IN (SELECT ...) RETURNING built
  // two temporary tables per claim, which cost more than the rows it claimed.
  {
    sql::Query q =
        m.Q("SELECT seq, id, reference, msisdn, operation, payload, payload_hash, attempts, "
            "secret_sealed FROM instruction INDEXED BY instruction_pending_seq "
            "WHERE state = 'pending' AND (next_attempt_at <= ?1 OR next_attempt_at > ?1 + ?3) "
            "ORDER BY seq LIMIT ?2");
    // A retry is never further ahead than the policy's ceiling: one that is was scheduled
    // before the wall clock stepped back, and is due now rather than after the step.
    q.Int(now).Int(limit).Int(m.options.instruction_retry.max_delay_ms);
    STORE_RETURN_IF_ERROR(sql::ForEachRow(q, [&](sql::Query& r) {
      Row row{r.ColumnInt(0), {}, r.ColumnOptText(8)};
      row.c.id = r.ColumnText(1);
      row.c.reference = r.ColumnText(2);
      row.c.msisdn = r.ColumnText(3);
      row.c.operation = r.ColumnText(4);
      row.c.payload = r.ColumnText(5);
      row.c.payload_hash = r.ColumnText(6);
      row.c.attempt = static_cast<int>(r.ColumnInt(7)) + 1;
      rows.push_back(std::move(row));
    }));
  }
  for (const Row& row : rows) {
    sql::Query q =
        m.Q("UPDATE instruction SET state = 'in_flight', attempts = attempts + 1, updated_at = ? "
            "WHERE seq = ?");
    q.Int(now).Int(row.seq);
    STORE_RETURN_IF_ERROR(q.Run());
  }
  for (Row& row : rows) {
    ClaimedInstruction& c = row.c;
    if (row.sealed) {
      Result<SecretBytes> secret = m.Open(*row.sealed, AadFor("instruction", c.id));
      if (!secret.ok() && !IsBrokenSeal(secret.status())) return secret.status();
      if (!secret.ok()) {
        // A damaged record must not block the queue: it goes dead for an operator to see.
        STORE_RETURN_IF_ERROR(KillUnopenable(m, c, secret.status()));
        continue;
      }
      c.secret = std::move(*secret);
    }
    STORE_RETURN_IF_ERROR(m.WriteAudit(Actor::kSystem, c.msisdn, "instruction", c.id,
                                       kEventInstructionClaimed,
                                       "attempt " + std::to_string(c.attempt)));
    out.push_back(std::move(c));
  }
  return Status::OK();
}

Result<std::vector<ClaimedInstruction>> Store::ClaimInstructions(int limit) {
  StoreImpl& m = *impl_;
  STORE_RETURN_IF_ERROR(m.RequireDaemon("ClaimInstructions"));
  std::vector<ClaimedInstruction> out;
  STORE_RETURN_IF_ERROR(m.TransactLazily([&] { return ClaimInstructionsIn(m, limit, out); }));
  return out;
}

Result<Instruction> Store::GetInstruction(std::string_view id) {
  sql::Query q = impl_->Q(kByIdSql);
  q.Text(id);
  return FindOne(q, "with id " + std::string(id));
}

Result<InstructionState> Store::GetInstructionState(std::string_view id) {
  sql::Query q = impl_->Q("SELECT state FROM instruction WHERE id = ?");
  q.Text(id);
  Result<bool> row = q.Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("no instruction with id " + std::string(id));
  const std::string name = q.ColumnText(0);
  std::optional<InstructionState> state = ParseInstructionState(name);
  if (!state) return Status::Corruption("instruction " + std::string(id) + " has state " + name);
  return *state;
}

Result<Instruction> Store::FindInstructionByReference(std::string_view reference) {
  sql::Query q = impl_->Q(kByReferenceSql);
  q.Text(reference);
  return FindOne(q, "with reference " + std::string(reference));
}

Result<bool> Store::InstructionReferenceTaken(std::string_view reference) {
  sql::Query q = impl_->Q("SELECT 1 FROM instruction WHERE reference = ?");
  q.Text(reference);
  return q.Step();
}

}  // namespace smsgw::store
