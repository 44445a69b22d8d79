// Pending challenges: creation and state changes (inside Apply), lookup by code, expiry.
#include "store/store_impl.h"

namespace smsgw::store {

Result<int64_t> InsertChallenge(StoreImpl& m, const NewChallenge& c,
                                std::optional<int64_t> inbound_id, Actor actor) {
  STORE_RETURN_IF_ERROR(m.RequireDaemon("creating a challenge"));
  if (c.msisdn.empty() || c.code.empty() || c.operation.empty()) {
    return Status::InvalidArgument("a challenge needs an msisdn, a code and an operation");
  }
  if (c.attempts < 1) return Status::InvalidArgument("a challenge needs at least one attempt");
  const int64_t now = m.Now();
  if (c.expires_at <= now) return Status::InvalidArgument("a challenge must expire later");
  Result<int64_t> id = NextRowId(m, "challenge");
  if (!id.ok()) return id.status();
  std::optional<std::string> sealed;
  if (!c.secret.empty()) {
    Result<std::string> s = m.Seal(c.secret, AadFor("challenge", *id));
    if (!s.ok()) return s.status();
    sealed = std::move(*s);
  }
  sql::Query q =
      m.Q("INSERT INTO challenge(id, msisdn, code_hash, inbound_id, operation, payload, "
          "secret_sealed, reference, state, attempts_left, created_at, expires_at, updated_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)");
  q.Int(*id).Text(c.msisdn).Blob(m.CodeHash(c.msisdn, c.code));
  if (inbound_id) {
    q.Int(*inbound_id);
  } else {
    q.Null();
  }
  q.Text(c.operation).Text(c.payload).OptText(sealed).OptText(c.reference);
  q.Int(c.attempts).Int(now).Int(c.expires_at).Int(now);
  STORE_RETURN_IF_ERROR(q.Run());
  m.challenge_forms.Put(*id, c.payload, c.parsed);
  STORE_RETURN_IF_ERROR(m.WriteAudit(actor, c.msisdn, "challenge", std::to_string(*id),
                                     kEventChallengeCreated,
                                     c.operation + ", " + std::to_string(c.attempts) +
                                         " attempts, expires at " + std::to_string(c.expires_at)));
  return *id;
}

Status ApplyChallengeChange(StoreImpl& m, const ChallengeChange& c, Actor actor) {
  const std::string name = "challenge " + std::to_string(c.challenge_id);
  std::string msisdn, state;
  int attempts_left = 0;
  int64_t expires_at = 0;
  {
    sql::Query q =
        m.Q("SELECT msisdn, state, attempts_left, expires_at FROM challenge WHERE id = ?");
    q.Int(c.challenge_id);
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::NotFound(name);
    msisdn = q.ColumnText(0);
    state = q.ColumnText(1);
    attempts_left = static_cast<int>(q.ColumnInt(2));
    expires_at = q.ColumnInt(3);
  }
  const int64_t now = m.Now();
  if (state != "pending") return Status::FailedPrecondition(name + " is " + state);
  if (now >= expires_at) return Status::FailedPrecondition(name + " has expired");
  std::vector<std::string_view> events;
  switch (c.kind) {
    case ChallengeChange::Kind::kConsume:
      state = "consumed";
      events.push_back(kEventChallengeConsumed);
      break;
    case ChallengeChange::Kind::kWrongAttempt:
      --attempts_left;
      events.push_back(kEventChallengeWrongAttempt);
      if (attempts_left <= 0) {
        state = "exhausted";
        events.push_back(kEventChallengeExhausted);
      }
      break;
    case ChallengeChange::Kind::kCancel:
      state = "cancelled";
      events.push_back(kEventChallengeCancelled);
      break;
  }
  sql::Query q =
      m.Q("UPDATE challenge SET state = ?1, attempts_left = ?2, updated_at = ?3, "
          "secret_sealed = CASE WHEN ?1 = 'pending' THEN secret_sealed END WHERE id = ?4");
  q.Text(state).Int(attempts_left).Int(now).Int(c.challenge_id);
  STORE_RETURN_IF_ERROR(q.Run());
  if (state != "pending") m.challenge_forms.Forget(c.challenge_id);
  for (std::string_view event : events) {
    STORE_RETURN_IF_ERROR(m.WriteAudit(actor, msisdn, "challenge", std::to_string(c.challenge_id),
                                       event, std::to_string(attempts_left) + " attempts left"));
  }
  return Status::OK();
}

Result<Challenge> Store::FindChallenge(std::string_view msisdn, std::string_view code) {
  StoreImpl& m = *impl_;
  STORE_RETURN_IF_ERROR(m.RequireDaemon("FindChallenge"));
  sql::Query q =
      m.Q("SELECT id, msisdn, inbound_id, operation, payload, secret_sealed, reference, state, "
          "attempts_left, created_at, expires_at FROM challenge WHERE code_hash = ? AND msisdn = ? "
          "ORDER BY id DESC LIMIT 1");
  q.Blob(m.CodeHash(msisdn, code)).Text(msisdn);
  Result<bool> row = q.Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("no challenge with this code for this subscriber");
  Challenge c;
  c.id = q.ColumnInt(0);
  c.msisdn = q.ColumnText(1);
  if (!q.IsNull(2)) c.inbound_id = q.ColumnInt(2);
  c.operation = q.ColumnText(3);
  c.payload = q.ColumnText(4);
  c.parsed = m.challenge_forms.Find(c.id, c.payload);
  c.reference = q.ColumnOptText(6);
  c.state = ParseChallengeState(q.ColumnText(7)).value_or(ChallengeState::kCancelled);
  c.attempts_left = static_cast<int>(q.ColumnInt(8));
  c.created_at = q.ColumnInt(9);
  c.expires_at = q.ColumnInt(10);
  if (c.state == ChallengeState::kPending && m.Now() >= c.expires_at) {
    c.state = ChallengeState::kExpired;
  }
  if (c.state == ChallengeState::kPending && !q.IsNull(5)) {
    Result<SecretBytes> secret = m.Open(q.ColumnText(5), AadFor("challenge", c.id));
    if (!secret.ok()) return secret.status();
    c.secret = std::move(*secret);
  }
  return c;
}

Result<int> Store::ExpireChallenges(int limit) {
  StoreImpl& m = *impl_;
  int expired = 0;
  STORE_RETURN_IF_ERROR(m.Transact([&]() -> Status {
    const int64_t now = m.Now();
    std::vector<std::pair<int64_t, std::string>> due;
    {
      sql::Query q =
          m.Q("SELECT id, msisdn FROM challenge INDEXED BY challenge_expiry "
              "WHERE state = 'pending' AND expires_at <= ? "
              "ORDER BY expires_at LIMIT ?");
      q.Int(now).Int(limit);
      STORE_RETURN_IF_ERROR(sql::ForEachRow(
          q, [&](sql::Query& r) { due.emplace_back(r.ColumnInt(0), r.ColumnText(1)); }));
    }
    for (const auto& [id, msisdn] : due) {
      sql::Query q =
          m.Q("UPDATE challenge SET state = 'expired', secret_sealed = NULL, updated_at = ? "
              "WHERE id = ?");
      q.Int(now).Int(id);
      STORE_RETURN_IF_ERROR(q.Run());
      m.challenge_forms.Forget(id);
      STORE_RETURN_IF_ERROR(m.WriteAudit(Actor::kSystem, msisdn, "challenge", std::to_string(id),
                                         kEventChallengeExpired, ""));
    }
    expired = static_cast<int>(due.size());
    return Status::OK();
  }));
  return expired;
}

}  // namespace smsgw::store
