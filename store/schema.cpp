#include "store/schema.h"

#include <sqlite3.h>

#include "store/sql.h"

namespace smsgw::store {
namespace {

// Version 1. States are short words so the file reads well in the sqlite3 shell. Times are
// unix milliseconds. Random keys are kept off the hot write path: inbound rows are appended in
// rowid (time) order (within one batch, which shares a receive time, in any order) and their
// dedup_key column is not indexed (the recent keys live in memory, rebuilt from this log at
// open). Inbound ids are given by the store (max + 1, above any purged one since version 10), so
// an id is never reused.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE meta(
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE inbound(
  id              INTEGER PRIMARY KEY,
  received_at     INTEGER NOT NULL,
  connection      TEXT NOT NULL,
  source          TEXT NOT NULL,
  destination     TEXT NOT NULL,
  smsc_message_id TEXT,
  data_coding     INTEGER NOT NULL,
  dedup_key       BLOB NOT NULL,
  raw_sealed      TEXT,
  state           TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'processed')),
  outcome         TEXT,
  redacted_text   TEXT,
  reference       TEXT,
  resend_key      BLOB,
  processed_at    INTEGER
);
CREATE INDEX inbound_new ON inbound(id) WHERE state = 'new';
-- Resend keys are set when a message is processed, not when it arrives, so this index costs
-- nothing on Accept.
CREATE INDEX inbound_resend ON inbound(resend_key) WHERE resend_key IS NOT NULL;

CREATE TABLE challenge(
  id            INTEGER PRIMARY KEY,
  msisdn        TEXT NOT NULL,
  code_hash     BLOB NOT NULL,
  inbound_id    INTEGER,
  operation     TEXT NOT NULL,
  payload       TEXT NOT NULL,
  secret_sealed TEXT,
  reference     TEXT,
  state         TEXT NOT NULL CHECK (state IN
                  ('pending', 'consumed', 'expired', 'exhausted', 'cancelled')),
  attempts_left INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX challenge_code ON challenge(code_hash);
CREATE INDEX challenge_expiry ON challenge(expires_at) WHERE state = 'pending';
CREATE INDEX challenge_state ON challenge(state, updated_at);

CREATE TABLE instruction(
  seq             INTEGER PRIMARY KEY,
  id              TEXT NOT NULL UNIQUE,
  reference       TEXT NOT NULL UNIQUE,
  inbound_id      INTEGER,
  challenge_id    INTEGER,
  msisdn          TEXT NOT NULL,
  operation       TEXT NOT NULL,
  payload         TEXT NOT NULL,
  payload_hash    TEXT NOT NULL,
  secret_sealed   TEXT,
  state           TEXT NOT NULL CHECK (state IN
                    ('pending', 'in_flight', 'done', 'rejected', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT,
  result          TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX instruction_due ON instruction(next_attempt_at) WHERE state = 'pending';
CREATE INDEX instruction_state ON instruction(state, updated_at);

CREATE TABLE reply(
  id              INTEGER PRIMARY KEY,
  instruction_id  TEXT,
  inbound_id      INTEGER,
  connection      TEXT,
  source          TEXT NOT NULL,
  destination     TEXT NOT NULL,
  text_sealed     TEXT NOT NULL,
  reference       TEXT,
  state           TEXT NOT NULL CHECK (state IN
                    ('pending', 'in_flight', 'sent', 'delivered', 'undeliverable', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT,
  smsc_message_id TEXT,
  delivery_status TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX reply_due ON reply(next_attempt_at) WHERE state = 'pending';
CREATE INDEX reply_state ON reply(state, updated_at);
CREATE INDEX reply_smsc_id ON reply(smsc_message_id) WHERE smsc_message_id IS NOT NULL;

CREATE TABLE subscriber_lock(
  msisdn       TEXT PRIMARY KEY,
  locked_until INTEGER NOT NULL,
  reason       TEXT NOT NULL,
  updated_at   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE audit(
  id        INTEGER PRIMARY KEY,
  at        INTEGER NOT NULL,
  actor     TEXT NOT NULL CHECK (actor IN ('subscriber', 'admin', 'backend', 'system')),
  msisdn    TEXT,
  entity    TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  event     TEXT NOT NULL,
  detail    TEXT NOT NULL
);
CREATE INDEX audit_msisdn ON audit(msisdn, at) WHERE msisdn IS NOT NULL;
CREATE TRIGGER audit_append_only BEFORE UPDATE ON audit
BEGIN
  SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
)sql";

// Version 2. Ids of the backend's pushed notices (bill notices, ...), recorded in the same
// transaction as the effects they caused, so a notice pushed twice is applied once. Kept until
// purged with the rest of the finished rows.
constexpr std::string_view kV2 = R"sql(
CREATE TABLE notice(
  id          TEXT PRIMARY KEY,
  recorded_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX notice_recorded ON notice(recorded_at);
)sql";

// Version 3. The store's copy of live USSD dialogues (store/ussd_session.h), so a restart can
// resume or end them. One row per dialogue; the state is sealed. msisdn is indexed because one
// MSISDN has at most one live dialogue: writing one removes the others.
constexpr std::string_view kV3 = R"sql(
CREATE TABLE ussd_session(
  key          TEXT PRIMARY KEY,
  msisdn       TEXT NOT NULL,
  connection   TEXT NOT NULL,
  state_sealed TEXT NOT NULL,
  expires_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ussd_session_msisdn ON ussd_session(msisdn);
CREATE INDEX ussd_session_expiry ON ussd_session(expires_at);
)sql";

// Version 4: claim instructions in creation order. ClaimInstructions takes the due ones by seq
// (the order subscribers sent them), not by due time: after a backend outage each waiting
// instruction had its own jittered retry time, and claiming by it scrambled the order. This
// index holds pending instructions only, in seq order, with their due time, so a claim walks
// it in order and stops after its `limit` due ones. instruction_due stays for the
// earliest due time (NextDueAt).
constexpr std::string_view kV4ClaimInCreationOrder = R"sql(
CREATE INDEX instruction_pending_seq ON instruction(seq, next_attempt_at) WHERE state = 'pending';
)sql";

// Version 5: the audit's actor CHECK as comparisons instead of IN. SQLite evaluates an IN
// over more than two constants by building a temporary b-tree, once per statement run: for
// every audit row written (several per MO), which cost about 5 % of the daemon's CPU. The two
// forms accept the same values, so the table's text is edited in place (SQLite's documented
// procedure for constraint changes that do not touch stored rows); RESET reloads the schema
// on this connection, and the CREATE/DROP pair moves the schema cookie so other connections
// reload it too. A text that does not parse fails the migration, which is rolled back.
constexpr std::string_view kV5AuditActorCheck = R"sql(
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql,
                     'CHECK (actor IN (''subscriber'', ''admin'', ''backend'', ''system''))',
                     'CHECK (actor = ''subscriber'' OR actor = ''admin'' OR actor = ''backend'' OR actor = ''system'')')
 WHERE type = 'table' AND name = 'audit';
PRAGMA writable_schema = RESET;
CREATE TABLE schema_reload(x);
DROP TABLE schema_reload;
SELECT count(*) FROM audit WHERE 0;
)sql";

// Version 6: the same for the state CHECKs of challenge, instruction and reply, which every
// insert and every state change evaluates: six temporary b-trees per forwarded MO (its
// instruction and its reply, each created, claimed and finished), more for a payment. The
// replaced texts are version 1's, line breaks included.
constexpr std::string_view kV6StateChecks = R"sql(
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql,
                     'CHECK (state IN
                  (''pending'', ''consumed'', ''expired'', ''exhausted'', ''cancelled''))',
                     'CHECK (state = ''pending'' OR state = ''consumed'' OR state = ''expired'' OR state = ''exhausted'' OR state = ''cancelled'')')
 WHERE type = 'table' AND name = 'challenge';
UPDATE sqlite_schema
   SET sql = replace(sql,
                     'CHECK (state IN
                    (''pending'', ''in_flight'', ''done'', ''rejected'', ''dead''))',
                     'CHECK (state = ''pending'' OR state = ''in_flight'' OR state = ''done'' OR state = ''rejected'' OR state = ''dead'')')
 WHERE type = 'table' AND name = 'instruction';
UPDATE sqlite_schema
   SET sql = replace(sql,
                     'CHECK (state IN
                    (''pending'', ''in_flight'', ''sent'', ''delivered'', ''undeliverable'', ''dead''))',
                     'CHECK (state = ''pending'' OR state = ''in_flight'' OR state = ''sent'' OR state = ''delivered'' OR state = ''undeliverable'' OR state = ''dead'')')
 WHERE type = 'table' AND name = 'reply';
PRAGMA writable_schema = RESET;
CREATE TABLE schema_reload(x);
DROP TABLE schema_reload;
SELECT count(*) FROM reply WHERE 0;
)sql";

// Version 7: subscribers who sent STOP, in a table of their own. Until now the opt-out was
// read from the audit trail (any "subscriber.stop" row of the MSISDN, ever), so a retention
// purge of the audit trail silently opted them back in to bill notices and offers, and every
// bill notice counted the subscriber's whole history through the audit's MSISDN index. A row
// here is kept whatever is purged. Existing opt-outs are carried over from what recorded them:
// the audit rows the commands engine wrote (commands/engine.h, kEventStop) and the processed
// messages whose outcome was "stop", either of which a purge may have taken already. Both
// tables are read in one pass each (NOT INDEXED: through the audit's MSISDN index, which
// lacks the event, SQLite would fetch every row out of order, 20 times slower), since this
// runs before the daemon reports itself started.
constexpr std::string_view kV7NoticeOptOut = R"sql(
CREATE TABLE notice_optout(
  msisdn     TEXT PRIMARY KEY,
  stopped_at INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO notice_optout(msisdn, stopped_at)
  SELECT msisdn, min(at) FROM (
      SELECT msisdn, at FROM audit NOT INDEXED
       WHERE msisdn IS NOT NULL AND event = 'subscriber.stop'
      UNION ALL
      SELECT source, processed_at FROM inbound NOT INDEXED
       WHERE outcome = 'stop' AND processed_at IS NOT NULL)
   GROUP BY msisdn;
)sql";

// Version 8: the state indexes go. challenge_state, instruction_state and reply_state, on
// (state, updated_at), took an entry out and put one in on every state change, and one in on
// every insert: about 6 % of the core thread's instructions per payment. Their readers are
// served otherwise: the queue gauges count pending items through the partial due indexes and
// dead ones through the two small partial indexes below (a gauge that scanned the table every
// few seconds took MO->ack p99.9 from 50 to 350 ms in a run of 500,000 MOs); Purge walks the
// tables in creation order (store_admin.cpp); ctl's state counts scan, and so did start-up
// recovery of in-flight items until version 9. IF [NOT] EXISTS: a store already at this shape
// migrates unchanged.
constexpr std::string_view kV8NoStateIndexes = R"sql(
DROP INDEX IF EXISTS challenge_state;
DROP INDEX IF EXISTS instruction_state;
DROP INDEX IF EXISTS reply_state;
CREATE INDEX IF NOT EXISTS instruction_dead ON instruction(seq) WHERE state = 'dead';
CREATE INDEX IF NOT EXISTS reply_dead ON reply(id) WHERE state = 'dead';
)sql";

// Version 9: start-up recovery finds the items a crash left in flight through two partial
// indexes that hold only those, instead of scanning instruction and reply whole (version 8
// left it no index on state: seconds per restart on a store of tens of millions of rows, for
// the handful of items the process was working on). An item enters the index when it is
// claimed (or inserted already claimed) and leaves it when it finishes: two entries per item
// in a tree of about a window's size, which stays in the cache (+3.5 % of the core thread's
// instructions per payment, docs/benchmarks.md). IF NOT EXISTS, as in version 8: the tests
// make older stores out of current ones.
constexpr std::string_view kV9InFlightIndexes = R"sql(
CREATE INDEX IF NOT EXISTS instruction_in_flight ON instruction(seq) WHERE state = 'in_flight';
CREATE INDEX IF NOT EXISTS reply_in_flight ON reply(id) WHERE state = 'in_flight';
)sql";

// Version 10: the highest id inbound, challenge and reply have given, kept in meta
// (`last_id.<table>`) when a purge deletes rows, so it can delete the newest row too. Their ids
// are max + 1 of what is left and the store's meta row, whichever is higher; before this the
// newest row of each table was never purged, so on a quiet store one message's sealed text, one
// challenge and one reply outlived the retention period. Seeded with each table's current
// highest id. A version 9 smsgw would give a purged newest id again, which joins the old row's
// audit trail: the version bump makes it refuse the store instead.
constexpr std::string_view kV10LastIds = R"sql(
INSERT OR IGNORE INTO meta(name, value) SELECT 'last_id.inbound', coalesce(max(id), 0) FROM inbound;
INSERT OR IGNORE INTO meta(name, value)
  SELECT 'last_id.challenge', coalesce(max(id), 0) FROM challenge;
INSERT OR IGNORE INTO meta(name, value) SELECT 'last_id.reply', coalesce(max(id), 0) FROM reply;
)sql";

// Version 11: the parts of concatenated MOs whose message is not whole yet. Each part is
// stored before its deliver_sm_resp (persist, then acknowledge), so an SMSC that waits for one
// part's answer before it sends the next is not held up, and a restart rebuilds the open groups
// from here. The message's Accept deletes its group's parts; a group that stays incomplete is
// deleted when the reassembly gives it up. The unique key is the reassembler's group key and
// the part's number, so a part delivered again is stored once. The octets are sealed (an MO
// may hold a PIN). IF NOT EXISTS, as in version 8.
constexpr std::string_view kV11InboundParts = R"sql(
CREATE TABLE IF NOT EXISTS inbound_part(
  id                INTEGER PRIMARY KEY,
  received_at       INTEGER NOT NULL,
  connection        TEXT NOT NULL,
  source            TEXT NOT NULL,
  destination       TEXT NOT NULL,
  scheme            INTEGER NOT NULL,
  reference         INTEGER NOT NULL,
  total             INTEGER NOT NULL,
  seq               INTEGER NOT NULL,
  data_coding       INTEGER NOT NULL,
  message_reference INTEGER,
  payload_sealed    TEXT NOT NULL,
  UNIQUE (connection, source, destination, scheme, reference, total, seq)
);
)sql";

// Version 12: the TON and NPI of an MO source kept as the SMSC wrote it (an alphanumeric
// sender, a national form the grammar's number_plan cannot read), and of a reply's destination
// that is such a source. The MT sender addresses that reply with them instead of the
// connection's destination TON/NPI, which are for E.164 numbers. NULL (every older row, and
// every source read into E.164 form) means the connection's. ADD COLUMN only edits the table's
// text, so it takes no time on a large store.
constexpr std::string_view kV12SourceAddressType = R"sql(
ALTER TABLE inbound ADD COLUMN source_ton INTEGER;
ALTER TABLE inbound ADD COLUMN source_npi INTEGER;
ALTER TABLE reply ADD COLUMN destination_ton INTEGER;
ALTER TABLE reply ADD COLUMN destination_npi INTEGER;
)sql";

// Version 13: the rows that follow an instruction's, a reply's or a challenge's first row
// (IsFollowUpEvent: claimed, done, sent, consumed, ...) are written without the MSISDN, so the
// index on (msisdn, at), whose keys arrive in no order, takes one or two entries per MO where
// it took five. Store::Audit reaches them from the entity's first row through this index, whose
// keys (instruction ids lead with their time, reply and challenge ids count up) arrive in
// order. Every entity's first row keeps the MSISDN (version 14 excepts prompt answers, linked
// in the audit too), so the trail does not depend on the rows of other tables, which a purge
// deletes sooner. Older rows keep their MSISDN and are found as before. audit_wrong_pin holds
// the wrong PINs alone: the lockout counts a subscriber's last 24 hours of them on every PIN
// message, and through the MSISDN's index it read each of that subscriber's rows of the day to
// find them (an agent's thousands). Building the two reads the audit table twice.
constexpr std::string_view kV13AuditFollowUps = R"sql(
CREATE INDEX IF NOT EXISTS audit_entity ON audit(entity_id, entity) WHERE msisdn IS NULL;
CREATE INDEX IF NOT EXISTS audit_wrong_pin ON audit(msisdn, at) WHERE event = 'pin.wrong';
)sql";

// Version 14: a prompt reply to the subscriber of its own instruction (the answer to the
// command, NewReply::to_instruction_subscriber) names that instruction as its parent and is
// written without the MSISDN. Its first row left one entry per forwarded MO in the MSISDN
// index, in the answer's commit, on a page of its own: a third of the bytes the daemon wrote.
// Store::Audit reaches it from the instruction's first row through audit_parent, whose keys
// (instruction ids lead with their time) arrive in order. The link is in the audit itself, so
// a purge of the reply table, which comes sooner than the audit's, takes nothing from the
// trail. ADD COLUMN rewrites no row; the index reads the table once and holds no row written
// before it.
constexpr std::string_view kV14AuditParents = R"sql(
ALTER TABLE audit ADD COLUMN parent_entity TEXT;
ALTER TABLE audit ADD COLUMN parent_id TEXT;
CREATE INDEX IF NOT EXISTS audit_parent ON audit(parent_id, parent_entity)
  WHERE parent_id IS NOT NULL;
)sql";

Result<int64_t> PragmaInt(sqlite3* db, const char* pragma) {
  sql::Statement st;
  if (Status s = st.Prepare(db, std::string("PRAGMA ") + pragma); !s.ok()) return s;
  sql::Query q(st);
  Result<bool> row = q.Step();
  if (!row.ok()) return row.status();
  return *row ? q.ColumnInt(0) : 0;
}

Result<int> TableCount(sqlite3* db) {
  sql::Statement st;
  if (Status s = st.Prepare(db, "SELECT count(*) FROM sqlite_schema"); !s.ok()) return s;
  sql::Query q(st);
  Result<bool> row = q.Step();
  if (!row.ok()) return row.status();
  return static_cast<int>(q.ColumnInt(0));
}

}  // namespace

const std::vector<std::string_view>& Migrations() {
  static const std::vector<std::string_view> all = {kV1,
                                                    kV2,
                                                    kV3,
                                                    kV4ClaimInCreationOrder,
                                                    kV5AuditActorCheck,
                                                    kV6StateChecks,
                                                    kV7NoticeOptOut,
                                                    kV8NoStateIndexes,
                                                    kV9InFlightIndexes,
                                                    kV10LastIds,
                                                    kV11InboundParts,
                                                    kV12SourceAddressType,
                                                    kV13AuditFollowUps,
                                                    kV14AuditParents};
  return all;
}

Status NewerSchemaError(const std::string& path, int version) {
  return Status::FailedPrecondition(
      path + " has store schema version " + std::to_string(version) +
      ", newer than this smsgw supports (" + std::to_string(kSchemaVersion) +
      "); it was left untouched. Run the smsgw version that wrote it, or restore a backup.");
}

Result<int> ReadSchemaVersion(sqlite3* db, const std::string& path) {
  Result<int64_t> app = PragmaInt(db, "application_id");
  if (!app.ok()) {
    if (app.status().IsCorruption()) {
      return Status::Corruption(path + " is not an SQLite database (" + app.status().message() +
                                ")");
    }
    return app.status().WithContext("reading " + path);
  }
  Result<int64_t> version = PragmaInt(db, "user_version");
  if (!version.ok()) return version.status().WithContext("reading " + path);
  if (*app != 0 && *app != kApplicationId) {
    return Status::FailedPrecondition(path + " is an SQLite database of another application");
  }
  if (*app == 0) {
    Result<int> tables = TableCount(db);
    if (!tables.ok()) return tables.status().WithContext("reading " + path);
    if (*tables > 0) {
      return Status::FailedPrecondition(path +
                                        " is an SQLite database but not an smsgw store (it has "
                                        "tables and no smsgw application id)");
    }
  }
  return static_cast<int>(*version);
}

Result<int> Migrate(sqlite3* db, const std::string& path,
                    std::span<const std::string_view> migrations) {
  const int target = static_cast<int>(migrations.size());
  if (Status s = sql::Exec(db, "BEGIN IMMEDIATE"); !s.ok()) return s.WithContext("migrating");
  // Read again under the write lock: another process may have migrated meanwhile.
  Result<int> found = ReadSchemaVersion(db, path);
  Status s = found.status();
  if (s.ok() && *found > target) s = NewerSchemaError(path, *found);
  for (int v = s.ok() ? *found : target; v < target && s.ok(); ++v) {
    s = sql::Exec(db, migrations[v]);
    if (!s.ok()) s = s.WithContext("migrating the store to version " + std::to_string(v + 1));
  }
  if (s.ok() && *found < target) {
    s = sql::Exec(db, "PRAGMA application_id = " + std::to_string(kApplicationId) +
                          "; PRAGMA user_version = " + std::to_string(target));
  }
  if (s.ok()) s = sql::Exec(db, "COMMIT");
  if (!s.ok()) {
    if (!sqlite3_get_autocommit(db)) (void)sql::Exec(db, "ROLLBACK");
    return s;
  }
  return *found;
}

}  // namespace smsgw::store
