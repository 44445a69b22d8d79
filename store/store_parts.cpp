// Parts of concatenated MOs held until their message is whole (schema version 11).
#include "store/store_impl.h"

namespace smsgw::store {
namespace {

Status ValidatePart(const InboundPart& p, const Limits& limits) {
  const PartGroup& g = p.group;
  if (g.connection.empty() || g.source.empty() || g.destination.empty()) {
    return Status::InvalidArgument("a part needs a connection, a source and a destination");
  }
  if (g.connection.size() > limits.max_connection_bytes ||
      g.source.size() > limits.max_address_bytes ||
      g.destination.size() > limits.max_address_bytes) {
    return Status::InvalidArgument("a part's connection or address is too long");
  }
  if (g.total < 1 || g.total > 255 || p.seq < 1 || p.seq > g.total) {
    return Status::InvalidArgument("a part's number must lie between 1 and its total (" +
                                   std::to_string(g.total) + "), not " + std::to_string(p.seq));
  }
  if (p.payload.size() > limits.max_text_bytes) {
    return Status::InvalidArgument("a part of " + std::to_string(p.payload.size()) +
                                   " octets is larger than " +
                                   std::to_string(limits.max_text_bytes));
  }
  return Status::OK();
}

// Binds the group's columns in the order of the table's unique key.
void BindGroup(sql::Query& q, const PartGroup& g) {
  q.TextRef(g.connection).TextRef(g.source).TextRef(g.destination);
  q.Int(g.scheme).Int(g.reference).Int(g.total);
}

Status DeleteGroup(StoreImpl& m, const PartGroup& g) {
  sql::Query q =
      m.Q("DELETE FROM inbound_part WHERE connection = ? AND source = ? AND destination = ? "
          "AND scheme = ? AND reference = ? AND total = ?");
  BindGroup(q, g);
  return q.Run();
}

}  // namespace

Status DeleteJoinedParts(StoreImpl& m, std::span<const InboundMessage> batch) {
  for (const InboundMessage& msg : batch) {
    if (msg.joined_from) STORE_RETURN_IF_ERROR(DeleteGroup(m, *msg.joined_from));
  }
  return Status::OK();
}

Status Store::StoreParts(std::span<const InboundPart> parts) {
  StoreImpl& m = *impl_;
  STORE_RETURN_IF_ERROR(m.RequireDaemon("StoreParts"));
  if (parts.empty()) return Status::OK();
  if (parts.size() > m.options.limits.max_batch) {
    return Status::InvalidArgument("a batch of " + std::to_string(parts.size()) +
                                   " parts is larger than " +
                                   std::to_string(m.options.limits.max_batch));
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    Status s = ValidatePart(parts[i], m.options.limits);
    if (!s.ok()) return s.WithContext("part " + std::to_string(i) + " of the batch");
  }
  Status s = m.Transact([&]() -> Status {
    // Ids are taken before the insert so the sealed octets can name their row. Under the write
    // lock nobody else inserts; an id a redelivered part leaves unused is simply skipped.
    int64_t next = 0;
    {
      sql::Query max = m.Q("SELECT coalesce(max(id), 0) + 1 FROM inbound_part");
      Result<bool> row = max.Step();
      if (!row.ok()) return row.status();
      next = max.ColumnInt(0);
    }
    const int64_t now = m.Now();
    for (const InboundPart& p : parts) {
      const int64_t id = next++;
      Result<std::string> sealed = m.Seal(p.payload, AadFor("inbound_part", id));
      if (!sealed.ok()) return sealed.status();
      sql::Query q =
          m.Q("INSERT OR IGNORE INTO inbound_part(connection, source, destination, scheme, "
              "reference, total, seq, id, received_at, data_coding, message_reference, "
              "payload_sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      BindGroup(q, p.group);
      q.Int(p.seq).Int(id).Int(now).Int(p.data_coding);
      if (p.message_reference) {
        q.Int(*p.message_reference);
      } else {
        q.Null();
      }
      q.TextRef(*sealed);
      STORE_RETURN_IF_ERROR(q.Run());
    }
    return Status::OK();
  });
  return s.ok() ? s : s.WithContext("storing parts of concatenated messages");
}

Result<std::vector<InboundPart>> Store::LoadParts() {
  StoreImpl& m = *impl_;
  STORE_RETURN_IF_ERROR(m.RequireDaemon("LoadParts"));
  std::vector<InboundPart> out;
  sql::Query q =
      m.Q("SELECT id, received_at, connection, source, destination, scheme, reference, total, "
          "seq, data_coding, message_reference, payload_sealed FROM inbound_part ORDER BY id");
  for (;;) {
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    InboundPart p;
    const int64_t id = q.ColumnInt(0);
    p.received_at = q.ColumnInt(1);
    p.group.connection = q.ColumnText(2);
    p.group.source = q.ColumnText(3);
    p.group.destination = q.ColumnText(4);
    p.group.scheme = static_cast<int>(q.ColumnInt(5));
    p.group.reference = static_cast<int>(q.ColumnInt(6));
    p.group.total = static_cast<int>(q.ColumnInt(7));
    p.seq = static_cast<int>(q.ColumnInt(8));
    p.data_coding = static_cast<int>(q.ColumnInt(9));
    if (!q.IsNull(10)) p.message_reference = static_cast<int>(q.ColumnInt(10));
    Result<SecretBytes> payload = m.Open(q.ColumnText(11), AadFor("inbound_part", id));
    if (!payload.ok()) return payload.status();
    p.payload = std::string(payload->view());
    out.push_back(std::move(p));
  }
  return out;
}

Status Store::DropParts(std::span<const PartGroup> groups) {
  StoreImpl& m = *impl_;
  STORE_RETURN_IF_ERROR(m.RequireDaemon("DropParts"));
  if (groups.empty()) return Status::OK();
  return m.TransactLazily([&]() -> Status {
    for (const PartGroup& g : groups) STORE_RETURN_IF_ERROR(DeleteGroup(m, g));
    return Status::OK();
  });
}

}  // namespace smsgw::store
