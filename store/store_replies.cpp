// MT replies: creation (inside Apply), claims, send results and delivery receipts.
#include <algorithm>
#include <tuple>

#include "store/retry.h"
#include "store/store_impl.h"

namespace smsgw::store {
namespace {

struct ReplyRow {
  std::string state;
  int attempts = 0;
  std::string destination;
};

Result<ReplyRow> LoadReply(StoreImpl& m, int64_t id) {
  sql::Query q = m.Q("SELECT state, attempts, destination FROM reply WHERE id = ?");
  q.Int(id);
  Result<bool> row = q.Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("reply " + ReplyItemId(id));
  return ReplyRow{q.ColumnText(0), static_cast<int>(q.ColumnInt(1)), q.ColumnText(2)};
}

Status SetReplyState(StoreImpl& m, int64_t id, std::string_view state,
                     const std::optional<std::string>& error) {
  sql::Query q =
      m.Q("UPDATE reply SET state = ?, last_error = coalesce(?, last_error), updated_at = ? "
          "WHERE id = ?");
  q.Text(state).OptText(error).Int(m.Now()).Int(id);
  return q.Run();
}

// A reply in flight marked sent, in one statement: the send result of nearly every reply.
// Whether there was one in flight. Its destination is not read: a reply.sent row is a
// follow-up (IsFollowUpEvent), written without an MSISDN and found from the reply's first row.
// (A RETURNING clause for it cost more than the read it saved: SQLite buffers the returned
// rows in a table of their own.)
Result<bool> MarkSent(StoreImpl& m, const ReplyResult& r) {
  // The connection it went out on (a fallback may differ from the one the engine chose): the
  // receipt comes back there.
  sql::Query q =
      m.Q("UPDATE reply SET state = 'sent', smsc_message_id = ?, "
          "connection = coalesce(nullif(?, ''), connection), updated_at = ? "
          "WHERE id = ? AND state = 'in_flight'");
  q.Text(r.smsc_message_id).Text(r.connection).Int(m.Now()).Int(r.id);
  STORE_RETURN_IF_ERROR(q.Run());
  return q.Changes() > 0;
}

Status RecordOne(StoreImpl& m, const ReplyResult& r) {
  const std::string item = ReplyItemId(r.id);
  if (r.kind == ReplyResult::Kind::kSent) {
    Result<bool> sent = MarkSent(m, r);
    if (!sent.ok()) return sent.status();
    if (*sent) {
      return m.WriteAudit(Actor::kSystem, std::nullopt, "reply", item, kEventReplySent,
                          "smsc message id " + r.smsc_message_id);
    }
  }
  // Any other result, or a sent one MarkSent found no reply in flight for: read, for the
  // precise refusal.
  Result<ReplyRow> row = LoadReply(m, r.id);
  if (!row.ok()) return row.status();
  if (row->state != "in_flight") {
    return Status::FailedPrecondition("reply " + item + " is " + row->state + ", not in flight");
  }
  const std::optional<std::string>& msisdn = row->destination;
  switch (r.kind) {
    case ReplyResult::Kind::kSent:
      return Status::Internal("reply " + item + " is in flight, yet was not marked sent");
    case ReplyResult::Kind::kFailed:
      STORE_RETURN_IF_ERROR(SetReplyState(m, r.id, "undeliverable", r.error));
      return m.WriteAudit(Actor::kSystem, msisdn, "reply", item, kEventReplyUndeliverable, r.error);
    case ReplyResult::Kind::kRetry:
      break;
  }
  const RetryPolicy& policy = m.options.reply_retry;
  if (!r.attempt_spent) {
    sql::Query q =
        m.Q("UPDATE reply SET state = 'pending', attempts = max(attempts - 1, 0), "
            "next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ?");
    q.Int(m.Now() + std::max<int64_t>(policy.base_delay_ms, 0)).Text(r.error).Int(m.Now());
    q.Int(r.id);
    STORE_RETURN_IF_ERROR(q.Run());
    m.made_reply_pending = true;
    return m.WriteAudit(Actor::kSystem, msisdn, "reply", item, kEventReplyRetry,
                        "not sent: " + r.error + "; attempt not counted");
  }
  const std::string detail = "attempt " + std::to_string(row->attempts) + ": " + r.error;
  if (RetriesExhausted(policy, row->attempts)) {
    STORE_RETURN_IF_ERROR(SetReplyState(m, r.id, "dead", r.error));
    return m.WriteAudit(Actor::kSystem, msisdn, "reply", item, kEventReplyDead, detail);
  }
  Result<int64_t> next = NextAttemptAt(m, policy, row->attempts);
  if (!next.ok()) return next.status();
  sql::Query q =
      m.Q("UPDATE reply SET state = 'pending', next_attempt_at = ?, last_error = ?, updated_at = ? "
          "WHERE id = ?");
  q.Int(*next).Text(r.error).Int(m.Now()).Int(r.id);
  STORE_RETURN_IF_ERROR(q.Run());
  m.made_reply_pending = true;
  return m.WriteAudit(Actor::kSystem, msisdn, "reply", item, kEventReplyRetry,
                      detail + "; next attempt at " + std::to_string(*next));
}

}  // namespace

Result<int64_t> InsertReply(StoreImpl& m, const NewReply& r, std::optional<int64_t> inbound_id,
                            Actor actor) {
  if (r.destination.empty() || r.source.empty()) {
    return Status::InvalidArgument("a reply needs a destination and a source");
  }
  Result<int64_t> id = NextRowId(m, "reply");
  if (!id.ok()) return id.status();
  Result<std::string> sealed = m.Seal(r.text, AadFor("reply", *id));
  if (!sealed.ok()) return sealed.status();
  const int64_t now = m.Now();
  const std::optional<int64_t> from = r.inbound_id ? r.inbound_id : inbound_id;
  Result<bool> claim_now = ClaimOnInsert(m, OutboxKind::kReply);
  if (!claim_now.ok()) return claim_now.status();
  const bool claim = *claim_now;
  sql::Query q =
      m.Q("INSERT INTO reply(id, instruction_id, inbound_id, connection, source, destination, "
          "text_sealed, reference, state, attempts, next_attempt_at, created_at, updated_at, "
          "destination_ton, destination_npi) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q.Int(*id).OptText(r.instruction_id);
  if (from) {
    q.Int(*from);
  } else {
    q.Null();
  }
  q.OptText(r.connection).Text(r.source).Text(r.destination).Text(*sealed).OptText(r.reference);
  q.Text(claim ? "in_flight" : "pending").Int(claim ? 1 : 0).Int(now).Int(now).Int(now);
  BindAddressType(q, r.destination_type);
  STORE_RETURN_IF_ERROR(q.Run());
  const std::string item = ReplyItemId(*id);
  // As for instructions: claimed as it goes in, one row that says so.
  std::string detail = r.reference ? "ref " + *r.reference : std::string();
  if (claim) AppendClaimedOnInsert(detail);
  if (r.to_instruction_subscriber && r.instruction_id) {
    STORE_RETURN_IF_ERROR(m.WriteChildAudit(actor, "instruction", *r.instruction_id, "reply", item,
                                            kEventReplyCreated, detail));
  } else {
    STORE_RETURN_IF_ERROR(
        m.WriteAudit(actor, r.destination, "reply", item, kEventReplyCreated, detail));
  }
  if (!claim) {
    m.made_reply_pending = true;
    return *id;
  }
  ClaimedReply c;
  c.id = *id;
  c.connection = r.connection;
  c.source = r.source;
  c.destination = r.destination;
  c.destination_type = r.destination_type;
  c.text = SecretBytes(r.text);
  c.reference = r.reference;
  c.attempt = 1;
  m.replies_on_insert.claimed.push_back(std::move(c));
  return *id;
}

Status ClaimRepliesIn(StoreImpl& m, int limit, std::vector<ClaimedReply>& out) {
  out.clear();
  struct Row {
    ClaimedReply c;
    std::string sealed;
  };
  std::vector<Row> rows;
  const int64_t now = m.Now();
  // Read, then each taken by its id: an UPDATE ... WHERE id IN (SELECT ...) RETURNING built
  // two temporary tables per claim, which cost more than the rows it claimed.
  {
    sql::Query q =
        m.Q("SELECT id, connection, source, destination, reference, attempts, text_sealed, "
            "destination_ton, destination_npi FROM reply INDEXED BY reply_due WHERE state = "
            "'pending' AND "
            "(next_attempt_at <= ?1 OR next_attempt_at > ?1 + ?3) ORDER BY next_attempt_at, id "
            "LIMIT ?2");
    // Beyond the policy's ceiling: scheduled before the wall clock stepped back; due now.
    q.Int(now).Int(limit).Int(m.options.reply_retry.max_delay_ms);
    STORE_RETURN_IF_ERROR(sql::ForEachRow(q, [&](sql::Query& r) {
      Row row{{}, r.ColumnText(6)};
      row.c.id = r.ColumnInt(0);
      row.c.connection = r.ColumnOptText(1);
      row.c.source = r.ColumnText(2);
      row.c.destination = r.ColumnText(3);
      row.c.reference = r.ColumnOptText(4);
      row.c.attempt = static_cast<int>(r.ColumnInt(5)) + 1;
      row.c.destination_type = ColumnAddressType(r, 7);
      rows.push_back(std::move(row));
    }));
  }
  for (const Row& row : rows) {
    sql::Query q =
        m.Q("UPDATE reply SET state = 'in_flight', attempts = attempts + 1, updated_at = ? WHERE "
            "id = ?");
    q.Int(now).Int(row.c.id);
    STORE_RETURN_IF_ERROR(q.Run());
  }
  for (Row& row : rows) {
    ClaimedReply& c = row.c;
    const std::string item = ReplyItemId(c.id);
    Result<SecretBytes> text = m.Open(row.sealed, AadFor("reply", c.id));
    if (!text.ok() && !IsBrokenSeal(text.status())) return text.status();
    if (!text.ok()) {
      // A damaged record must not block the queue: it goes dead for an operator to see.
      STORE_RETURN_IF_ERROR(SetReplyState(m, c.id, "dead", text.status().ToString()));
      STORE_RETURN_IF_ERROR(m.WriteAudit(Actor::kSystem, c.destination, "reply", item,
                                         kEventReplyDead, text.status().ToString()));
      continue;
    }
    c.text = std::move(*text);
    STORE_RETURN_IF_ERROR(m.WriteAudit(Actor::kSystem, c.destination, "reply", item,
                                       kEventReplyClaimed, "attempt " + std::to_string(c.attempt)));
    out.push_back(std::move(c));
  }
  return Status::OK();
}

Result<std::vector<ClaimedReply>> Store::ClaimReplies(int limit) {
  StoreImpl& m = *impl_;
  STORE_RETURN_IF_ERROR(m.RequireDaemon("ClaimReplies"));
  std::vector<ClaimedReply> out;
  STORE_RETURN_IF_ERROR(m.TransactLazily([&] { return ClaimRepliesIn(m, limit, out); }));
  return out;
}

namespace {

Status RecordAll(StoreImpl& m, std::span<const ReplyResult> results) {
  for (const ReplyResult& r : results) STORE_RETURN_IF_ERROR(RecordOne(m, r));
  return Status::OK();
}

constexpr Savepoint kResultsSavepoint{"SAVEPOINT results", "RELEASE results",
                                      "ROLLBACK TO results"};

}  // namespace

Status RecordReplyResultsIn(StoreImpl& m, std::span<const ReplyResult> results) {
  if (results.empty()) return Status::OK();
  return InSavepoint(m, kResultsSavepoint, [&] { return RecordAll(m, results); });
}

Status Store::RecordReplyResults(std::span<const ReplyResult> results) {
  StoreImpl& m = *impl_;
  return m.TransactLazily([&] { return RecordAll(m, results); });
}

namespace {

// The newest reply sent on `connection` with this SMSC message id marked delivered or
// undeliverable; nullopt when there is none. Message ids are unique per SMSC at best, so the
// connection is part of the key: a receipt never marks another SMSC's reply.
Result<std::optional<int64_t>> MarkReceipt(StoreImpl& m, std::string_view connection,
                                           std::string_view smsc_message_id, bool delivered,
                                           std::string_view status) {
  sql::Query q =
      m.Q("UPDATE reply SET state = ?, delivery_status = ?, updated_at = ? WHERE id = "
          "(SELECT id FROM reply WHERE smsc_message_id = ? AND connection = ? AND "
          "state IN ('sent', 'delivered', 'undeliverable') ORDER BY id DESC LIMIT 1) "
          "RETURNING id, destination");
  q.Text(delivered ? "delivered" : "undeliverable").Text(status).Int(m.Now());
  q.Text(smsc_message_id).Text(connection);
  int64_t id = 0;
  std::optional<std::string> destination;
  STORE_RETURN_IF_ERROR(sql::ForEachRow(q, [&](sql::Query& r) {
    id = r.ColumnInt(0);
    destination = r.ColumnText(1);
  }));
  if (!destination) return std::optional<int64_t>();
  STORE_RETURN_IF_ERROR(m.WriteAudit(Actor::kSystem, destination, "reply", ReplyItemId(id),
                                     delivered ? kEventReplyDelivered : kEventReplyUndeliverable,
                                     "receipt " + std::string(status)));
  return std::optional<int64_t>(id);
}

}  // namespace

Result<int64_t> Store::RecordReceipt(std::string_view connection, std::string_view smsc_message_id,
                                     bool delivered, std::string_view status) {
  StoreImpl& m = *impl_;
  int64_t id = 0;
  STORE_RETURN_IF_ERROR(m.Transact([&]() -> Status {
    Result<std::optional<int64_t>> marked =
        MarkReceipt(m, connection, smsc_message_id, delivered, status);
    if (!marked.ok()) return marked.status();
    if (!*marked) {
      return Status::NotFound("no reply sent on " + std::string(connection) +
                              " has SMSC message id " + std::string(smsc_message_id));
    }
    id = **marked;
    return Status::OK();
  }));
  return id;
}

Result<std::vector<std::optional<int64_t>>> Store::RecordReceipts(
    std::span<const ReceiptRecord> receipts) {
  StoreImpl& m = *impl_;
  std::vector<std::optional<int64_t>> out;
  if (receipts.empty()) return out;
  STORE_RETURN_IF_ERROR(m.Transact([&]() -> Status {
    out.clear();
    for (const ReceiptRecord& r : receipts) {
      Result<std::optional<int64_t>> marked =
          MarkReceipt(m, r.connection, r.smsc_message_id, r.delivered, r.status);
      if (!marked.ok()) return marked.status();
      out.push_back(*marked);
    }
    return Status::OK();
  }));
  return out;
}

}  // namespace smsgw::store
