// The store's copy of live USSD dialogues: write, replace, erase, load after a restart,
// expiry, one per MSISDN, atomic with the instruction a dialogue submits, and the migration
// from the schema before it.
#include <gtest/gtest.h>

#include "store/ids.h"
#include "store/schema.h"
#include "tests/support/store_fixture.h"

namespace smsgw::store::testing {
namespace {

constexpr char kSub[] = "254712345678";

UssdSessionWrite Session(std::string key, std::string msisdn, std::string state,
                         int64_t expires_at) {
  UssdSessionWrite w;
  w.key = std::move(key);
  w.msisdn = std::move(msisdn);
  w.connection = "smsc1";
  w.state = std::move(state);
  w.expires_at = expires_at;
  return w;
}

class UssdSessionTest : public StoreTest {
 protected:
  Status Write(UssdSessionWrite w) {
    Effects e;
    e.ussd_session = std::move(w);
    return store().Apply(e).status();
  }
  std::vector<std::string> LiveKeys() {
    auto live = store().LoadUssdSessions(clock_->NowMs());
    EXPECT_TRUE(live.ok()) << live.status().ToString();
    std::vector<std::string> out;
    if (live.ok()) {
      for (const auto& r : *live) out.push_back(r.key + "=" + std::string(r.state.view()));
    }
    return out;
  }
};

TEST_F(UssdSessionTest, WriteReplaceEraseAndReloadAfterARestart) {
  Open();
  const int64_t later = clock_->NowMs() + 3 * kMinute;
  ASSERT_TRUE(Write(Session("k1", kSub, "screen-1", later)).ok());
  clock_->Advance(1000);
  ASSERT_TRUE(Write(Session("k2", "254700000002", "other", later)).ok());
  clock_->Advance(1000);
  ASSERT_TRUE(Write(Session("k1", kSub, "screen-2", later)).ok());  // oldest first: k2, k1
  EXPECT_EQ(LiveKeys(), (std::vector<std::string>{"k2=other", "k1=screen-2"}));
  Close();
  Open();
  auto live = store().LoadUssdSessions(clock_->NowMs());
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live->size(), 2u);
  EXPECT_EQ(live->at(1).msisdn, kSub);
  EXPECT_EQ(live->at(1).connection, "smsc1");
  EXPECT_EQ(live->at(1).expires_at, later);
  UssdSessionWrite erase;
  erase.key = "k1";
  erase.msisdn = kSub;
  erase.erase = true;
  ASSERT_TRUE(Write(erase).ok());
  ASSERT_TRUE(Write(erase).ok());  // erasing what is gone is no error
  EXPECT_EQ(LiveKeys(), (std::vector<std::string>{"k2=other"}));
}

TEST_F(UssdSessionTest, OneLiveDialoguePerMsisdn) {
  Open();
  const int64_t later = clock_->NowMs() + 3 * kMinute;
  ASSERT_TRUE(Write(Session("smsc1/a", kSub, "first", later)).ok());
  ASSERT_TRUE(Write(Session("smsc1/b", kSub, "second", later)).ok());
  EXPECT_EQ(LiveKeys(), (std::vector<std::string>{"smsc1/b=second"}));
}

TEST_F(UssdSessionTest, ExpiredDialoguesAreNotLoadedAndAreDropped) {
  Open();
  ASSERT_TRUE(Write(Session("old", kSub, "s", clock_->NowMs() + kMinute)).ok());
  ASSERT_TRUE(Write(Session("new", "254700000002", "s", clock_->NowMs() + 3 * kMinute)).ok());
  clock_->Advance(2 * kMinute);
  EXPECT_EQ(LiveKeys(), (std::vector<std::string>{"new=s"}));
  auto dropped = store().DropExpiredUssdSessions(clock_->NowMs());
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(*dropped, 1);
  EXPECT_EQ(*store().DropExpiredUssdSessions(clock_->NowMs()), 0);
  AuditQuery q;
  q.msisdn = kSub;
  auto audit = store().Audit(q);
  ASSERT_TRUE(audit.ok());
  bool expired = false;
  for (const auto& a : *audit) expired = expired || a.event == kEventUssdSessionExpired;
  EXPECT_TRUE(expired);
  clock_->Advance(2 * kMinute);
  EXPECT_EQ(*store().DropExpiredUssdSessions(clock_->NowMs()), 1);
  EXPECT_TRUE(LiveKeys().empty());
}

TEST_F(UssdSessionTest, RefusesBadWrites) {
  Open();
  EXPECT_TRUE(Write(Session("", kSub, "s", clock_->NowMs() + kMinute)).IsInvalidArgument());
  EXPECT_TRUE(Write(Session("k", kSub, "s", clock_->NowMs())).IsInvalidArgument());
}

// "Instruction created and dialogue closed" is one commit: when the instruction cannot be
// written, the dialogue stays as it was.
TEST_F(UssdSessionTest, AtomicWithTheInstructionItSubmits) {
  Open();
  ASSERT_TRUE(Write(Session("k1", kSub, "confirm", clock_->NowMs() + 3 * kMinute)).ok());
  auto keys = MintInstructionKeys(clock_->NowMs());
  ASSERT_TRUE(keys.ok());
  Effects submit;
  submit.instructions.push_back({keys->id,
                                 keys->reference,
                                 kSub,
                                 "bill.pay",
                                 "{}",
                                 "pin=1234",
                                 std::nullopt,
                                 std::nullopt,
                                 {}});
  submit.ussd_session = UssdSessionWrite{"k1", kSub, "smsc1", true, "", 0};
  ASSERT_TRUE(store().Apply(submit).ok());
  EXPECT_TRUE(LiveKeys().empty());
  auto ins = store().GetInstruction(keys->id);
  ASSERT_TRUE(ins.ok());
  EXPECT_FALSE(ins->inbound_id);  // no MO behind a USSD instruction

  ASSERT_TRUE(Write(Session("k2", kSub, "confirm", clock_->NowMs() + 3 * kMinute)).ok());
  Effects again = submit;  // the same id: AlreadyExists, nothing written
  again.ussd_session->key = "k2";
  EXPECT_TRUE(store().Apply(again).status().IsAlreadyExists());
  EXPECT_EQ(LiveKeys(), (std::vector<std::string>{"k2=confirm"}));
}

TEST_F(UssdSessionTest, TheStateIsSealedUnderItsKey) {
  Open();
  ASSERT_TRUE(Write(Session("k1", kSub, "pin=271828", clock_->NowMs() + 3 * kMinute)).ok());
  const std::string sealed = RawQuery(path_, "SELECT state_sealed FROM ussd_session");
  EXPECT_EQ(sealed.find("271828"), std::string::npos);
  // A state moved to another row's key does not open: that row is dropped, not served.
  ASSERT_TRUE(Write(Session("k2", "254700000002", "x", clock_->NowMs() + 3 * kMinute)).ok());
  RawQuery(path_,
           "UPDATE ussd_session SET state_sealed = (SELECT state_sealed FROM ussd_session "
           "WHERE key = 'k1') WHERE key = 'k2'");
  EXPECT_EQ(LiveKeys(), (std::vector<std::string>{"k1=pin=271828"}));
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM ussd_session"), "1");
}

// A version 2 store (before USSD sessions) migrates and keeps its data.
TEST_F(UssdSessionTest, AVersion2StoreMigrates) {
  Open();
  AcceptResult first = AcceptOne(Mo(kSub, "BAL"));
  Close();
  // What versions 3 and later added.
  RawQuery(path_, "DROP TABLE ussd_session");
  RawQuery(path_, "DROP INDEX instruction_pending_seq");
  RawQuery(path_, "DROP TABLE notice_optout");
  DropSchemaVersion14(path_);
  DropSchemaVersion12(path_);
  RawQuery(path_, "PRAGMA user_version = 2");
  Open();
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), std::to_string(kSchemaVersion));
  EXPECT_EQ(AcceptOne(Mo(kSub, "BAL")).id, first.id);
  ASSERT_TRUE(Write(Session("k1", kSub, "s", clock_->NowMs() + kMinute)).ok());
  EXPECT_EQ(LiveKeys().size(), 1u);
}

}  // namespace
}  // namespace smsgw::store::testing
