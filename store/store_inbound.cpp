// The inbound log: group-committed Accept with network-redelivery dedup, the engine's work
// queue and the subscriber-resend lookup.
#include <unordered_map>

#include "store/store_impl.h"

namespace smsgw::store {

Status ValidateInbound(const InboundMessage& m, const Limits& limits) {
  auto check = [](std::string_view field, std::size_t size, std::size_t max, bool required) {
    if (required && size == 0) return Status::InvalidArgument(std::string(field) + " is empty");
    if (size > max) {
      return Status::InvalidArgument(std::string(field) + " is " + std::to_string(size) +
                                     " bytes, more than " + std::to_string(max));
    }
    return Status::OK();
  };
  STORE_RETURN_IF_ERROR(
      check("connection", m.connection.size(), limits.max_connection_bytes, true));
  STORE_RETURN_IF_ERROR(check("source", m.source.size(), limits.max_address_bytes, true));
  STORE_RETURN_IF_ERROR(check("destination", m.destination.size(), limits.max_address_bytes, true));
  STORE_RETURN_IF_ERROR(check("text", m.text.size(), limits.max_text_bytes, false));
  if (m.smsc_message_id) {
    STORE_RETURN_IF_ERROR(check("smsc_message_id", m.smsc_message_id->size(),
                                limits.max_smsc_message_id_bytes, false));
  }
  return Status::OK();
}

namespace {

// The row among the candidates of `recent` that really carries `key` and was received at or
// after `since`: the original of a redelivery. Candidates are newest first.
Result<std::optional<int64_t>> FindOriginal(StoreImpl& m, const RecentKeys& recent,
                                            const std::string& key, int64_t since) {
  for (int64_t id : recent.Candidates(key)) {
    sql::Query q = m.Q("SELECT dedup_key, received_at FROM inbound WHERE id = ?");
    q.Int(id);
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (*row && q.ColumnBlob(0) == key && q.ColumnInt(1) >= since) return std::optional(id);
  }
  return std::optional<int64_t>();
}

}  // namespace

Result<std::vector<AcceptResult>> Store::Accept(std::span<const InboundMessage> batch) {
  StoreImpl& m = *impl_;
  STORE_RETURN_IF_ERROR(m.RequireDaemon("Accept"));
  if (batch.empty()) return std::vector<AcceptResult>();
  if (batch.size() > m.options.limits.max_batch) {
    return Status::InvalidArgument("a batch of " + std::to_string(batch.size()) +
                                   " messages is larger than " +
                                   std::to_string(m.options.limits.max_batch));
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Status s = ValidateInbound(batch[i], m.options.limits);
    if (!s.ok()) return s.WithContext("message " + std::to_string(i) + " of the batch");
  }
  const int64_t now = m.Now();
  std::vector<AcceptResult> results(batch.size());
  std::vector<std::string> keys(batch.size());
  std::unordered_map<std::string_view, int64_t> in_batch;  // key -> id, for repeats in a batch
  int64_t next_id = m.next_inbound_id;
  int duplicates = 0;
  Status s = m.Transact([&]() -> Status {
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const InboundMessage& msg = batch[i];
      keys[i] = m.DedupKey(msg);
      if (auto it = in_batch.find(keys[i]); it != in_batch.end()) {
        results[i] = {true, it->second};
        ++duplicates;
        continue;
      }
      // The key covers the presence of an id, so an original is always in the same index.
      const RecentKeys& recent = m.RecentKeysFor(msg.smsc_message_id.has_value());
      Result<std::optional<int64_t>> original =
          FindOriginal(m, recent, keys[i], now - recent.window_ms());
      if (!original.ok()) return original.status();
      if (*original) {
        results[i] = {true, **original};
        ++duplicates;
        continue;
      }
      const int64_t id = next_id++;
      Result<std::string> sealed = m.Seal(msg.text, AadFor("inbound", id));
      if (!sealed.ok()) return sealed.status();
      sql::Query q =
          m.Q("INSERT INTO inbound(id, received_at, connection, source, destination, "
              "smsc_message_id, data_coding, dedup_key, raw_sealed) VALUES (?, ?, ?, ?, ?, ?, ?, "
              "?, ?)");
      // Everything bound here outlives q.Run(): no copies on the hot path.
      q.Int(id).Int(now).TextRef(msg.connection).TextRef(msg.source).TextRef(msg.destination);
      if (msg.smsc_message_id) {
        q.TextRef(*msg.smsc_message_id);
      } else {
        q.Null();
      }
      q.Int(msg.data_coding).BlobRef(keys[i]).TextRef(*sealed);
      STORE_RETURN_IF_ERROR(q.Run());
      results[i] = {false, id};
      in_batch.emplace(keys[i], id);
    }
    return Status::OK();
  });
  if (!s.ok()) return s.WithContext("accepting a batch");
  // Only now that the batch is durable does memory learn about it.
  m.next_inbound_id = next_id;
  m.duplicates_seen += duplicates;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (results[i].duplicate) continue;
    m.RecentKeysFor(batch[i].smsc_message_id.has_value()).Add(keys[i], results[i].id, now);
  }
  // Forget a little more than was added, so each index shrinks back after a burst.
  for (RecentKeys* recent : {&m.recent_identified, &m.recent_unidentified}) {
    recent->Prune(now, 2 * batch.size() + 16);
  }
  return results;
}

Result<std::vector<PendingMessage>> Store::PendingInbound(int64_t after_id, int limit) {
  StoreImpl& m = *impl_;
  STORE_RETURN_IF_ERROR(m.RequireDaemon("PendingInbound"));
  std::vector<PendingMessage> out;
  sql::Query q =
      m.Q("SELECT id, received_at, connection, source, destination, smsc_message_id, data_coding, "
          "raw_sealed FROM inbound INDEXED BY inbound_new WHERE state = 'new' AND id > ? "
          "ORDER BY id LIMIT ?");
  q.Int(after_id).Int(limit);
  for (;;) {
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    PendingMessage p;
    p.id = q.ColumnInt(0);
    p.received_at = q.ColumnInt(1);
    p.connection = q.ColumnText(2);
    p.source = q.ColumnText(3);
    p.destination = q.ColumnText(4);
    p.smsc_message_id = q.ColumnOptText(5);
    p.data_coding = static_cast<int>(q.ColumnInt(6));
    Result<SecretBytes> text = m.Open(q.ColumnText(7), AadFor("inbound", p.id));
    if (!text.ok()) return text.status();
    p.text = std::move(*text);
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::optional<ResendMatch>> Store::FindResend(std::string_view source,
                                                     std::string_view command,
                                                     int64_t received_at) {
  StoreImpl& m = *impl_;
  STORE_RETURN_IF_ERROR(m.RequireDaemon("FindResend"));
  // An index lookup, not the in-memory index: resend keys are written when a message is
  // processed (off Accept's hot path), and the window is relative to the new message's receive
  // time, which for a backlog after a restart may lie well before now.
  sql::Query q =
      m.Q("SELECT id, received_at, reference FROM inbound INDEXED BY inbound_resend "
          "WHERE resend_key = ? AND received_at BETWEEN ? AND ? ORDER BY id DESC LIMIT 1");
  q.Blob(m.ResendKey(source, command)).Int(received_at - m.options.resend_window_ms);
  q.Int(received_at);
  Result<bool> row = q.Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<ResendMatch>();
  return std::optional<ResendMatch>(
      ResendMatch{q.ColumnInt(0), q.ColumnInt(1), q.ColumnOptText(2).value_or("")});
}

}  // namespace smsgw::store
