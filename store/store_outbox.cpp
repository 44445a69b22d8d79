// The outbox seen as a whole: when the next item is due, listing for operators, re-queueing
// dead items.
#include "store/store_impl.h"

namespace smsgw::store {
namespace {

Result<std::optional<int64_t>> MinDue(sql::Query&& q) {
  Result<bool> row = q.Step();
  if (!row.ok()) return row.status();
  if (!*row || q.IsNull(0)) return std::optional<int64_t>();
  return std::optional<int64_t>(q.ColumnInt(0));
}

Status ListKind(StoreImpl& m, OutboxItem::Kind kind, const OutboxFilter& f,
                std::vector<OutboxItem>& out) {
  const bool instr = kind == OutboxItem::Kind::kInstruction;
  sql::Query q =
      m.Q(instr ? "SELECT id, reference, msisdn, operation, state, attempts, next_attempt_at, "
                  "last_error, created_at, updated_at FROM instruction "
                  "WHERE ?1 IS NULL OR state = ?1 ORDER BY seq LIMIT ?2"
                : "SELECT id, coalesce(reference, ''), destination, 'reply', state, attempts, "
                  "next_attempt_at, last_error, created_at, updated_at FROM reply "
                  "WHERE ?1 IS NULL OR state = ?1 ORDER BY id LIMIT ?2");
  q.OptText(f.state).Int(f.limit);
  return sql::ForEachRow(q, [&](sql::Query& r) {
    OutboxItem item;
    item.kind = kind;
    item.id = instr ? r.ColumnText(0) : ReplyItemId(r.ColumnInt(0));
    item.reference = r.ColumnText(1);
    item.msisdn = r.ColumnText(2);
    item.what = r.ColumnText(3);
    item.state = r.ColumnText(4);
    item.attempts = static_cast<int>(r.ColumnInt(5));
    item.next_attempt_at = r.ColumnInt(6);
    item.last_error = r.ColumnOptText(7);
    item.created_at = r.ColumnInt(8);
    item.updated_at = r.ColumnInt(9);
    out.push_back(std::move(item));
  });
}

// The state of an item that could not be re-queued, for the error message.
Result<std::string> StateOf(StoreImpl& m, std::optional<int64_t> reply_id,
                            std::string_view item_id) {
  sql::Query q = reply_id ? m.Q("SELECT state FROM reply WHERE id = ?")
                          : m.Q("SELECT state FROM instruction WHERE id = ?1 OR reference = ?1");
  if (reply_id) {
    q.Int(*reply_id);
  } else {
    q.Text(item_id);
  }
  Result<bool> row = q.Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("no outbox item " + std::string(item_id));
  return q.ColumnText(0);
}

}  // namespace

Result<std::optional<int64_t>> Store::NextDueAt() {
  Result<std::optional<int64_t>> a = NextInstructionDueAt();
  if (!a.ok()) return a;
  Result<std::optional<int64_t>> b = NextReplyDueAt();
  if (!b.ok()) return b;
  if (!*a) return b;
  if (!*b) return a;
  return std::optional<int64_t>(std::min(**a, **b));
}

Result<std::optional<int64_t>> Store::NextInstructionDueAt() {
  return MinDue(
      impl_->Q("SELECT min(next_attempt_at) FROM instruction INDEXED BY instruction_due "
               "WHERE state = 'pending'"));
}

Result<std::optional<int64_t>> Store::NextReplyDueAt() {
  return MinDue(
      impl_->Q("SELECT min(next_attempt_at) FROM reply INDEXED BY reply_due "
               "WHERE state = 'pending'"));
}

Result<std::vector<OutboxItem>> Store::ListOutbox(const OutboxFilter& filter) {
  bool instructions = filter.instructions, replies = filter.replies;
  if (filter.state) {
    const bool is_instr = ParseInstructionState(*filter.state).has_value();
    const bool is_reply = ParseReplyState(*filter.state).has_value();
    if (!is_instr && !is_reply) {
      return Status::InvalidArgument("no outbox state is called '" + *filter.state + "'");
    }
    instructions = instructions && is_instr;
    replies = replies && is_reply;
  }
  std::vector<OutboxItem> out;
  Status s = Status::OK();
  if (instructions) s = ListKind(*impl_, OutboxItem::Kind::kInstruction, filter, out);
  if (s.ok() && replies) s = ListKind(*impl_, OutboxItem::Kind::kReply, filter, out);
  if (!s.ok()) return s;
  return out;
}

Status Store::Requeue(std::string_view item_id) {
  StoreImpl& m = *impl_;
  const std::optional<int64_t> reply_id = ParseReplyItemId(item_id);
  return m.Transact([&]() -> Status {
    const int64_t now = m.Now();
    sql::Query q =
        reply_id
            ? m.Q("UPDATE reply SET state = 'pending', attempts = 0, next_attempt_at = ?1, "
                  "updated_at = ?1 WHERE id = ?2 AND state = 'dead' RETURNING id, destination")
            : m.Q("UPDATE instruction SET state = 'pending', attempts = 0, next_attempt_at = ?1, "
                  "updated_at = ?1 WHERE (id = ?2 OR reference = ?2) AND state = 'dead' "
                  "RETURNING id, msisdn");
    q.Int(now);
    if (reply_id) {
      q.Int(*reply_id);
    } else {
      q.Text(item_id);
    }
    std::optional<std::pair<std::string, std::string>> done;
    STORE_RETURN_IF_ERROR(sql::ForEachRow(q, [&](sql::Query& r) {
      done.emplace(reply_id ? ReplyItemId(r.ColumnInt(0)) : r.ColumnText(0), r.ColumnText(1));
    }));
    if (!done) {
      Result<std::string> state = StateOf(m, reply_id, item_id);
      if (!state.ok()) return state.status();
      return Status::FailedPrecondition("outbox item " + std::string(item_id) + " is " + *state +
                                        "; only dead items are re-queued");
    }
    return m.WriteAudit(Actor::kAdmin, done->second, reply_id ? "reply" : "instruction",
                        done->first, reply_id ? kEventReplyRequeued : kEventInstructionRequeued,
                        "re-queued by an operator");
  });
}

}  // namespace smsgw::store
