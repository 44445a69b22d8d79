// Administration: the audit trail, counts, retention purge, integrity check, online backup.
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "store/schema.h"
#include "store/store_impl.h"

namespace smsgw::store {
namespace {

// Rows per purge transaction: small enough that a running daemon waits at most a few
// milliseconds for the write lock.
constexpr int kPurgeChunk = 500;

// The longest window anything counts audit events over: wrong PINs in the last 24 hours
// (commands/engine_result.cpp).
constexpr int64_t kAuditMinimumMs = 24 * 3'600'000LL;

Status CountByState(sql::Query&& q, std::map<std::string, int64_t>& out) {
  return sql::ForEachRow(q, [&](sql::Query& r) { out[r.ColumnText(0)] = r.ColumnInt(1); });
}

Result<int64_t> One(sql::Query&& q) {
  Result<bool> row = q.Step();
  if (!row.ok()) return row.status();
  return *row ? q.ColumnInt(0) : 0;
}

// Deletes in chunks with `chunk_sql` (parameters: cutoff, chunk size) until a chunk comes back
// short. Each chunk is its own transaction.
Result<int64_t> DeleteInChunks(StoreImpl& m, std::string_view chunk_sql, int64_t cutoff) {
  int64_t total = 0;
  for (;;) {
    int changed = 0;
    STORE_RETURN_IF_ERROR(m.Transact([&] {
      sql::Query q = m.Q(chunk_sql);
      q.Int(cutoff).Int(kPurgeChunk);
      Status s = q.Run();
      changed = q.Changes();
      return s;
    }));
    total += changed;
    if (changed < kPurgeChunk) return total;
  }
}

// The rows of a table stamped before `cutoff` (and as `chunk_sql` requires: finished, last
// changed before it, not the newest), deleted in chunks along the table's own key, with no
// index on state or time. Keys grow with time, so only keys below `bound` (the first row
// stamped between the cutoff and now) are read, each once: a chunk goes on from the last key
// the one before it deleted, past the rows it left (unfinished, or changed since). A row
// stamped out of order by a clock step is left to a later purge. `chunk_sql` takes (after,
// bound, cutoff, chunk size) and returns the keys it deleted.
//
// When `last_id` names a meta row, each chunk raises it to the highest key it deleted, in the
// chunk's transaction, so a table whose ids are max + 1 never gives a purged id again.
Result<int64_t> DeleteAlongKey(StoreImpl& m, std::string_view chunk_sql, int64_t bound,
                               int64_t cutoff, std::optional<std::string_view> last_id) {
  int64_t total = 0;
  int64_t after = INT64_MIN;  // below every key: the first chunk starts at the table's start
  for (;;) {
    int deleted = 0;
    int64_t last = after;
    STORE_RETURN_IF_ERROR(m.Transact([&] {
      deleted = 0;
      last = after;
      sql::Query q = m.Q(chunk_sql);
      q.Int(after).Int(bound).Int(cutoff).Int(kPurgeChunk);
      STORE_RETURN_IF_ERROR(sql::ForEachRow(q, [&](sql::Query& r) {
        ++deleted;
        last = std::max(last, r.ColumnInt(0));
      }));
      if (!last_id || deleted == 0) return Status::OK();
      sql::Query keep =
          m.Q("INSERT INTO meta(name, value) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET "
              "value = max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))");
      keep.Text(*last_id).Int(last);
      return keep.Run();
    }));
    total += deleted;
    after = last;
    if (deleted < kPurgeChunk) return total;
  }
}

// The first key whose time lies between `cutoff` and `now`, so the chunks read a key range
// instead of scanning the whole table for old rows. `sql` takes (cutoff, now). A row stamped
// in the future (written while the clock was stepped forward) is not taken for the first young
// one: it would hold every older row back until its time came.
Result<int64_t> FirstIdSince(StoreImpl& m, std::string_view sql, int64_t cutoff, int64_t now) {
  sql::Query q = m.Q(sql);
  q.Int(cutoff).Int(now);
  Result<bool> row = q.Step();
  if (!row.ok()) return row.status();
  return *row ? q.ColumnInt(0) : INT64_MAX;
}

constexpr char kAuditColumns[] = "SELECT id, at, actor, msisdn, entity, entity_id, event, detail ";

Status ReadAuditRows(sql::Query& q, std::vector<AuditEntry>& out) {
  return sql::ForEachRow(q, [&](sql::Query& r) {
    AuditEntry e;
    e.id = r.ColumnInt(0);
    e.at = r.ColumnInt(1);
    e.actor = ParseActor(r.ColumnText(2)).value_or(Actor::kSystem);
    e.msisdn = r.ColumnOptText(3);
    e.entity = r.ColumnText(4);
    e.entity_id = r.ColumnText(5);
    e.event = r.ColumnText(6);
    e.detail = r.ColumnText(7);
    out.push_back(std::move(e));
  });
}

// The first rows of the entities whose later rows are written without the MSISDN
// (IsFollowUpEvent). Only those: another subscriber's row may name the entity too (a locked
// account's owner is told of a bind from another phone, on that bind's instruction), and the
// entity's rows are not the owner's.
bool HasFollowUps(const AuditEntry& e) {
  return (e.entity == "instruction" && e.event == kEventInstructionCreated) ||
         (e.entity == "reply" && e.event == kEventReplyCreated) ||
         (e.entity == "challenge" && e.event == kEventChallengeCreated);
}

bool NewerFirst(const AuditEntry& a, const AuditEntry& b) {
  return a.at != b.at ? a.at > b.at : a.id > b.id;
}

}  // namespace

// A subscriber's rows are those with its MSISDN and the rows that follow its instructions',
// replies' and challenges' first rows (schema version 13), and those of the entities that
// continue an instruction's story, its replies to the subscriber (schema 14). The newest
// `limit` of the first kind are read through the MSISDN's index; then, for each entity created
// among them, the rows that follow it, through audit_entity, and the entities it is the parent
// of, through audit_parent, whose rows are read in turn. Of all together the newest `limit`
// are kept. Not shown: a row of an entity whose first row (or whose parent's) is not among
// those `limit` (an entity that lives longer than `limit` of its subscriber's rows), or is
// older than `since_ms`, or was purged from the audit before it.
Result<std::vector<AuditEntry>> Store::Audit(const AuditQuery& query) {
  StoreImpl& m = *impl_;
  std::vector<AuditEntry> out;
  static const std::string kAll =
      std::string(kAuditColumns) + "FROM audit WHERE at >= ?1 ORDER BY id DESC LIMIT ?2";
  static const std::string kOwn = std::string(kAuditColumns) +
                                  "FROM audit WHERE msisdn = ?1 AND at >= ?2 "
                                  "ORDER BY at DESC, id DESC LIMIT ?3";
  static const std::string kFollowing = std::string(kAuditColumns) +
                                        "FROM audit INDEXED BY audit_entity WHERE entity_id = ?1 "
                                        "AND entity = ?2 AND msisdn IS NULL AND at >= ?3";
  static constexpr char kChildren[] =
      "SELECT entity, entity_id FROM audit INDEXED BY audit_parent WHERE parent_id = ?1 AND "
      "parent_entity = ?2";
  if (!query.msisdn) {
    sql::Query q = m.Q(kAll);
    q.Int(query.since_ms).Int(query.limit);
    STORE_RETURN_IF_ERROR(ReadAuditRows(q, out));
    std::reverse(out.begin(), out.end());
    return out;
  }
  sql::Query q = m.Q(kOwn);
  q.Text(*query.msisdn).Int(query.since_ms).Int(query.limit);
  STORE_RETURN_IF_ERROR(ReadAuditRows(q, out));
  // (entity, id) of the entities whose rows are still to read; children join the end.
  std::vector<std::pair<std::string, std::string>> entities;
  for (const AuditEntry& e : out) {
    if (HasFollowUps(e)) entities.emplace_back(e.entity, e.entity_id);
  }
  std::set<std::pair<std::string, std::string>> seen(entities.begin(), entities.end());
  for (size_t i = 0; i < entities.size(); ++i) {
    const auto [entity, id] = entities[i];
    sql::Query f = m.Q(kFollowing);
    f.Text(id).Text(entity).Int(query.since_ms);
    const size_t before = out.size();
    STORE_RETURN_IF_ERROR(ReadAuditRows(f, out));
    for (size_t k = before; k < out.size(); ++k) out[k].msisdn = query.msisdn;
    sql::Query c = m.Q(kChildren);
    c.Text(id).Text(entity);
    STORE_RETURN_IF_ERROR(sql::ForEachRow(c, [&](sql::Query& r) {
      std::pair<std::string, std::string> child{r.ColumnText(0), r.ColumnText(1)};
      if (seen.insert(child).second) entities.push_back(std::move(child));
    }));
  }
  std::sort(out.begin(), out.end(), NewerFirst);
  // A negative limit is none, as SQL's LIMIT has it.
  if (query.limit >= 0 && out.size() > static_cast<size_t>(query.limit)) out.resize(query.limit);
  std::reverse(out.begin(), out.end());
  return out;
}

Result<QueueDepths> Store::Depths() {
  StoreImpl& m = *impl_;
  QueueDepths d;
  // Each count walks only the entries of one partial index, which holds the rows counted and
  // no others: run every few seconds, a count must not grow with the finished rows kept.
  // INDEXED BY makes a schema without the index fail here rather than scan.
  struct Count {
    const char* sql;
    int64_t* into;
  };
  int64_t dead_instructions = 0;
  int64_t dead_replies = 0;
  for (const Count& c : {
           Count{"SELECT count(*) FROM inbound INDEXED BY inbound_new WHERE state = 'new'",
                 &d.inbound_new},
           Count{"SELECT count(*) FROM instruction INDEXED BY instruction_due "
                 "WHERE state = 'pending'",
                 &d.instructions_pending},
           Count{"SELECT count(*) FROM reply INDEXED BY reply_due WHERE state = 'pending'",
                 &d.replies_pending},
           Count{"SELECT count(*) FROM instruction INDEXED BY instruction_dead "
                 "WHERE state = 'dead'",
                 &dead_instructions},
           Count{"SELECT count(*) FROM reply INDEXED BY reply_dead WHERE state = 'dead'",
                 &dead_replies},
       }) {
    Result<int64_t> n = One(m.Q(c.sql));
    if (!n.ok()) return n.status();
    *c.into = *n;
  }
  d.dead_letters = dead_instructions + dead_replies;
  return d;
}

Result<StoreStats> Store::Stats() {
  StoreImpl& m = *impl_;
  StoreStats st;
  st.schema_version = kSchemaVersion;
  STORE_RETURN_IF_ERROR(
      CountByState(m.Q("SELECT state, count(*) FROM inbound GROUP BY state"), st.inbound));
  STORE_RETURN_IF_ERROR(
      CountByState(m.Q("SELECT state, count(*) FROM challenge GROUP BY state"), st.challenges));
  STORE_RETURN_IF_ERROR(
      CountByState(m.Q("SELECT state, count(*) FROM instruction GROUP BY state"), st.instructions));
  STORE_RETURN_IF_ERROR(
      CountByState(m.Q("SELECT state, count(*) FROM reply GROUP BY state"), st.replies));
  Result<int64_t> audit = One(m.Q("SELECT count(*) FROM audit"));
  if (!audit.ok()) return audit.status();
  st.audit_rows = *audit;
  sql::Query locks = m.Q("SELECT count(*) FROM subscriber_lock WHERE locked_until > ?");
  locks.Int(m.Now());
  Result<int64_t> locked = One(std::move(locks));
  if (!locked.ok()) return locked.status();
  st.locked_subscribers = *locked;
  Result<int64_t> bytes =
      One(m.Q("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"));
  if (!bytes.ok()) return bytes.status();
  st.file_bytes = *bytes;
  for (const RecentKeys* recent : m.AllRecentKeys()) {
    st.recent_keys += static_cast<int64_t>(recent->size());
  }
  st.duplicates_seen = m.duplicates_seen;
  return st;
}

Result<PurgeReport> Store::Purge(const PurgeOptions& options) {
  StoreImpl& m = *impl_;
  if (options.older_than_ms < m.options.redelivery_window_ms) {
    return Status::InvalidArgument(
        "purging rows younger than the redelivery window would forget their dedup keys");
  }
  if (options.audit_older_than_ms && *options.audit_older_than_ms < kAuditMinimumMs) {
    return Status::InvalidArgument(
        "purging audit rows younger than a day would forget the wrong PINs the lockout counts");
  }
  const int64_t now = m.Now();
  const int64_t cutoff = now - options.older_than_ms;
  PurgeReport report;
  const std::pair<int64_t*, std::string_view> by_time[] = {
      {&report.locks,
       "DELETE FROM subscriber_lock WHERE msisdn IN (SELECT msisdn FROM subscriber_lock "
       "WHERE locked_until < ?1 LIMIT ?2)"},
      {&report.notices,
       "DELETE FROM notice WHERE id IN (SELECT id FROM notice WHERE recorded_at < ?1 LIMIT ?2)"},
  };
  for (const auto& [count, chunk] : by_time) {
    Result<int64_t> n = DeleteInChunks(m, chunk, cutoff);
    if (!n.ok()) return n.status();
    *count = *n;
  }
  struct AlongKey {
    int64_t* count;
    int64_t cutoff;
    std::string_view first_since;  // the first key stamped between the cutoff and now
    std::string_view chunk;
    // inbound, challenge and reply give ids as max + 1: a reused id would join an old row's
    // audit trail (and, for inbound, its dedup), so their highest purged id is kept.
    std::optional<std::string_view> last_id;
  };
  std::vector<AlongKey> along_key = {
      {&report.inbound, cutoff,
       "SELECT id FROM inbound WHERE received_at BETWEEN ?1 AND ?2 ORDER BY id LIMIT 1",
       "DELETE FROM inbound WHERE id IN (SELECT id FROM inbound WHERE id > ?1 AND id < ?2 AND "
       "state = 'processed' AND received_at < ?3 ORDER BY id LIMIT ?4) RETURNING id",
       "last_id.inbound"},
      {&report.challenges, cutoff,
       "SELECT id FROM challenge WHERE created_at BETWEEN ?1 AND ?2 ORDER BY id LIMIT 1",
       "DELETE FROM challenge WHERE id IN (SELECT id FROM challenge WHERE id > ?1 AND id < ?2 "
       "AND updated_at < ?3 AND state IN ('consumed', 'expired', 'exhausted', 'cancelled') "
       "ORDER BY id LIMIT ?4) RETURNING id",
       "last_id.challenge"},
      {&report.instructions, cutoff,
       "SELECT seq FROM instruction WHERE created_at BETWEEN ?1 AND ?2 ORDER BY seq LIMIT 1",
       "DELETE FROM instruction WHERE seq IN (SELECT seq FROM instruction WHERE seq > ?1 AND "
       "seq < ?2 AND state IN ('done', 'rejected', 'dead') AND updated_at < ?3 "
       "ORDER BY seq LIMIT ?4) RETURNING seq",
       std::nullopt},
      {&report.replies, cutoff,
       "SELECT id FROM reply WHERE created_at BETWEEN ?1 AND ?2 ORDER BY id LIMIT 1",
       "DELETE FROM reply WHERE id IN (SELECT id FROM reply WHERE id > ?1 AND id < ?2 AND "
       "updated_at < ?3 AND state IN ('sent', 'delivered', 'undeliverable', 'dead') "
       "ORDER BY id LIMIT ?4) RETURNING id",
       "last_id.reply"},
  };
  if (options.audit_older_than_ms) {
    along_key.push_back(
        {&report.audit, now - *options.audit_older_than_ms,
         "SELECT id FROM audit WHERE at BETWEEN ?1 AND ?2 ORDER BY id LIMIT 1",
         "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE id > ?1 AND id < ?2 AND "
         "at < ?3 ORDER BY id LIMIT ?4) RETURNING id",
         std::nullopt});
  }
  for (const AlongKey& t : along_key) {
    Result<int64_t> bound = FirstIdSince(m, t.first_since, t.cutoff, now);
    if (!bound.ok()) return bound.status();
    Result<int64_t> n = DeleteAlongKey(m, t.chunk, *bound, t.cutoff, t.last_id);
    if (!n.ok()) return n.status();
    *t.count = *n;
  }
  std::string detail = "older than " + std::to_string(options.older_than_ms) +
                       " ms: " + std::to_string(report.inbound) + " inbound, " +
                       std::to_string(report.challenges) + " challenges, " +
                       std::to_string(report.instructions) + " instructions, " +
                       std::to_string(report.replies) + " replies, " +
                       std::to_string(report.locks) + " locks, " + std::to_string(report.notices) +
                       " notice ids, " + std::to_string(report.audit) + " audit rows";
  STORE_RETURN_IF_ERROR(m.Transact([&] {
    return m.WriteAudit(Actor::kAdmin, std::nullopt, "store", "", kEventStorePurged, detail);
  }));
  return report;
}

Result<CheckReport> Store::Check() {
  StoreImpl& m = *impl_;
  CheckReport report;
  report.supported_version = kSchemaVersion;
  Result<int64_t> version = One(m.Q("PRAGMA user_version"));
  if (!version.ok()) return version.status();
  report.schema_version = static_cast<int>(*version);
  sql::Query q = m.Q("PRAGMA integrity_check");
  STORE_RETURN_IF_ERROR(sql::ForEachRow(q, [&](sql::Query& r) {
    std::string line = r.ColumnText(0);
    if (line != "ok") report.problems.push_back(std::move(line));
  }));
  if (m.options.keys) {
    sql::Query s = m.Q("SELECT value FROM meta WHERE name = 'secret'");
    Result<bool> row = s.Step();
    if (!row.ok()) return row.status();
    report.keys_checked = true;
    report.keys_match = *row && m.Open(s.ColumnText(0), kSecretAad).ok();
  }
  return report;
}

Status Store::Backup(const std::string& dest_path) {
  StoreImpl& m = *impl_;
  int fd = ::open(dest_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::AlreadyExists(dest_path + " already exists");
    return Status::IOError("creating " + dest_path + ": " + std::strerror(errno));
  }
  ::close(fd);
  sqlite3* dest = nullptr;
  int rc = sqlite3_open_v2(dest_path.c_str(), &dest, SQLITE_OPEN_READWRITE, nullptr);
  Status s = rc == SQLITE_OK ? Status::OK() : sql::ToStatus(rc, dest, "opening " + dest_path);
  if (s.ok()) {
    sqlite3_backup* b = sqlite3_backup_init(dest, "main", m.db, "main");
    if (b == nullptr) {
      s = sql::ToStatus(sqlite3_errcode(dest), dest, "starting the backup");
    } else {
      rc = sqlite3_backup_step(b, -1);  // one pass over a consistent snapshot
      sqlite3_backup_finish(b);
      if (rc != SQLITE_DONE) s = sql::ToStatus(rc, dest, "backing up");
    }
  }
  if (s.ok()) s = sql::Exec(dest, "PRAGMA wal_checkpoint(TRUNCATE)");
  sqlite3_close_v2(dest);
  if (!s.ok()) ::unlink(dest_path.c_str());
  return s;
}

}  // namespace smsgw::store
