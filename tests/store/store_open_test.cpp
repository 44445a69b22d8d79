#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "store/ids.h"
#include "store/schema.h"
#include "tests/support/store_fixture.h"

namespace smsgw::store::testing {
namespace {

using StoreOpenTest = StoreTest;

TEST_F(StoreOpenTest, CreatesTheSchemaFromAnEmptyFileWithMode0600) {
  Open();
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), std::to_string(kSchemaVersion));
  EXPECT_EQ(RawQuery(path_, "PRAGMA application_id"), std::to_string(kApplicationId));
  EXPECT_EQ(RawQuery(path_, "PRAGMA journal_mode"), "wal");
  for (const char* table : {"meta", "inbound", "challenge", "instruction", "reply", "audit",
                            "subscriber_lock", "notice"}) {
    EXPECT_EQ(RawQuery(path_, std::string("SELECT count(*) FROM sqlite_schema WHERE name = '") +
                                  table + "'"),
              "1")
        << table;
  }
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto check = store().Check();
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok());
  EXPECT_TRUE(check->keys_checked);
  EXPECT_TRUE(check->keys_match);
}

TEST_F(StoreOpenTest, ReopeningKeepsDataAndVersion) {
  Open();
  AcceptResult first = AcceptOne(Mo("254700000001", "BAL"));
  Close();
  Open();
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), std::to_string(kSchemaVersion));
  AcceptResult again = AcceptOne(Mo("254700000001", "BAL"));
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.id, first.id);
}

TEST_F(StoreOpenTest, MigratesStepByStepFromEmpty) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  const std::vector<std::string_view> steps = {"CREATE TABLE a(x);",
                                               "ALTER TABLE a ADD COLUMN y; CREATE TABLE b(z);"};
  auto from = Migrate(db, path_, std::span(steps).first(1));
  ASSERT_TRUE(from.ok()) << from.status().ToString();
  EXPECT_EQ(*from, 0);
  from = Migrate(db, path_, steps);
  ASSERT_TRUE(from.ok()) << from.status().ToString();
  EXPECT_EQ(*from, 1);
  sqlite3_close(db);
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), "2");
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM pragma_table_info('a')"), "2");
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM sqlite_schema WHERE name = 'b'"), "1");
}

// A version 1 store, as the first release left it (no notice table), with a message in it.
TEST_F(StoreOpenTest, AVersion1StoreMigratesAndKeepsItsData) {
  Open();
  AcceptResult first = AcceptOne(Mo("254700000001", "BAL"));
  Close();
  RawQuery(path_, "DROP TABLE notice");
  RawQuery(path_, "DROP TABLE ussd_session");
  RawQuery(path_, "DROP INDEX instruction_pending_seq");
  RawQuery(path_, "DROP TABLE notice_optout");
  DropSchemaVersion14(path_);
  DropSchemaVersion12(path_);
  RawQuery(path_, "PRAGMA user_version = 1");
  ASSERT_EQ(RawQuery(path_, "SELECT count(*) FROM sqlite_schema WHERE name = 'notice'"), "0");
  Options admin = MakeOptions();
  admin.mode = OpenMode::kAdmin;
  EXPECT_EQ(Store::Open(admin).status().code(), Status::Code::kFailedPrecondition);

  Open();
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), std::to_string(kSchemaVersion));
  EXPECT_EQ(AcceptOne(Mo("254700000001", "BAL")).id, first.id);
  Effects notice;
  notice.notice_id = "bill-1";
  notice.replies.push_back(ReplyTo("254700000001", "Your bill"));
  ASSERT_TRUE(store().Apply(notice).ok());
  EXPECT_TRUE(store().Apply(notice).status().IsAlreadyExists());
}

// A version 3 store gains the index that claims instructions in creation order.
TEST_F(StoreOpenTest, AVersion3StoreGainsTheCreationOrderIndex) {
  Open();
  Close();
  RawQuery(path_, "DROP INDEX instruction_pending_seq");
  RawQuery(path_, "DROP TABLE notice_optout");
  DropSchemaVersion14(path_);
  DropSchemaVersion12(path_);
  RawQuery(path_, "PRAGMA user_version = 3");
  Open();
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), std::to_string(kSchemaVersion));
  EXPECT_EQ(RawQuery(path_,
                     "SELECT count(*) FROM sqlite_schema WHERE name = "
                     "'instruction_pending_seq'"),
            "1");
  EXPECT_TRUE(store().ClaimInstructions(10).ok());
}

// A version 7 store loses the state indexes, which every state change paid for, and gains the
// partial ones the queue gauges count dead items through.
TEST_F(StoreOpenTest, AVersion7StoreTradesItsStateIndexesForDeadItemIndexes) {
  Open();
  Effects fx;
  fx.replies.push_back(ReplyTo("254700000001", "hello"));
  ASSERT_TRUE(store().Apply(fx).ok());
  Close();
  RawQuery(path_, "DROP INDEX instruction_dead");
  RawQuery(path_, "DROP INDEX reply_dead");
  RawQuery(path_, "CREATE INDEX challenge_state ON challenge(state, updated_at)");
  RawQuery(path_, "CREATE INDEX instruction_state ON instruction(state, updated_at)");
  RawQuery(path_, "CREATE INDEX reply_state ON reply(state, updated_at)");
  RawQuery(path_, "UPDATE reply SET state = 'dead'");
  DropSchemaVersion14(path_);
  DropSchemaVersion12(path_);
  RawQuery(path_, "PRAGMA user_version = 7");
  Open();
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), std::to_string(kSchemaVersion));
  EXPECT_EQ(RawQuery(path_,
                     "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema "
                     "WHERE name LIKE '%_state' OR name LIKE '%_dead' ORDER BY name)"),
            "instruction_dead reply_dead");
  EXPECT_EQ(RawQuery(path_, "PRAGMA integrity_check"), "ok");
  auto depths = store().Depths();
  ASSERT_TRUE(depths.ok()) << depths.status().ToString();
  EXPECT_EQ(depths->dead_letters, 1) << "the reply made dead before the upgrade is counted";
}

// A version 8 store gains the indexes that start-up recovery reads the items left in flight
// through; those a crash left in flight before the upgrade are recovered through them.
TEST_F(StoreOpenTest, AVersion8StoreIndexesItsInFlightItems) {
  Open();
  Effects fx;
  fx.replies.push_back(ReplyTo("254700000001", "hello"));
  fx.replies.push_back(ReplyTo("254700000002", "hello"));
  auto keys = MintInstructionKeys(clock_->NowMs()).value();
  fx.instructions.push_back({keys.id,
                             keys.reference,
                             "254700000001",
                             "transfer",
                             "{}",
                             "",
                             std::nullopt,
                             std::nullopt,
                             {}});
  ASSERT_TRUE(store().Apply(fx).ok());
  ASSERT_EQ(store().ClaimReplies(10)->size(), 2u);
  ASSERT_EQ(store().ClaimInstructions(10)->size(), 1u);
  Close();  // as a crash would leave them: in flight
  RawQuery(path_, "DROP INDEX instruction_in_flight");
  RawQuery(path_, "DROP INDEX reply_in_flight");
  DropSchemaVersion14(path_);
  DropSchemaVersion12(path_);
  RawQuery(path_, "PRAGMA user_version = 8");
  ASSERT_EQ(RawQuery(path_, "SELECT count(*) FROM sqlite_schema WHERE name LIKE '%_in_flight'"),
            "0");
  ASSERT_EQ(RawQuery(path_, "SELECT count(*) FROM reply WHERE state = 'in_flight'"), "2");
  Open();
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), std::to_string(kSchemaVersion));
  EXPECT_EQ(RawQuery(path_,
                     "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema "
                     "WHERE name LIKE '%_in_flight' ORDER BY name)"),
            "instruction_in_flight reply_in_flight");
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM reply WHERE state = 'pending'"), "2");
  EXPECT_EQ(RawQuery(path_, "SELECT state FROM instruction"), "pending");
  EXPECT_EQ(RawQuery(path_, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(store().ClaimReplies(10)->size(), 2u);
  Close();
  EXPECT_EQ(RawQuery(path_,
                     "SELECT count(*) FROM reply INDEXED BY reply_in_flight "
                     "WHERE state = 'in_flight'"),
            "2")
      << "the index holds what is claimed after the upgrade";
}

// A version 9 store records the highest id each id-giving table has given, so a purge can take
// the newest row; a message accepted after the upgrade goes on from there.
TEST_F(StoreOpenTest, AVersion9StoreRecordsTheIdsItHasGiven) {
  Open();
  const int64_t mo = AcceptOne(Mo("254700000001", "BAL")).id;
  Effects fx;
  fx.replies.push_back(ReplyTo("254700000001", "one"));
  fx.replies.push_back(ReplyTo("254700000001", "two"));
  auto applied = store().Apply(fx);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  Close();
  RawQuery(path_, "DELETE FROM meta WHERE name LIKE 'last_id.%'");
  DropSchemaVersion14(path_);
  DropSchemaVersion12(path_);
  RawQuery(path_, "PRAGMA user_version = 9");
  Open();
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), std::to_string(kSchemaVersion));
  EXPECT_EQ(RawQuery(path_,
                     "SELECT group_concat(name || '=' || value, ' ') FROM (SELECT name, value "
                     "FROM meta WHERE name LIKE 'last_id.%' ORDER BY name)"),
            "last_id.challenge=0 last_id.inbound=" + std::to_string(mo) +
                " last_id.reply=" + std::to_string(applied->reply_ids[1]));
  EXPECT_GT(AcceptOne(Mo("254700000001", "BAL 2")).id, mo);
}

// A version 11 store has no TON/NPI columns. Its rows read as E.164 addresses (no TON/NPI of
// their own: the connection's), and new rows keep theirs.
TEST_F(StoreOpenTest, AVersion11StoreReadsItsRowsWithNoAddressType) {
  Open();
  const int64_t mo = AcceptOne(Mo("254700000001", "BAL")).id;
  Effects fx;
  fx.replies.push_back(ReplyTo("254700000001", "before"));
  ASSERT_TRUE(store().Apply(fx).ok());
  Close();
  DropSchemaVersion14(path_);
  DropSchemaVersion12(path_);
  RawQuery(path_, "PRAGMA user_version = 11");
  ASSERT_EQ(RawQuery(path_,
                     "SELECT count(*) FROM pragma_table_info('inbound') WHERE name LIKE "
                     "'source_%'"),
            "0");

  Open();
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), std::to_string(kSchemaVersion));
  InboundMessage kept = Mo("MyBank", "HELLO");
  kept.source_type = AddressType{5, 0};
  AcceptOne(kept);
  auto pending = store().PendingInbound(0, 10);
  ASSERT_TRUE(pending.ok()) << pending.status().ToString();
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[0].id, mo);
  EXPECT_EQ((*pending)[0].source_type, std::nullopt);
  EXPECT_EQ((*pending)[1].source_type, (AddressType{5, 0}));

  Effects after;
  after.replies.push_back(ReplyTo("0700000001", "after"));
  after.replies.back().destination_type = AddressType{2, 1};
  ASSERT_TRUE(store().Apply(after).ok());
  auto claimed = store().ClaimReplies(10);
  ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
  ASSERT_EQ(claimed->size(), 2u);
  EXPECT_EQ((*claimed)[0].text.view(), "before");
  EXPECT_EQ((*claimed)[0].destination_type, std::nullopt);
  EXPECT_EQ((*claimed)[1].text.view(), "after");
  EXPECT_EQ((*claimed)[1].destination_type, (AddressType{2, 1}));
}

// Before version 13 every audit row of a subscriber carried its MSISDN. Such rows are still
// found through it, and a row written after the upgrade that follows one of their entities
// is found through the entity's first row, once.
TEST_F(StoreOpenTest, AVersion12TrailIsFoundWithTheRowsWrittenAfterTheUpgrade) {
  constexpr char kMsisdn[] = "254700000001";
  Open();
  Effects fx;
  fx.replies.push_back(ReplyTo(kMsisdn, "before"));
  auto applied = store().Apply(fx);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  const std::string item = "mt-" + std::to_string(applied->reply_ids[0]);
  Close();
  RawQuery(path_, "DROP INDEX audit_entity");
  // A follow-up row as version 12 wrote it: with the subscriber's MSISDN.
  RawQuery(path_,
           "INSERT INTO audit(at, actor, msisdn, entity, entity_id, event, detail) "
           "VALUES (" +
               std::to_string(kStartMs) + ", 'system', '" + kMsisdn + "', 'reply', '" + item +
               "', 'reply.retry', 'old')");
  DropSchemaVersion14(path_);
  RawQuery(path_, "PRAGMA user_version = 12");

  Open();
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), std::to_string(kSchemaVersion));
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM sqlite_schema WHERE name = 'audit_entity'"), "1");
  clock_->Advance(kMinute);
  ASSERT_EQ(store().ClaimReplies(10)->size(), 1u);
  auto trail = store().Audit({kMsisdn, 0, 100});
  ASSERT_TRUE(trail.ok()) << trail.status().ToString();
  std::vector<std::string> events;
  for (const AuditEntry& e : *trail) events.push_back(e.event);
  EXPECT_EQ(events, (std::vector<std::string>{"reply.created", "reply.retry", "reply.claimed"}));
}

// A version 13 store gains the audit's parent columns and their index. Its rows are found as
// before, and a reply to its instruction's subscriber written after the upgrade is found
// through the instruction.
TEST_F(StoreOpenTest, AVersion13StoreFindsRepliesThroughTheirInstructionAfterTheUpgrade) {
  constexpr char kMsisdn[] = "254700000001";
  Open();
  Effects before;
  before.replies.push_back(ReplyTo(kMsisdn, "before"));
  ASSERT_TRUE(store().Apply(before).ok());
  Close();
  DropSchemaVersion14(path_);
  RawQuery(path_, "PRAGMA user_version = 13");
  ASSERT_EQ(RawQuery(path_,
                     "SELECT count(*) FROM pragma_table_info('audit') WHERE name LIKE "
                     "'parent_%'"),
            "0");

  Open();
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), std::to_string(kSchemaVersion));
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM sqlite_schema WHERE name = 'audit_parent'"), "1");
  auto k = MintInstructionKeys(clock_->NowMs()).value();
  Effects made;
  made.instructions.push_back(
      {k.id, k.reference, kMsisdn, "balance", "{}", "", std::nullopt, std::nullopt, {}});
  ASSERT_TRUE(store().Apply(made).ok());
  Effects answered;
  answered.outcomes.push_back({k.id, InstructionOutcome::Kind::kDone, "ok"});
  answered.replies.push_back(ReplyTo(kMsisdn, "after"));
  answered.replies.back().instruction_id = k.id;
  answered.replies.back().to_instruction_subscriber = true;
  ASSERT_TRUE(store().Apply(answered).ok());
  auto trail = store().Audit({kMsisdn, 0, 100});
  ASSERT_TRUE(trail.ok()) << trail.status().ToString();
  std::vector<std::string> events;
  for (const AuditEntry& e : *trail) events.push_back(e.entity + " " + e.event);
  EXPECT_EQ(events,
            (std::vector<std::string>{"reply reply.created", "instruction instruction.created",
                                      "instruction instruction.done", "reply reply.created"}));
}

// Runs `sql` (several statements) on its own connection; the error text, or "" on success.
std::string RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  char* error = nullptr;
  sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string out = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  return out;
}

// How many times the program SQLite compiles for `sql` opens a temporary b-tree.
int TemporaryTrees(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  sqlite3_stmt* st = nullptr;
  int n = -1;
  if (sqlite3_prepare_v2(db, ("EXPLAIN " + sql).c_str(), -1, &st, nullptr) == SQLITE_OK) {
    n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
      const unsigned char* opcode = sqlite3_column_text(st, 1);
      if (opcode && std::string(reinterpret_cast<const char*>(opcode)) == "OpenEphemeral") ++n;
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

// A version 4 store: the audit's actor CHECK becomes comparisons, which SQLite checks
// without building a temporary b-tree for every row; the same actors pass and fail.
TEST_F(StoreOpenTest, AVersion4StoreChecksAuditActorsWithoutATemporaryTree) {
  Open();
  Close();
  DropSchemaVersion14(path_);
  DropSchemaVersion12(path_);
  const std::string now =
      "CHECK (actor = ''subscriber'' OR actor = ''admin'' OR actor = ''backend'' OR actor = "
      "''system'')";
  const std::string before =
      "CHECK (actor IN (''subscriber'', ''admin'', ''backend'', ''system''))";
  ASSERT_EQ(RawExec(path_,
                    "PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = "
                    "replace(sql, '" +
                        now + "', '" + before +
                        "') WHERE name = 'audit'; PRAGMA writable_schema = OFF; "
                        "DROP TABLE notice_optout; PRAGMA user_version = 4;"),
            "");
  const std::string insert =
      "INSERT INTO audit(at, actor, entity, entity_id, event, detail) "
      "VALUES (1, 'system', 'store', '', 'test', '')";
  ASSERT_EQ(TemporaryTrees(path_, insert), 1) << "the version 4 table, as written then";

  Open();
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), std::to_string(kSchemaVersion));
  EXPECT_EQ(TemporaryTrees(path_, insert), 0);
  EXPECT_EQ(RawQuery(path_, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(RawExec(path_, insert), "");
  EXPECT_NE(RawExec(path_,
                    "INSERT INTO audit(at, actor, entity, entity_id, event, detail) "
                    "VALUES (1, 'nobody', 'store', '', 'test', '')"),
            "")
      << "an unknown actor is still refused";
  // The store's own connection took the new table too: it writes audit rows.
  Effects fx;
  fx.replies.push_back(ReplyTo("254700000001", "hello"));
  EXPECT_TRUE(store().Apply(fx).ok());
}

// Every insert and state change of the outbox and challenge tables, as the store writes them:
// none builds a temporary b-tree to check a constraint (an IN over constants would).
TEST_F(StoreOpenTest, StateChangesCompileWithoutTemporaryTrees) {
  Open();
  Close();
  for (const char* table : {"challenge", "instruction", "reply"}) {
    EXPECT_EQ(
        TemporaryTrees(path_, std::string("INSERT INTO ") + table + "(state) VALUES ('dead')"), 0)
        << table;
    EXPECT_EQ(
        TemporaryTrees(path_, std::string("UPDATE ") + table + " SET state = 'pending' WHERE 0"), 0)
        << table;
  }
}

// A version 6 store kept opt-outs only in the audit trail and in the processed messages:
// they move to the table a purge leaves alone, one row per subscriber, at its first STOP.
TEST_F(StoreOpenTest, AVersion6StoreKeepsItsSubscribersStops) {
  Open();
  auto stop = [](const char* msisdn) {
    return NewAudit{Actor::kSubscriber, msisdn, "subscriber", msisdn, "subscriber.stop", "stop"};
  };
  Effects first;
  first.audit = {stop("254700000001"),
                 stop("254700000002"),
                 {Actor::kSubscriber, "254700000003", "subscriber", "254700000003", "pin.wrong",
                  "not a stop"}};
  ASSERT_TRUE(store().Apply(first).ok());
  const int64_t first_at = clock_->NowMs();
  clock_->Advance(kMinute);
  Effects again;
  again.audit = {stop("254700000001")};
  ASSERT_TRUE(store().Apply(again).ok());
  // A STOP whose audit row was purged: its message's outcome still says so.
  const int64_t mo = AcceptOne(Mo("254700000004", "STOP")).id;
  Effects consumed;
  consumed.consume = ConsumeInbound{mo, "stop", "STOP", std::nullopt, std::nullopt};
  ASSERT_TRUE(store().Apply(consumed).ok());
  Close();
  RawQuery(path_, "DROP TABLE notice_optout");
  DropSchemaVersion14(path_);
  DropSchemaVersion12(path_);
  RawQuery(path_, "PRAGMA user_version = 6");
  Open();
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), std::to_string(kSchemaVersion));
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM notice_optout"), "3");
  EXPECT_EQ(RawQuery(path_, "SELECT stopped_at FROM notice_optout WHERE msisdn = '254700000001'"),
            std::to_string(first_at));
  EXPECT_EQ(RawQuery(path_, "SELECT stopped_at FROM notice_optout WHERE msisdn = '254700000004'"),
            std::to_string(first_at + kMinute));
  for (const char* msisdn : {"254700000001", "254700000002", "254700000004"}) {
    EXPECT_TRUE(store().NoticesStopped(msisdn).value()) << msisdn;
  }
  EXPECT_FALSE(store().NoticesStopped("254700000003").value());
}

// A version 5 store: the state CHECKs of challenge, instruction and reply become
// comparisons; the same states pass and fail.
TEST_F(StoreOpenTest, AVersion5StoreChecksStatesWithoutTemporaryTrees) {
  Open();
  Close();
  DropSchemaVersion14(path_);
  DropSchemaVersion12(path_);
  struct Check {
    const char* table;
    std::string v5;  // as version 1 wrote it
    std::string now;
  };
  const std::vector<Check> checks = {
      {"challenge",
       "CHECK (state IN\n                  (''pending'', ''consumed'', ''expired'', "
       "''exhausted'', ''cancelled''))",
       "CHECK (state = ''pending'' OR state = ''consumed'' OR state = ''expired'' OR state = "
       "''exhausted'' OR state = ''cancelled'')"},
      {"instruction",
       "CHECK (state IN\n                    (''pending'', ''in_flight'', ''done'', "
       "''rejected'', ''dead''))",
       "CHECK (state = ''pending'' OR state = ''in_flight'' OR state = ''done'' OR state = "
       "''rejected'' OR state = ''dead'')"},
      {"reply",
       "CHECK (state IN\n                    (''pending'', ''in_flight'', ''sent'', "
       "''delivered'', ''undeliverable'', ''dead''))",
       "CHECK (state = ''pending'' OR state = ''in_flight'' OR state = ''sent'' OR state = "
       "''delivered'' OR state = ''undeliverable'' OR state = ''dead'')"},
  };
  std::string revert = "PRAGMA writable_schema = ON; ";
  for (const Check& c : checks) {
    revert += "UPDATE sqlite_schema SET sql = replace(sql, '" + c.now + "', '" + c.v5 +
              "') WHERE name = '" + c.table + "'; ";
  }
  revert += "PRAGMA writable_schema = OFF; DROP TABLE notice_optout; PRAGMA user_version = 5;";
  ASSERT_EQ(RawExec(path_, revert), "");
  const std::string update = "UPDATE instruction SET state = 'done' WHERE 0";
  ASSERT_EQ(TemporaryTrees(path_, update), 1) << "the version 5 table, as written then";
  for (const Check& c : checks) {
    ASSERT_EQ(
        TemporaryTrees(path_, std::string("INSERT INTO ") + c.table + "(state) VALUES ('dead')"), 1)
        << c.table << " as version 5 wrote it";
  }

  Open();
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), std::to_string(kSchemaVersion));
  EXPECT_EQ(TemporaryTrees(path_, update), 0);
  for (const Check& c : checks) {
    EXPECT_EQ(
        TemporaryTrees(path_, std::string("INSERT INTO ") + c.table + "(state) VALUES ('dead')"), 0)
        << c.table;
  }
  EXPECT_EQ(RawQuery(path_, "PRAGMA integrity_check"), "ok");
  // The same states pass and an unknown one still fails, on a table that holds rows.
  Effects fx;
  fx.replies.push_back(ReplyTo("254700000001", "hello"));
  auto applied = store().Apply(fx);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(RawExec(path_, "UPDATE reply SET state = 'undeliverable'"), "");
  EXPECT_NE(RawExec(path_, "UPDATE reply SET state = 'lost'"), "") << "an unknown state is refused";
  EXPECT_NE(RawExec(path_,
                    "UPDATE instruction SET state = 'lost' WHERE 1; "
                    "INSERT INTO instruction(id, reference, msisdn, operation, payload, "
                    "payload_hash, state, next_attempt_at, created_at, updated_at) VALUES "
                    "('i', 'r', 'm', 'o', 'p', 'h', 'lost', 0, 0, 0)"),
            "");
  EXPECT_NE(RawExec(path_,
                    "INSERT INTO challenge(msisdn, code_hash, operation, payload, state, "
                    "attempts_left, created_at, expires_at, updated_at) VALUES "
                    "('m', x'00', 'o', 'p', 'lost', 3, 0, 0, 0)"),
            "");
  EXPECT_EQ(RawExec(path_,
                    "INSERT INTO challenge(msisdn, code_hash, operation, payload, state, "
                    "attempts_left, created_at, expires_at, updated_at) VALUES "
                    "('m', x'00', 'o', 'p', 'exhausted', 3, 0, 0, 0)"),
            "");
}

TEST_F(StoreOpenTest, AFailingMigrationLeavesTheOldVersion) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  const std::vector<std::string_view> steps = {"CREATE TABLE a(x);", "CREATE TABLE a(x);"};
  ASSERT_TRUE(Migrate(db, path_, std::span(steps).first(1)).ok());
  auto r = Migrate(db, path_, steps);
  EXPECT_FALSE(r.ok());
  sqlite3_close(db);
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), "1");
}

TEST_F(StoreOpenTest, RefusesANewerSchemaAndLeavesTheFileUntouched) {
  Open();
  Close();
  RawQuery(path_, "PRAGMA user_version = " + std::to_string(kSchemaVersion + 1));
  RawQuery(path_, "PRAGMA wal_checkpoint(TRUNCATE)");
  const std::string before = ReadFile(path_);
  auto s = Store::Open(MakeOptions());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("newer than this smsgw supports"), std::string::npos)
      << s.status().message();
  EXPECT_EQ(ReadFile(path_), before);
  Options admin = MakeOptions();
  admin.mode = OpenMode::kAdmin;
  EXPECT_EQ(Store::Open(admin).status().code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(ReadFile(path_), before);
}

TEST_F(StoreOpenTest, AFileThatIsNotADatabaseIsCorruption) {
  {
    std::ofstream out(path_);
    out << std::string(4096, 'x');
  }
  const std::string before = ReadFile(path_);
  auto s = Store::Open(MakeOptions());
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.status().IsCorruption()) << s.status().ToString();
  EXPECT_NE(s.status().message().find("not an SQLite database"), std::string::npos);
  EXPECT_EQ(ReadFile(path_), before);
}

TEST_F(StoreOpenTest, AnotherApplicationsDatabaseIsRefused) {
  RawQuery(path_, "CREATE TABLE accounts(id)");
  auto s = Store::Open(MakeOptions());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("not an smsgw store"), std::string::npos);
  RawQuery(path_, "PRAGMA application_id = 42");
  EXPECT_EQ(Store::Open(MakeOptions()).status().code(), Status::Code::kFailedPrecondition);
}

TEST_F(StoreOpenTest, AdminModeNeedsAnExistingCurrentStore) {
  Options admin = MakeOptions();
  admin.mode = OpenMode::kAdmin;
  admin.keys = nullptr;
  EXPECT_TRUE(Store::Open(admin).status().IsNotFound());
  EXPECT_FALSE(std::filesystem::exists(path_));
  Open();
  Close();
  Open(admin);
  auto r = store().Accept({});
  EXPECT_EQ(r.status().code(), Status::Code::kFailedPrecondition);
  auto check = store().Check();
  ASSERT_TRUE(check.ok());
  EXPECT_FALSE(check->keys_checked);
}

TEST_F(StoreOpenTest, DaemonRefusesToCreateWhenAskedNotTo) {
  Options o = MakeOptions();
  o.create_if_missing = false;
  EXPECT_TRUE(Store::Open(o).status().IsNotFound());
}

TEST_F(StoreOpenTest, AStoreSealedWithAnotherKeyIsRefusedWithItsKeyId) {
  Open();
  Close();
  Options o = MakeOptions();
  o.keys = TestKeys('z');
  auto s = Store::Open(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(s.status().message().find(keys_->current().id()), std::string::npos)
      << s.status().message();
}

TEST_F(StoreOpenTest, KeyRotationKeepsDedupAndReseals) {
  Open();
  AcceptResult first = AcceptOne(Mo("254700000001", "BAL"));
  Close();
  auto rotated = std::make_shared<KeyRing>(std::move(Key::FromBytes(std::string(32, 'n')).value()));
  rotated->AddOld(std::move(Key::FromBytes(std::string(32, 'k')).value()));
  Options o = MakeOptions();
  o.keys = rotated;
  Open(o);
  AcceptResult again = AcceptOne(Mo("254700000001", "BAL"));
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.id, first.id);
  auto pending = store().PendingInbound(0, 10);
  ASSERT_TRUE(pending.ok()) << pending.status().ToString();
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->at(0).text.view(), "BAL");
  Close();
  // The secret is now sealed under the new key alone.
  o.keys = std::make_shared<KeyRing>(std::move(Key::FromBytes(std::string(32, 'n')).value()));
  Open(o);
}

TEST_F(StoreOpenTest, RejectsBadOptions) {
  Options o = MakeOptions();
  o.keys = nullptr;
  EXPECT_TRUE(Store::Open(o).status().IsInvalidArgument());
  o = MakeOptions();
  o.redelivery_window_ms = 0;
  EXPECT_TRUE(Store::Open(o).status().IsInvalidArgument());
  o = MakeOptions();
  o.instruction_retry.max_attempts = 0;
  EXPECT_TRUE(Store::Open(o).status().IsInvalidArgument());
}

}  // namespace
}  // namespace smsgw::store::testing
