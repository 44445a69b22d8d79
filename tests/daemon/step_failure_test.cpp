// The core's poison rule meets the store's real failures: what a full disk, a failing write or
// fsync, or a locked database make of an engine step (Store::ApplySteps through the fault VFS)
// is a failure a retry may cure, so the core keeps the MO and tries again; a step the engine
// or the data refuses is not, so a poison message is still given up.
#include "gateway/daemon/step_failure.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "tests/support/fault_vfs.h"
#include "tests/support/store_fixture.h"

namespace smsgw::gateway {
namespace {

using store::testing::FaultVfs;

class StepFailureTest : public store::testing::StoreTest {
 protected:
  void SetUp() override {
    FaultVfs::Get();  // registers the VFS with SQLite before the store names it
    store::Options o = MakeOptions();
    o.vfs = FaultVfs::kName;
    o.busy_timeout_ms = 50;
    Open(o);
    id_ = AcceptOne(store::testing::Mo("254700000010", "BAL")).id;
  }
  void TearDown() override { FaultVfs::Get().Clear(); }

  // One engine step that consumes the stored MO and queues a reply, as ProcessInbound runs it.
  Status Step() {
    auto results = store().ApplySteps(1, [this](size_t) -> Result<store::Effects> {
      store::Effects fx;
      fx.consume = store::ConsumeInbound{id_, "usage", "BAL", std::nullopt, std::nullopt};
      store::NewReply reply;
      reply.destination = "254700000010";
      reply.source = "4040";
      reply.text = "Usage: BAL";
      fx.replies.push_back(reply);
      return fx;
    });
    return results.at(0).status();
  }

  bool StillNew() {
    auto pending = store().PendingInbound(0, 10);
    return pending.ok() && pending->size() == 1 && (*pending)[0].id == id_;
  }

  int64_t id_ = 0;
};

TEST_F(StepFailureTest, AFullDiskIsRetriedUntilItPasses) {
  FaultVfs::Get().FailWrites(SQLITE_FULL);
  for (int pass = 0; pass < 5; ++pass) {  // more passes than the poison rule's three
    Status s = Step();
    ASSERT_FALSE(s.ok()) << pass;
    EXPECT_TRUE(RetryMayCure(s)) << s.ToString();
    EXPECT_TRUE(StillNew());
  }
  FaultVfs::Get().Clear();
  EXPECT_TRUE(Step().ok());
  EXPECT_FALSE(StillNew());
}

TEST_F(StepFailureTest, WriteAndSyncErrorsMayBeCured) {
  FaultVfs::Get().FailWrites(SQLITE_IOERR_WRITE);
  Status write = Step();
  FaultVfs::Get().Clear();
  FaultVfs::Get().FailSyncs(SQLITE_IOERR_FSYNC);
  Status sync = Step();
  FaultVfs::Get().Clear();
  ASSERT_FALSE(write.ok());
  ASSERT_FALSE(sync.ok());
  EXPECT_TRUE(RetryMayCure(write)) << write.ToString();
  EXPECT_TRUE(RetryMayCure(sync)) << sync.ToString();
  EXPECT_TRUE(StillNew());
  EXPECT_TRUE(Step().ok());
}

TEST_F(StepFailureTest, ALockedStoreMayBeCured) {
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  Status locked = Step();
  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  ASSERT_FALSE(locked.ok());
  EXPECT_TRUE(RetryMayCure(locked)) << locked.ToString();
  EXPECT_TRUE(Step().ok());
}

// What the engine or the data refuses fails the same way every time: given up after three.
TEST(RetryMayCure, RefusalsOfTheStepItselfAreNot) {
  EXPECT_FALSE(RetryMayCure(Status::InvalidArgument("template")));
  EXPECT_FALSE(RetryMayCure(Status::Internal("engine")));
  EXPECT_FALSE(RetryMayCure(Status::Corruption("row")));
  EXPECT_FALSE(RetryMayCure(Status::AlreadyExists("reference")));
  EXPECT_FALSE(RetryMayCure(Status::FailedPrecondition("state")));
  EXPECT_FALSE(RetryMayCure(Status::NotFound("challenge")));
  EXPECT_TRUE(RetryMayCure(Status::Unavailable("database or disk is full")));
  EXPECT_TRUE(RetryMayCure(Status::IOError("unable to open a temporary file")));
}

}  // namespace
}  // namespace smsgw::gateway
