// Failures of the disk and of locking: a failed call must leave nothing half-written, report
// Unavailable (the SMPP layer then answers the SMSC with a temporary error) and leave the
// store usable.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <set>

#include "store/ids.h"
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

  static NewInstruction Transfer(const InstructionKeys& keys) {
    NewInstruction i;
    i.id = keys.id;
    i.reference = keys.reference;
    i.msisdn = "254700000010";
    i.operation = "transfer";
    i.payload = R"({"to":"254711","amount":500})";
    i.secret = "pin=1234";
    return i;
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

TEST_F(FaultTest, FailedFsyncInAcceptAndStepStoresAndProcessesNothing) {
  auto one = Batch("one", 20);
  vfs_->FailSyncs(SQLITE_IOERR_FSYNC);
  int stepped = 0;
  auto consume = [&](const PendingMessage& m) -> Result<Effects> {
    ++stepped;
    Effects e;
    e.consume = ConsumeInbound{m.id, "help", "HELP", std::nullopt, std::nullopt};
    e.replies.push_back(ReplyTo(m.source, "help text"));
    return e;
  };
  auto r = store().AcceptAndStep(one, consume);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsUnavailable()) << r.status().ToString();
  EXPECT_EQ(stepped, 20);
  vfs_->Clear();
  auto replies = store().ClaimReplies(100);
  ASSERT_TRUE(replies.ok());
  EXPECT_TRUE(replies->empty());
  // Memory did not learn the lost batch: the redelivery is new, stored once and processed.
  auto again = store().AcceptAndStep(one, consume);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  for (const AcceptResult& a : again->accepted) EXPECT_FALSE(a.duplicate);
  ExpectEachOnce({});  // none left new: each was processed
  replies = store().ClaimReplies(100);
  ASSERT_TRUE(replies.ok());
  EXPECT_EQ(replies->size(), 20u);
}

TEST_F(FaultTest, AFailedCommitHandsOutNoneOfItsClaims) {
  {
    Effects waiting;  // a reply due before the batch
    waiting.replies.push_back(ReplyTo("254700000010", "waiting"));
    ASSERT_TRUE(store().Apply(waiting).ok());
  }
  auto one = Batch("one", 3);
  auto consume = [&](const PendingMessage& m) -> Result<Effects> {
    Effects e;
    e.consume = ConsumeInbound{m.id, "help", "HELP", std::nullopt, std::nullopt};
    e.replies.push_back(ReplyTo(m.source, "help text"));
    return e;
  };
  vfs_->FailSyncs(SQLITE_IOERR_FSYNC);
  auto r = store().AcceptAndStep(one, consume, ClaimsAlong{10, 10});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsUnavailable()) << r.status().ToString();

  auto stored = store().Accept(one);  // fails too: nothing to step for ApplySteps yet
  EXPECT_FALSE(stored.ok());
  vfs_->Clear();
  ASSERT_TRUE(store().Accept(one).ok());
  auto pending = store().PendingInbound(0, 10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 3u);
  vfs_->FailSyncs(SQLITE_IOERR_FSYNC);
  Claims claimed;
  auto results =
      store().ApplySteps(pending->size(), [&](size_t i) { return consume((*pending)[i]); },
                         {.along = {10, 10}, .claimed = &claimed});
  for (const auto& s : results) EXPECT_TRUE(s.status().IsUnavailable()) << s.status().ToString();
  EXPECT_TRUE(claimed.replies.empty());
  EXPECT_TRUE(claimed.instructions.empty());
  vfs_->Clear();

  // Nothing of the lost transactions stayed: the waiting reply is claimed for the first time.
  auto replies = store().ClaimReplies(100);
  ASSERT_TRUE(replies.ok());
  ASSERT_EQ(replies->size(), 1u);
  EXPECT_EQ(replies->at(0).text.view(), "waiting");
  EXPECT_EQ(replies->at(0).attempt, 1);
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

// Claims and send results wait for no fsync of their own (store.h, Outbox): with every sync
// failing they still commit, while a durable step fails; and what they recorded is there
// after the store is opened again once a durable commit followed.
TEST_F(FaultTest, ClaimsAndSendResultsCommitWithoutAnFsyncOfTheirOwn) {
  auto keys = MintInstructionKeys(clock_->NowMs());
  ASSERT_TRUE(keys.ok());
  Effects made;
  made.instructions.push_back(Transfer(*keys));
  NewReply reply;
  reply.destination = "254700000010";
  reply.source = "4040";
  reply.text = "Hello";
  made.replies.push_back(reply);
  auto applied = store().Apply(made);
  ASSERT_TRUE(applied.ok());
  const int64_t reply_id = applied->reply_ids.at(0);

  const int failures_before = vfs_->failures();
  vfs_->FailSyncs(SQLITE_IOERR_FSYNC);
  auto claimed = store().ClaimInstructions(10);
  ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
  ASSERT_EQ(claimed->size(), 1u);
  auto replies = store().ClaimReplies(10);
  ASSERT_TRUE(replies.ok()) << replies.status().ToString();
  ASSERT_EQ(replies->size(), 1u);
  ReplyResult sent{reply_id, ReplyResult::Kind::kSent, "SMSC-1", ""};
  ASSERT_TRUE(store().RecordReplyResults(std::span(&sent, 1)).ok());
  EXPECT_EQ(vfs_->failures(), failures_before);
  // A durable commit does sync, and fails with it.
  auto batch = Batch("after", 1);
  EXPECT_TRUE(store().Accept(batch).status().IsUnavailable());
  EXPECT_GT(vfs_->failures(), failures_before);
  vfs_->Clear();

  ASSERT_TRUE(store().Accept(batch).ok());
  Close();
  SetUp();
  auto instruction = store().GetInstruction(keys->id);
  ASSERT_TRUE(instruction.ok());
  EXPECT_EQ(instruction->attempts, 1);
  // Nothing left to send: the reply's send result survived.
  auto again = store().ClaimReplies(10);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
}

// The backend's answers are applied lazily (StepOptions::lazy): a power cut before the next
// durable commit puts the instruction back to pending, and the backend answers it again.
TEST_F(FaultTest, LazyStepsCommitWithoutAnFsyncOfTheirOwn) {
  auto keys = MintInstructionKeys(clock_->NowMs());
  ASSERT_TRUE(keys.ok());
  Effects made;
  made.instructions.push_back(Transfer(*keys));
  ASSERT_TRUE(store().Apply(made).ok());
  ASSERT_EQ(store().ClaimInstructions(10)->size(), 1u);
  auto answer = [&](size_t) -> Result<Effects> {
    Effects e;
    e.outcomes.push_back({keys->id, InstructionOutcome::Kind::kDone, "done"});
    e.replies.push_back(ReplyTo("254700000010", "Sent 500"));
    e.actor = Actor::kBackend;
    return e;
  };

  const int failures_before = vfs_->failures();
  vfs_->FailSyncs(SQLITE_IOERR_FSYNC);
  auto durable = store().ApplySteps(1, answer);
  EXPECT_TRUE(durable.at(0).status().IsUnavailable()) << durable.at(0).status().ToString();
  EXPECT_GT(vfs_->failures(), failures_before);
  const int failures_durable = vfs_->failures();
  StepOptions lazily;
  lazily.lazy = true;
  auto lazy = store().ApplySteps(1, answer, lazily);
  ASSERT_TRUE(lazy.at(0).ok()) << lazy.at(0).status().ToString();
  EXPECT_EQ(vfs_->failures(), failures_durable);
  vfs_->Clear();

  auto batch = Batch("after", 1);
  ASSERT_TRUE(store().Accept(batch).ok());  // durable: carries the lazy commit with it
  Close();
  SetUp();
  auto instruction = store().GetInstruction(keys->id);
  ASSERT_TRUE(instruction.ok());
  EXPECT_EQ(instruction->state, InstructionState::kDone);
  auto replies = store().ClaimReplies(10);
  ASSERT_TRUE(replies.ok());
  ASSERT_EQ(replies->size(), 1u);
  EXPECT_EQ(replies->at(0).text.view(), "Sent 500");
}

// Receipts are acknowledged only once recorded: when their commit fails, none is recorded and
// the core answers them all "retry later".
TEST_F(FaultTest, AFailedCommitRecordsNoneOfTheReceipts) {
  NewReply reply;
  reply.destination = "254700000010";
  reply.source = "4040";
  reply.text = "Hello";
  Effects e;
  e.replies.push_back(reply);
  e.replies.push_back(reply);
  auto applied = store().Apply(e);
  ASSERT_TRUE(applied.ok());
  ASSERT_EQ(store().ClaimReplies(10)->size(), 2u);
  std::vector<ReplyResult> sent = {
      {applied->reply_ids.at(0), ReplyResult::Kind::kSent, "smsc-1", ""},
      {applied->reply_ids.at(1), ReplyResult::Kind::kSent, "smsc-2", ""}};
  ASSERT_TRUE(store().RecordReplyResults(sent).ok());
  const std::vector<ReceiptRecord> receipts = {{"smsc-1", true, "DELIVRD"},
                                               {"smsc-2", true, "DELIVRD"}};
  vfs_->FailSyncs(SQLITE_IOERR_FSYNC);
  EXPECT_FALSE(store().RecordReceipts(receipts).ok());
  vfs_->Clear();
  Close();
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM reply WHERE state = 'sent'"), "2");
  SetUp();
  auto again = store().RecordReceipts(receipts);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)[0], std::optional<int64_t>(applied->reply_ids.at(0)));
  EXPECT_EQ((*again)[1], std::optional<int64_t>(applied->reply_ids.at(1)));
  Close();
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM reply WHERE state = 'delivered'"), "2");
  SetUp();
}

}  // namespace
}  // namespace smsgw::store::testing
