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

NetworkIdKind KindOfNetworkId(const std::optional<std::string>& smsc_message_id) {
  if (!smsc_message_id) return NetworkIdKind::kNone;
  if (smsc_message_id->starts_with(kHandsetReferencePrefix)) {
    return NetworkIdKind::kHandsetReference;
  }
  return NetworkIdKind::kSmscId;
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

// One Accept's work: written inside a transaction, then remembered once it committed.
struct AcceptWork {
  int64_t now = 0;
  std::vector<AcceptResult> results;
  std::vector<std::string> keys;
  int64_t next_id = 0;
  int duplicates = 0;
};

Status CheckBatch(const StoreImpl& m, std::span<const InboundMessage> batch) {
  if (batch.size() > m.options.limits.max_batch) {
    return Status::InvalidArgument("a batch of " + std::to_string(batch.size()) +
                                   " messages is larger than " +
                                   std::to_string(m.options.limits.max_batch));
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Status s = ValidateInbound(batch[i], m.options.limits);
    if (!s.ok()) return s.WithContext("message " + std::to_string(i) + " of the batch");
  }
  return Status::OK();
}

// Which MOs of the batch are new and their ids (w.results), inside the caller's transaction;
// nothing is written.
Status DedupInbound(StoreImpl& m, std::span<const InboundMessage> batch, AcceptWork& w) {
  w.now = m.Now();
  w.results.assign(batch.size(), {});
  w.keys.assign(batch.size(), {});
  w.next_id = m.next_inbound_id;
  w.duplicates = 0;
  std::unordered_map<std::string_view, int64_t> in_batch;  // key -> id, for repeats in a batch
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const InboundMessage& msg = batch[i];
    w.keys[i] = m.DedupKey(msg);
    if (auto it = in_batch.find(w.keys[i]); it != in_batch.end()) {
      w.results[i] = {true, it->second};
      ++w.duplicates;
      continue;
    }
    // The key covers the id, so an original is always in the index of the same kind.
    const RecentKeys& recent = m.RecentKeysFor(KindOfNetworkId(msg.smsc_message_id));
    Result<std::optional<int64_t>> original =
        FindOriginal(m, recent, w.keys[i], w.now - recent.window_ms());
    if (!original.ok()) return original.status();
    if (*original) {
      w.results[i] = {true, **original};
      ++w.duplicates;
      continue;
    }
    const int64_t id = w.next_id++;
    w.results[i] = {false, id};
    in_batch.emplace(w.keys[i], id);
  }
  return Status::OK();
}

// What the store knows of an MO before its step: received, from where, its dedup key.
void BindArrival(sql::Query& q, const InboundMessage& msg, int64_t id, int64_t received_at,
                 std::string_view dedup_key) {
  // Everything bound here outlives the caller's Run: no copies on the hot path.
  q.Int(id).Int(received_at).TextRef(msg.connection).TextRef(msg.source).TextRef(msg.destination);
  if (msg.smsc_message_id) {
    q.TextRef(*msg.smsc_message_id);
  } else {
    q.Null();
  }
  q.Int(msg.data_coding).BlobRef(dedup_key);
  BindAddressType(q, msg.source_type);
}

// Only once the batch is durable does memory learn about it.
void RememberInbound(StoreImpl& m, std::span<const InboundMessage> batch, const AcceptWork& w) {
  m.next_inbound_id = w.next_id;
  m.duplicates_seen += w.duplicates;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (w.results[i].duplicate) continue;
    m.RecentKeysFor(KindOfNetworkId(batch[i].smsc_message_id))
        .Add(w.keys[i], w.results[i].id, w.now);
  }
  // Whole generations go at once: freeing a table costs about as little as keeping it.
  for (RecentKeys* recent : m.AllRecentKeys()) recent->Prune(w.now);
}

}  // namespace

Status InsertNewInbound(StoreImpl& m, const InboundMessage& msg, int64_t id, int64_t received_at,
                        std::string_view dedup_key) {
  Result<std::string> sealed = m.Seal(msg.text, AadFor("inbound", id));
  if (!sealed.ok()) return sealed.status();
  sql::Query q =
      m.Q("INSERT INTO inbound(id, received_at, connection, source, destination, "
          "smsc_message_id, data_coding, dedup_key, source_ton, source_npi, raw_sealed) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  BindArrival(q, msg, id, received_at, dedup_key);
  q.TextRef(*sealed);
  return q.Run();
}

Status InsertConsumedInbound(StoreImpl& m, StagedInbound& staged, const ConsumeInbound& c,
                             const std::optional<std::string>& resend_key) {
  sql::Query q =
      m.Q("INSERT INTO inbound(id, received_at, connection, source, destination, "
          "smsc_message_id, data_coding, dedup_key, source_ton, source_npi, state, outcome, "
          "redacted_text, reference, resend_key, processed_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'processed', ?, ?, ?, ?, ?)");
  BindArrival(q, *staged.message, staged.id, staged.received_at, staged.dedup_key);
  q.TextRef(c.outcome).TextRef(c.redacted_text);
  if (c.reference) {
    q.TextRef(*c.reference);
  } else {
    q.Null();
  }
  if (resend_key) {
    q.BlobRef(*resend_key);
  } else {
    q.Null();
  }
  q.Int(m.Now());
  STORE_RETURN_IF_ERROR(q.Run());
  staged.inserted = true;
  return Status::OK();
}

namespace {

// The batch's new MOs, written new (DedupInbound, then a row each).
Status WriteInbound(StoreImpl& m, std::span<const InboundMessage> batch, AcceptWork& w) {
  STORE_RETURN_IF_ERROR(DedupInbound(m, batch, w));
  STORE_RETURN_IF_ERROR(DeleteJoinedParts(m, batch));
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (w.results[i].duplicate) continue;
    STORE_RETURN_IF_ERROR(InsertNewInbound(m, batch[i], w.results[i].id, w.now, w.keys[i]));
  }
  return Status::OK();
}

}  // namespace

Result<std::vector<AcceptResult>> Store::Accept(std::span<const InboundMessage> batch) {
  StoreImpl& m = *impl_;
  STORE_RETURN_IF_ERROR(m.RequireDaemon("Accept"));
  if (batch.empty()) return std::vector<AcceptResult>();
  STORE_RETURN_IF_ERROR(CheckBatch(m, batch));
  AcceptWork w;
  Status s = m.Transact([&] { return WriteInbound(m, batch, w); });
  if (!s.ok()) return s.WithContext("accepting a batch");
  RememberInbound(m, batch, w);
  return std::move(w.results);
}

Result<AcceptedAndStepped> Store::AcceptAndStep(
    std::span<const InboundMessage> batch,
    const std::function<Result<Effects>(const PendingMessage&)>& step, const ClaimsAlong& along,
    const Riders& riders) {
  StoreImpl& m = *impl_;
  STORE_RETURN_IF_ERROR(m.RequireDaemon("AcceptAndStep"));
  AcceptedAndStepped out;
  if (batch.empty()) {
    if (riders.reply_results.empty() && riders.step_count == 0) return out;
    return Status::InvalidArgument("riders need a batch to ride with");
  }
  STORE_RETURN_IF_ERROR(CheckBatch(m, batch));
  AcceptWork w;
  // The riders' steps, after the batch's own (or after the batch was only stored), and the
  // claims after both.
  auto finish = [&]() -> Status {
    if (riders.step_count > 0) {
      STORE_RETURN_IF_ERROR(
          ApplyStepsInTransaction(m, riders.step_count, riders.step, out.ridden.steps, nullptr));
    }
    ClaimAlong(m, along, out.claimed);
    return Status::OK();
  };
  Status s = m.Transact([&]() -> Status {
    PrepareClaimsAlong(m, along);
    out.ridden.reply_results = RecordReplyResultsIn(m, riders.reply_results);
    STORE_RETURN_IF_ERROR(LostTransaction(m, out.ridden.reply_results));
    // Steps go in arrival order: behind an older message still new, the batch is only stored.
    // (The batch's own rows come after m.next_inbound_id.)
    Result<bool> older_waits = false;
    {
      sql::Query older =
          m.Q("SELECT 1 FROM inbound INDEXED BY inbound_new WHERE state = 'new' AND id < ? "
              "LIMIT 1");
      older.Int(m.next_inbound_id);
      older_waits = older.Step();
    }
    if (!older_waits.ok()) return older_waits.status();
    if (*older_waits) {
      STORE_RETURN_IF_ERROR(WriteInbound(m, batch, w));
      return finish();
    }
    STORE_RETURN_IF_ERROR(DedupInbound(m, batch, w));
    STORE_RETURN_IF_ERROR(DeleteJoinedParts(m, batch));
    std::vector<StagedInbound> staged;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (w.results[i].duplicate) continue;
      const InboundMessage& msg = batch[i];
      staged.push_back({w.results[i].id, w.now, &msg, w.keys[i]});
      PendingMessage p;
      p.id = w.results[i].id;
      p.received_at = w.now;
      p.connection = msg.connection;
      p.source = msg.source;
      p.destination = msg.destination;
      p.smsc_message_id = msg.smsc_message_id;
      p.data_coding = msg.data_coding;
      p.source_type = msg.source_type;
      p.text = SecretBytes(msg.text);
      out.stored.push_back(std::move(p));
    }
    out.steps.reserve(out.stored.size());
    Status lost = ApplyStepsInTransaction(
        m, out.stored.size(),
        [&](size_t k) {
          m.staged_inbound = &staged[k];
          return step(out.stored[k]);
        },
        out.steps, [&](size_t k) -> std::string_view { return out.stored[k].source; });
    m.staged_inbound = nullptr;
    STORE_RETURN_IF_ERROR(lost);
    // Every MO is stored before its ack: those no successful step consumed go in new, for
    // ApplySteps (ids out of insertion order harm nothing: rows and indexes go by id).
    for (std::size_t k = 0; k < staged.size(); ++k) {
      if (out.steps[k].ok() && staged[k].inserted) continue;
      const StagedInbound& mo = staged[k];
      STORE_RETURN_IF_ERROR(InsertNewInbound(m, *mo.message, mo.id, mo.received_at, mo.dedup_key));
    }
    return finish();
  });
  if (!s.ok()) return s.WithContext("accepting a batch");
  RememberInbound(m, batch, w);
  out.accepted = std::move(w.results);
  return out;
}

Result<std::vector<PendingMessage>> Store::PendingInbound(int64_t after_id, int limit) {
  StoreImpl& m = *impl_;
  STORE_RETURN_IF_ERROR(m.RequireDaemon("PendingInbound"));
  std::vector<PendingMessage> out;
  sql::Query q =
      m.Q("SELECT id, received_at, connection, source, destination, smsc_message_id, data_coding, "
          "raw_sealed, source_ton, source_npi FROM inbound INDEXED BY inbound_new WHERE state = "
          "'new' AND id > ? "
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
    p.source_type = ColumnAddressType(q, 8);
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
