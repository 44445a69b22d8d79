#include "store/store_impl.h"

#include <sqlite3.h>

#include <cstring>

namespace smsgw::store {

StoreImpl::StoreImpl(Options opts)
    : options(std::move(opts)),
      clock(options.clock ? options.clock : std::make_shared<SystemClock>()),
      recent_identified(options.redelivery_window_ms),
      recent_handset_reference(options.handset_reference_redelivery_window_ms),
      recent_unidentified(options.unidentified_redelivery_window_ms) {
  if (options.keys) sealer.emplace(options.keys);
}

StoreImpl::~StoreImpl() {
  if (checkpointer) sqlite3_wal_hook(db, nullptr, nullptr);
  checkpointer.reset();
  statements.clear();  // finalize before closing
  if (db != nullptr) sqlite3_close_v2(db);
}

sql::Query StoreImpl::Q(std::string_view sql) {
  auto it = statements.find(sql.data());
  if (it == statements.end()) {
    sql::Statement st;
    if (Status s = st.Prepare(db, sql); !s.ok()) return sql::Query(std::move(s));
    it = statements.emplace(sql.data(), std::move(st)).first;
  }
  return sql::Query(it->second);
}

Status StoreImpl::Begin() {
  // A lazy transaction whose return to synchronous=FULL failed left the connection at OFF: a
  // durable transaction must not commit so (an MO acknowledged without its fsync).
  if (lazy && !lazy_asked) {
    SetLazy(false);
    if (lazy) {
      return Status::Unavailable("the store's connection could not return to synchronous=FULL");
    }
  }
  made_instruction_pending = false;
  made_reply_pending = false;
  next_challenge_id = 0;
  next_reply_id = 0;
  instructions_on_insert.Reset();
  replies_on_insert.Reset();
  sql::Query q = Q("BEGIN IMMEDIATE");
  return q.Run();
}

Status StoreImpl::Commit() {
  sql::Query q = Q("COMMIT");
  return q.Run();
}

bool StoreImpl::SetLazy(bool on) {
  if (options.mode != OpenMode::kDaemon || options.synchronous != Synchronous::kFull) return false;
  // 1000 pages is SQLite's default, which the store otherwise keeps. With a checkpointer the
  // WAL hook is its own and checks `lazy`.
  if (!checkpointer) sqlite3_wal_autocheckpoint(db, on ? 0 : 1000);
  if (on) lazy = true;
  lazy_asked = on;
  sql::Query q = on ? Q("PRAGMA synchronous = OFF") : Q("PRAGMA synchronous = FULL");
  // A failure leaves the commit durable, which is safe; while the connection may still be
  // at OFF, `lazy` stays set so that no checkpoint runs from it.
  if (q.Run().ok() && !on) lazy = false;
  return true;
}

namespace {

// SQLite's WAL hook: called on the committing thread after every commit, with the WAL's size.
int AfterCommit(void* arg, sqlite3* db, const char* schema, int pages) {
  auto& impl = *static_cast<StoreImpl*>(arg);
  if (impl.checkpointer->Notify(pages) && !impl.lazy) {
    impl.checkpointer->CheckpointInCommit(db, schema);
  }
  return SQLITE_OK;  // a failed checkpoint does not fail the commit that is already done
}

}  // namespace

Status StoreImpl::StartCheckpointer() {
  Result<std::unique_ptr<WalCheckpointer>> c =
      WalCheckpointer::Start(options.path, options.vfs, options.checkpoint_pages);
  if (!c.ok()) return c.status();
  checkpointer = std::move(*c);
  sqlite3_wal_hook(db, AfterCommit, this);
  return Status::OK();
}

CheckpointStats StoreImpl::CheckpointerStats() const {
  return checkpointer ? checkpointer->stats() : CheckpointStats{};
}

Status InSavepoint(StoreImpl& m, const Savepoint& savepoint, const std::function<Status()>& body) {
  STORE_RETURN_IF_ERROR(m.Q(savepoint.open).Run());
  Status s = body();
  if (s.ok()) s = m.Q(savepoint.release).Run();
  if (!s.ok() && !sqlite3_get_autocommit(m.db)) {
    (void)m.Q(savepoint.rollback).Run();
    (void)m.Q(savepoint.release).Run();
  }
  return s;
}

void StoreImpl::Rollback() {
  // A failed COMMIT (I/O error, disk full) may already have rolled the transaction back.
  if (sqlite3_get_autocommit(db)) return;
  sql::Query q = Q("ROLLBACK");
  (void)q.Run();
}

Result<std::string> StoreImpl::Seal(std::string_view plaintext, std::string_view aad) {
  if (!sealer) return Status::FailedPrecondition("the store was opened without keys");
  return sealer->Seal(plaintext, aad);
}

Result<SecretBytes> StoreImpl::Open(std::string_view sealed, std::string_view aad) const {
  if (!options.keys) return Status::FailedPrecondition("the store was opened without keys");
  Result<SecretBytes> r = store::Open(*options.keys, sealed, aad);
  if (!r.ok()) return r.status().WithContext(std::string(aad));
  return r;
}

Status StoreImpl::WriteAudit(Actor actor, const std::optional<std::string>& msisdn,
                             std::string_view entity, std::string_view entity_id,
                             std::string_view event, std::string_view detail) {
  sql::Query q =
      Q("INSERT INTO audit(at, actor, msisdn, entity, entity_id, event, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)");
  // By reference: every argument outlives the Run below, and an audit row is written for
  // nearly every state change, so copying five texts per row showed in profiles.
  q.Int(Now()).TextRef(ActorName(actor));
  if (msisdn && !IsFollowUpEvent(event)) {
    q.TextRef(*msisdn);
  } else {
    q.Null();
  }
  q.TextRef(entity).TextRef(entity_id).TextRef(event).TextRef(detail);
  return q.Run();
}

Status StoreImpl::WriteChildAudit(Actor actor, std::string_view parent_entity,
                                  std::string_view parent_id, std::string_view entity,
                                  std::string_view entity_id, std::string_view event,
                                  std::string_view detail) {
  sql::Query q =
      Q("INSERT INTO audit(at, actor, entity, entity_id, event, detail, parent_entity, "
        "parent_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  q.Int(Now()).TextRef(ActorName(actor)).TextRef(entity).TextRef(entity_id).TextRef(event);
  q.TextRef(detail).TextRef(parent_entity).TextRef(parent_id);
  return q.Run();
}

Status StoreImpl::RequireDaemon(std::string_view what) const {
  if (options.mode == OpenMode::kDaemon) return Status::OK();
  return Status::FailedPrecondition(std::string(what) +
                                    " needs the store opened by the daemon, not in admin mode");
}

namespace {

// Length-prefixed fields, so ("ab", "c") and ("a", "bc") hash differently.
void AppendField(std::string& out, std::string_view field) {
  const auto n = static_cast<uint32_t>(field.size());
  const char len[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                       static_cast<char>(n >> 8), static_cast<char>(n)};
  out.append(len, 4);
  out.append(field);
}

std::string Hash(HmacKey& key, std::string_view data) {
  Digest d = key.Compute(data);
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

std::string HashPair(HmacKey& key, std::string_view a, std::string_view b) {
  std::string data;
  AppendField(data, a);
  AppendField(data, b);
  std::string out = Hash(key, data);
  Wipe(data);
  return out;
}

}  // namespace

std::string StoreImpl::DedupKey(const InboundMessage& m) {
  std::string data;
  data.reserve(m.text.size() + m.connection.size() + m.source.size() + m.destination.size() + 32);
  AppendField(data, m.connection);
  AppendField(data, m.source);
  AppendField(data, m.destination);
  AppendField(data, m.text);
  data.push_back(m.smsc_message_id ? '\1' : '\0');
  if (m.smsc_message_id) AppendField(data, *m.smsc_message_id);
  std::string key = Hash(hash_keys->dedup, data);
  Wipe(data);
  return key;
}

RecentKeys& StoreImpl::RecentKeysFor(NetworkIdKind kind) {
  switch (kind) {
    case NetworkIdKind::kSmscId:
      return recent_identified;
    case NetworkIdKind::kHandsetReference:
      return recent_handset_reference;
    case NetworkIdKind::kNone:
      break;
  }
  return recent_unidentified;
}

std::string StoreImpl::ResendKey(std::string_view source, std::string_view command) {
  return HashPair(hash_keys->resend, source, command);
}

std::string StoreImpl::CodeHash(std::string_view msisdn, std::string_view code) {
  return HashPair(hash_keys->code, msisdn, code);
}

std::string AadFor(std::string_view table, std::string_view id) {
  std::string aad(table);
  aad += ':';
  aad += id;
  return aad;
}

Store::Store(std::unique_ptr<StoreImpl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

int64_t Store::now() const {
  return impl_->Now();
}
CheckpointStats Store::checkpoint_stats() const {
  return impl_->CheckpointerStats();
}
const Options& Store::options() const {
  return impl_->options;
}

void BindAddressType(sql::Query& q, const std::optional<AddressType>& type) {
  if (type) {
    q.Int(type->ton).Int(type->npi);
  } else {
    q.Null().Null();
  }
}

std::optional<AddressType> ColumnAddressType(const sql::Query& q, int ton) {
  if (q.IsNull(ton) || q.IsNull(ton + 1)) return std::nullopt;
  return AddressType{static_cast<uint8_t>(q.ColumnInt(ton)),
                     static_cast<uint8_t>(q.ColumnInt(ton + 1))};
}

}  // namespace smsgw::store
