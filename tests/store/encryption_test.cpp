// Encryption at rest seen through the store: what goes in sealed comes out equal, and a
// sealed value that was changed, moved to another row or sealed under another key is refused.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/ids.h"
#include "tests/support/store_fixture.h"

namespace smsgw::store::testing {
namespace {

class EncryptionTest : public StoreTest {
 protected:
  void SetUp() override { Open(); }

  void Sql(const std::string& statement) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &err), SQLITE_OK)
        << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }

  std::string Column(const std::string& query) {
    sqlite3* db = nullptr;
    sqlite3_open(path_.c_str(), &db);
    sqlite3_stmt* st = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db, query.c_str(), -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }

  // Flips one hex digit in the middle of a sealed column.
  void Tamper(const std::string& table, const std::string& column, const std::string& where) {
    std::string v = Column("SELECT " + column + " FROM " + table + " WHERE " + where);
    ASSERT_GT(v.size(), 40u);
    v[v.size() / 2] = v[v.size() / 2] == '0' ? '1' : '0';
    Sql("UPDATE " + table + " SET " + column + " = '" + v + "' WHERE " + where);
  }

  std::string AddInstruction(const std::string& secret) {
    auto keys = MintInstructionKeys(clock_->NowMs());
    Effects e;
    e.instructions.push_back({keys->id,
                              keys->reference,
                              "254700000001",
                              "transfer",
                              "{}",
                              secret,
                              std::nullopt,
                              std::nullopt,
                              {}});
    EXPECT_TRUE(store().Apply(e).ok());
    clock_->Advance(1);
    return keys->id;
  }
};

TEST_F(EncryptionTest, InboundTextRoundTripsAndIsSealedOnDisk) {
  const std::string text = "PAY KPLC 31415926535 1500 \xE2\x82\xAC";
  AcceptOne(Mo("254700000001", text));
  auto pending = store().PendingInbound(0, 10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->at(0).text.view(), text);
  std::string raw = Column("SELECT raw_sealed FROM inbound");
  EXPECT_EQ(raw.rfind("v1:" + keys_->current().id() + ":", 0), 0u) << raw;
  EXPECT_EQ(raw.find("31415926535"), std::string::npos);
}

TEST_F(EncryptionTest, AChangedInboundTextIsCorruption) {
  AcceptOne(Mo("254700000001", "PAY KPLC 31415926535 1500"));
  Tamper("inbound", "raw_sealed", "id = 1");
  auto pending = store().PendingInbound(0, 10);
  ASSERT_FALSE(pending.ok());
  EXPECT_TRUE(pending.status().IsCorruption()) << pending.status().ToString();
  EXPECT_EQ(pending.status().message().find("31415926535"), std::string::npos);
}

TEST_F(EncryptionTest, ASealedTextMovedToAnotherRowIsCorruption) {
  AcceptOne(Mo("254700000001", "first"));
  AcceptOne(Mo("254700000001", "second"));
  Sql("UPDATE inbound SET raw_sealed = (SELECT raw_sealed FROM inbound WHERE id = 1) "
      "WHERE id = 2");
  auto pending = store().PendingInbound(1, 10);
  ASSERT_FALSE(pending.ok());
  EXPECT_TRUE(pending.status().IsCorruption());
}

TEST_F(EncryptionTest, ATamperedInstructionSecretGoesDeadWithoutBlockingTheQueue) {
  std::string bad = AddInstruction("pin=1234");
  std::string good = AddInstruction("pin=5678");
  Tamper("instruction", "secret_sealed", "id = '" + bad + "'");
  auto claimed = store().ClaimInstructions(10);
  ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ(claimed->at(0).id, good);
  EXPECT_EQ(claimed->at(0).secret.view(), "pin=5678");
  auto dead = store().GetInstruction(bad);
  ASSERT_TRUE(dead.ok());
  EXPECT_EQ(dead->state, InstructionState::kDead);
  ASSERT_TRUE(dead->last_error.has_value());
  EXPECT_NE(dead->last_error->find("failed authentication"), std::string::npos)
      << *dead->last_error;
}

TEST_F(EncryptionTest, ATamperedReplyTextGoesDead) {
  Effects e;
  NewReply r;
  r.destination = "254700000001";
  r.source = "4040";
  r.text = "Your balance is 1200";
  e.replies.push_back(r);
  ASSERT_TRUE(store().Apply(e).ok());
  Tamper("reply", "text_sealed", "id = 1");
  auto claimed = store().ClaimReplies(10);
  ASSERT_TRUE(claimed.ok());
  EXPECT_TRUE(claimed->empty());
  OutboxFilter f;
  f.state = "dead";
  EXPECT_EQ(store().ListOutbox(f)->size(), 1u);
}

TEST_F(EncryptionTest, ATamperedChallengeSecretIsCorruption) {
  Effects e;
  e.challenges.push_back({"254700000001",
                          "4821",
                          "bill.pay",
                          "{}",
                          "account=998877",
                          std::nullopt,
                          clock_->NowMs() + kMinute,
                          3,
                          {}});
  ASSERT_TRUE(store().Apply(e).ok());
  Tamper("challenge", "secret_sealed", "id = 1");
  EXPECT_TRUE(store().FindChallenge("254700000001", "4821").status().IsCorruption());
}

TEST_F(EncryptionTest, ATamperedStoreSecretRefusesToOpen) {
  Close();
  Tamper("meta", "value", "name = 'secret'");
  auto s = Store::Open(MakeOptions());
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.status().IsCorruption()) << s.status().ToString();
}

TEST_F(EncryptionTest, ChallengeCodesAreStoredOnlyAsKeyedHashes) {
  Effects e;
  e.challenges.push_back({"254700000001",
                          "48213",
                          "bill.pay",
                          "{}",
                          "",
                          std::nullopt,
                          clock_->NowMs() + kMinute,
                          3,
                          {}});
  ASSERT_TRUE(store().Apply(e).ok());
  EXPECT_EQ(Column("SELECT length(code_hash) FROM challenge"), "32");
  EXPECT_EQ(Column("SELECT count(*) FROM challenge WHERE instr(code_hash, '48213') > 0"), "0");
}

}  // namespace
}  // namespace smsgw::store::testing
