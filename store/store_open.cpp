// Store::Open: the file, the connection's settings, migrations, the store's secret, crash
// recovery of the outbox and the in-memory index of recent keys.
#include <fcntl.h>
#include <openssl/crypto.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "store/schema.h"
#include "store/store_impl.h"
#include "store/wal_write_batching.h"

namespace smsgw::store {
namespace {

// How far back past the window the backwards scan of the inbound log keeps reading, so rows
// whose receive time went backwards with the wall clock are still seen.
constexpr int64_t kClockSlackMs = 3'600'000;

Status ValidateOptions(const Options& o) {
  if (o.path.empty()) return Status::InvalidArgument("store path is empty");
  if (o.mode == OpenMode::kDaemon && !o.keys) {
    return Status::InvalidArgument("the daemon's store needs a key ring");
  }
  if (o.redelivery_window_ms <= 0 || o.unidentified_redelivery_window_ms <= 0 ||
      o.resend_window_ms <= 0) {
    return Status::InvalidArgument("dedup windows must be positive");
  }
  if (o.unidentified_redelivery_window_ms > o.handset_reference_redelivery_window_ms) {
    return Status::InvalidArgument(
        "unidentified_redelivery_window_ms is longer than handset_reference_redelivery_window_ms");
  }
  if (o.handset_reference_redelivery_window_ms > o.redelivery_window_ms) {
    return Status::InvalidArgument(
        "handset_reference_redelivery_window_ms is longer than redelivery_window_ms");
  }
  if (o.busy_timeout_ms < 0) return Status::InvalidArgument("busy_timeout_ms is negative");
  if (o.checkpoint_pages < 1) return Status::InvalidArgument("checkpoint_pages is below 1");
  for (const RetryPolicy* p : {&o.instruction_retry, &o.reply_retry}) {
    if (p->base_delay_ms <= 0 || p->max_delay_ms < p->base_delay_ms || p->max_attempts < 1) {
      return Status::InvalidArgument(
          "retry policy needs 0 < base_delay_ms <= max_delay_ms and max_attempts >= 1");
    }
  }
  if (o.limits.max_batch == 0) return Status::InvalidArgument("limits.max_batch is 0");
  return Status::OK();
}

// Creates an empty file with mode 0600 so SQLite (which gives its -wal and -shm files the
// database file's mode) never leaves subscriber data readable by others.
Status CreateEmptyFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::OK();
    return Status::IOError("creating " + path + ": " + std::strerror(errno));
  }
  ::close(fd);
  return Status::OK();
}

Status Configure(StoreImpl& impl) {
  sqlite3* db = impl.db;
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, impl.options.busy_timeout_ms);
  std::string pragmas = "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16000; ";
  pragmas += impl.options.synchronous == Synchronous::kFull ? "PRAGMA synchronous = FULL;"
                                                            : "PRAGMA synchronous = NORMAL;";
  if (impl.options.mode == OpenMode::kDaemon) {
    sql::Query q = impl.Q("PRAGMA journal_mode = WAL");
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status().WithContext("setting WAL mode");
    if (!*row || q.ColumnText(0) != "wal") {
      return Status::FailedPrecondition("the store cannot use WAL mode on " + impl.options.path);
    }
  }
  return sql::Exec(db, pragmas);
}

HashKeys DeriveHashKeys(std::string_view secret) {
  auto derive = [&](std::string_view label) {
    Digest d = HmacSha256(secret, label);
    HmacKey key(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
    OPENSSL_cleanse(d.data(), d.size());
    return key;
  };
  return {derive("smsgw dedup key v1"), derive("smsgw resend key v1"),
          derive("smsgw challenge code v1")};
}

// Opens the store's random secret (creating it on first open, resealing it under the current
// key after a rotation) and derives the keyed-hash keys from it.
Status LoadSecret(StoreImpl& impl) {
  std::optional<std::string> sealed;
  {
    sql::Query q = impl.Q("SELECT value FROM meta WHERE name = 'secret'");
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (*row) sealed = q.ColumnText(0);
  }
  if (!sealed) {
    std::string secret(kKeySize, '\0');
    STORE_RETURN_IF_ERROR(RandomBytes({reinterpret_cast<uint8_t*>(secret.data()), kKeySize}));
    SecretBytes guard(std::move(secret));
    Result<std::string> s = impl.Seal(guard.view(), kSecretAad);
    if (!s.ok()) return s.status();
    STORE_RETURN_IF_ERROR(impl.Transact([&] {
      sql::Query q = impl.Q("INSERT INTO meta(name, value) VALUES ('secret', ?)");
      q.Text(*s);
      return q.Run();
    }));
    impl.hash_keys.emplace(DeriveHashKeys(guard.view()));
    return Status::OK();
  }
  Result<SecretBytes> secret = impl.Open(*sealed, kSecretAad);
  if (!secret.ok()) {
    if (secret.status().IsNotFound()) {
      return Status::FailedPrecondition(
          "the store was sealed with a key that is not in the key ring (" +
          secret.status().message() + "); give the key file it was created with");
    }
    return secret.status();
  }
  impl.hash_keys.emplace(DeriveHashKeys(secret->view()));
  const std::string prefix = "v1:" + impl.options.keys->current().id() + ":";
  if (sealed->starts_with(prefix)) return Status::OK();
  Result<std::string> resealed = impl.Seal(secret->view(), kSecretAad);
  if (!resealed.ok()) return resealed.status();
  return impl.Transact([&] {
    sql::Query q = impl.Q("UPDATE meta SET value = ? WHERE name = 'secret'");
    q.Text(*resealed);
    return q.Run();
  });
}

// In-flight items were interrupted by a crash: they are due again (or dead when they have
// used all their attempts, so an item that crashes the process cannot loop forever). Read
// through the in-flight indexes (schema version 9), so a restart does not scan the store.
Status RecoverTable(StoreImpl& impl, std::string_view table, const RetryPolicy& policy) {
  const bool instr = table == "instruction";
  const int64_t now = impl.Now();
  sql::Query dead =
      impl.Q(instr ? "UPDATE instruction INDEXED BY instruction_in_flight SET state = 'dead', "
                     "last_error = 'interrupted on every attempt', updated_at = ?1 WHERE state = "
                     "'in_flight' AND attempts >= ?2 RETURNING id, msisdn"
                   : "UPDATE reply INDEXED BY reply_in_flight SET state = 'dead', "
                     "last_error = 'interrupted on every attempt', updated_at = ?1 WHERE state = "
                     "'in_flight' AND attempts >= ?2 "
                     "RETURNING id, destination");
  dead.Int(now).Int(policy.max_attempts);
  std::vector<std::pair<std::string, std::string>> died, recovered;
  auto collect = [instr](std::vector<std::pair<std::string, std::string>>& into) {
    return [instr, &into](sql::Query& r) {
      into.emplace_back(instr ? r.ColumnText(0) : ReplyItemId(r.ColumnInt(0)), r.ColumnText(1));
    };
  };
  STORE_RETURN_IF_ERROR(sql::ForEachRow(dead, collect(died)));
  sql::Query back =
      impl.Q(instr ? "UPDATE instruction INDEXED BY instruction_in_flight SET state = 'pending', "
                     "next_attempt_at = ?1, updated_at = ?1 "
                     "WHERE state = 'in_flight' RETURNING id, msisdn"
                   : "UPDATE reply INDEXED BY reply_in_flight SET state = 'pending', "
                     "next_attempt_at = ?1, updated_at = ?1 "
                     "WHERE state = 'in_flight' RETURNING id, destination");
  back.Int(now);
  STORE_RETURN_IF_ERROR(sql::ForEachRow(back, collect(recovered)));
  for (const auto& [id, msisdn] : died) {
    STORE_RETURN_IF_ERROR(impl.WriteAudit(Actor::kSystem, msisdn, table, id,
                                          instr ? kEventInstructionDead : kEventReplyDead,
                                          "interrupted by restarts on every attempt"));
  }
  for (const auto& [id, msisdn] : recovered) {
    STORE_RETURN_IF_ERROR(impl.WriteAudit(Actor::kSystem, msisdn, table, id,
                                          instr ? kEventInstructionRecovered : kEventReplyRecovered,
                                          "in flight at restart"));
  }
  return Status::OK();
}

// One backwards scan of the inbound log over the longest redelivery window loads the recent
// dedup keys, each into the index of its own window (by the kind of its network id) when it
// is still inside it; ids continue after the highest given, kept or purged.
Status LoadRecentKeys(StoreImpl& impl) {
  const int64_t now = impl.Now();
  const int64_t cutoff = now - impl.options.redelivery_window_ms;
  struct Row {
    int64_t id, at;
    std::string dedup;
    NetworkIdKind kind;
  };
  std::vector<Row> rows;
  {
    sql::Query q =
        impl.Q("SELECT id, received_at, dedup_key, smsc_message_id FROM inbound ORDER BY id DESC");
    for (;;) {
      Result<bool> row = q.Step();
      if (!row.ok()) return row.status();
      if (!*row || q.ColumnInt(1) < cutoff - kClockSlackMs) break;
      rows.push_back(
          {q.ColumnInt(0), q.ColumnInt(1), q.ColumnBlob(2), KindOfNetworkId(q.ColumnOptText(3))});
    }
  }
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    RecentKeys& recent = impl.RecentKeysFor(it->kind);
    if (it->at >= now - recent.window_ms()) recent.Add(it->dedup, it->id, it->at);
  }
  sql::Query q = impl.Q(
      "SELECT max(coalesce((SELECT max(id) FROM inbound), 0), coalesce((SELECT CAST(value AS "
      "INTEGER) FROM meta WHERE name = 'last_id.inbound'), 0))");
  Result<bool> row = q.Step();
  if (!row.ok()) return row.status();
  impl.next_inbound_id = q.ColumnInt(0) + 1;
  return Status::OK();
}

Status OpenConnection(StoreImpl& impl) {
  const Options& o = impl.options;
  const bool daemon = o.mode == OpenMode::kDaemon;
  struct stat st {};
  if (::stat(o.path.c_str(), &st) != 0) {
    if (errno != ENOENT) return Status::IOError(o.path + ": " + std::strerror(errno));
    if (!daemon || !o.create_if_missing) {
      return Status::NotFound("store " + o.path + " does not exist");
    }
    STORE_RETURN_IF_ERROR(CreateEmptyFile(o.path));
  }
  Result<std::string> vfs = WalWriteBatchingVfs(o.vfs);
  if (!vfs.ok()) return vfs.status();
  int rc = sqlite3_open_v2(o.path.c_str(), &impl.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                           vfs->c_str());
  if (rc != SQLITE_OK) return sql::ToStatus(rc, impl.db, "opening " + o.path);
  return Status::OK();
}

Status OpenStore(StoreImpl& impl) {
  const Options& o = impl.options;
  const bool daemon = o.mode == OpenMode::kDaemon;
  STORE_RETURN_IF_ERROR(OpenConnection(impl));
  sqlite3_busy_timeout(impl.db, o.busy_timeout_ms);
  // Check the version before anything writes (WAL mode is recorded in the file header).
  Result<int> version = ReadSchemaVersion(impl.db, o.path);
  if (!version.ok()) return version.status();
  if (*version > kSchemaVersion) return NewerSchemaError(o.path, *version);
  if (!daemon && *version != kSchemaVersion) {
    return Status::FailedPrecondition(
        o.path + " has store schema version " + std::to_string(*version) + ", this smsgw needs " +
        std::to_string(kSchemaVersion) + ": start the daemon once to migrate it");
  }
  STORE_RETURN_IF_ERROR(Configure(impl));
  if (daemon) {
    Result<int> migrated = Migrate(impl.db, o.path, Migrations());
    if (!migrated.ok()) return migrated.status();
  }
  // Admin mode needs no hashes; Check() verifies the keys on its own.
  if (!daemon) return Status::OK();
  STORE_RETURN_IF_ERROR(LoadSecret(impl));
  STORE_RETURN_IF_ERROR(impl.Transact([&] {
    STORE_RETURN_IF_ERROR(RecoverTable(impl, "instruction", o.instruction_retry));
    return RecoverTable(impl, "reply", o.reply_retry);
  }));
  STORE_RETURN_IF_ERROR(LoadRecentKeys(impl));
  if (!o.background_checkpoints) return Status::OK();
  return impl.StartCheckpointer();
}

}  // namespace

Result<std::unique_ptr<Store>> Store::Open(Options options) {
  STORE_RETURN_IF_ERROR(ValidateOptions(options));
  auto impl = std::make_unique<StoreImpl>(std::move(options));
  STORE_RETURN_IF_ERROR(OpenStore(*impl));
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

}  // namespace smsgw::store
