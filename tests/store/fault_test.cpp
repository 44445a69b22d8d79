// Failures of the disk and of locking: a failed call must leave nothing half-written, report
// Unavailable (the SMPP layer then answers the SMSC with a temporary error) and leave the
// store usable.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <set>

#include "tests/support/fault_vfs.h"
#include "tests/support/store_fixture.h"

namespace smsgw::store::testing {
namespace {

class FaultTest : public StoreTest {
 protected:
  void SetUp() override {
    vfs_ = &FaultVfs::Get();
    Options o = MakeOptions();
    o.vfs = FaultVfs::kName;
    o.busy_timeout_ms = 50;
    Open(o);
  }
  void TearDown() override { vfs_->Clear(); }

  std::vector<InboundMessage> Batch(const std::string& tag, int n) {
    std::vector<InboundMessage> batch;
    for (int i = 0; i < n; ++i) {
      batch.push_back(Mo("2547000000" + std::to_string(10 + i), tag + " " + std::to_string(i)));
    }
    return batch;
  }

  // Texts of all messages still new, opened.
  std::multiset<std::string> StoredTexts() {
    std::multiset<std::string> out;
    auto pending = store().PendingInbound(0, 1000);
    EXPECT_TRUE(pending.ok()) << pending.status().ToString();
    if (pending.ok()) {
      for (const auto& p : *pending) out.insert(std::string(p.text.view()));
    }
    return out;
  }

  void ExpectEachOnce(const std::vector<std::vector<InboundMessage>>& batches) {
    std::multiset<std::string> texts = StoredTexts();
    std::size_t total = 0;
    for (const auto& b : batches) {
      for (const auto& m : b) EXPECT_EQ(texts.count(m.text), 1u) << m.text;
      total += b.size();
    }
    EXPECT_EQ(texts.size(), total);
    auto check = store().Check();
    ASSERT_TRUE(check.ok());
    EXPECT_TRUE(check->problems.empty());
  }

  FaultVfs* vfs_ = nullptr;
};

TEST_F(FaultTest, DiskFullDuringAcceptStoresNothing) {
  auto one = Batch("one", 20), two = Batch("two", 20);
  ASSERT_TRUE(store().Accept(one).ok());
  vfs_->FailWrites(SQLITE_FULL);
  auto r = store().Accept(two);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsUnavailable()) << r.status().ToString();
  EXPECT_GT(vfs_->failures(), 0);
  vfs_->Clear();
  ExpectEachOnce({one});
  // The SMSC redelivers: the batch is new, not a duplicate of what was never stored.
  auto again = store().Accept(two);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  for (const auto& a : *again) EXPECT_FALSE(a.duplicate);
  ExpectEachOnce({one, two});
  Close();
  SetUp();
  ExpectEachOnce({one, two});
}

TEST_F(FaultTest, WriteErrorPartWayThroughACommitStoresNothing) {
  auto one = Batch("one", 200);
  vfs_->FailWrites(SQLITE_IOERR_WRITE, 3);  // a few WAL frames get written, then the disk fails
  auto r = store().Accept(one);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsUnavailable()) << r.status().ToString();
  vfs_->Clear();
  ExpectEachOnce({});
  Close();
  SetUp();
  ExpectEachOnce({});
  ASSERT_TRUE(store().Accept(one).ok());
  ExpectEachOnce({one});
}

TEST_F(FaultTest, FailedFsyncAtCommitIsUnavailableAndTheRedeliveryIsStoredOnce) {
  auto one = Batch("one", 20), two = Batch("two", 20);
  ASSERT_TRUE(store().Accept(one).ok());
  vfs_->FailSyncs(SQLITE_IOERR_FSYNC);
  auto r = store().Accept(two);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsUnavailable()) << r.status().ToString();
  vfs_->Clear();
  auto again = store().Accept(two);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ExpectEachOnce({one, two});
  Close();
  SetUp();
  ExpectEachOnce({one, two});
}

TEST_F(FaultTest, ALockedDatabaseIsUnavailableUntilReleased) {
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto one = Batch("one", 5);
  auto r = store().Accept(one);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsUnavailable()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("locked"), std::string::npos) << r.status().message();
  Effects e;
  e.audit.push_back({Actor::kSystem, std::nullopt, "test", "1", "x", ""});
  EXPECT_TRUE(store().Apply(e).status().IsUnavailable());
  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  ASSERT_TRUE(store().Accept(one).ok());
  ExpectEachOnce({one});
}

TEST_F(FaultTest, DiskFullDuringApplyLeavesTheMessageNew) {
  auto one = Batch("one", 1);
  auto accepted = store().Accept(one);
  ASSERT_TRUE(accepted.ok());
  Effects e;
  e.consume = ConsumeInbound{(*accepted)[0].id, "usage", "one 0", std::nullopt, "ONE"};
  NewReply reply;
  reply.destination = one[0].source;
  reply.source = "4040";
  reply.text = "Usage: ...";
  e.replies.push_back(reply);
  vfs_->FailWrites(SQLITE_FULL);
  EXPECT_TRUE(store().Apply(e).status().IsUnavailable());
  vfs_->Clear();
  ExpectEachOnce({one});
  auto resend = store().FindResend(one[0].source, "ONE", clock_->NowMs());
  ASSERT_TRUE(resend.ok());
  EXPECT_FALSE(resend->has_value());
  ASSERT_TRUE(store().Apply(e).ok());
  EXPECT_TRUE(StoredTexts().empty());
}

}  // namespace
}  // namespace smsgw::store::testing
