// Failures of the disk and of locking: a failed call must leave nothing half-written, report
// Unavailable (the SMPP layer then answers the SMSC with a temporary error) and leave the
// store usable. And a claim that fails inside a batch's transaction, which takes only itself
// back.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <set>

#include "store/audit.h"
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

  // An engine step that consumes the MO and queues a reply to it.
  static Result<Effects> Consume(const PendingMessage& m) {
    Effects e;
    e.consume = ConsumeInbound{m.id, "help", "HELP", std::nullopt, std::nullopt};
    e.replies.push_back(ReplyTo(m.source, "help text"));
    return e;
  }

  // Makes a claim fail part-way: the audit row of `event` ("reply.claimed" or
  // "instruction.claimed") for `msisdn` is refused, after the claim's UPDATE has marked every
  // due item in flight and written the audit rows of those before it. The disk cannot fail a
  // claim there and leave the transaction going: SQLite writes a transaction's pages at its
  // COMMIT (a savepoint's sub-journal is in memory, temp_store=MEMORY), so a write or sync
  // fault lands on the COMMIT (AFailedCommitHandsOutNoneOfItsClaims); only a transaction
  // larger than the page cache writes earlier, and a failure there loses it whole. A refused
  // statement is what a claim can meet inside a transaction that goes on.
  // A claim's row names its subscriber only through the claimed item (IsFollowUpEvent).
  void RefuseClaims(std::string_view event, const std::string& msisdn) {
    RawQuery(path_, "CREATE TRIGGER refuse_claim BEFORE INSERT ON audit WHEN NEW.event = '" +
                        std::string(event) + "' AND NEW.entity_id IN (SELECT 'mt-' || id FROM " +
                        "reply WHERE destination = '" + msisdn + "' UNION SELECT id FROM " +
                        "instruction WHERE msisdn = '" + msisdn +
                        "') BEGIN SELECT RAISE(ABORT, 'claim refused'); END");
    ASSERT_EQ(RawQuery(path_, "SELECT count(*) FROM sqlite_master WHERE name = 'refuse_claim'"),
              "1");
  }
  void AllowClaims() { RawQuery(path_, "DROP TRIGGER refuse_claim"); }

  std::string AuditCount(std::string_view event) {
    return RawQuery(path_, "SELECT count(*) FROM audit WHERE event = '" + std::string(event) + "'");
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
  auto one = Batch("one", 1000);
  // The commit's WAL frames go out in pieces of at most 124 KiB (wal_write_batching.h); the
  // first piece is written, then the disk fails.
  vfs_->FailWrites(SQLITE_IOERR_WRITE, 1);
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

// A claim along that fails inside the batch's transaction is rolled back to its savepoint
// (store_impl.h, ClaimAlong): the steps commit, the other kind's claim stands, Claims::complete
// is false, and what the failed claim had marked is pending again, for the next claim to hand
// out as a first attempt.
TEST_F(FaultTest, AFailedClaimAlongLeavesItsItemsForTheNextClaim) {
  auto keys = MintInstructionKeys(clock_->NowMs());
  ASSERT_TRUE(keys.ok());
  Effects waiting;  // due before the batch
  waiting.instructions.push_back(Transfer(*keys));
  waiting.replies.push_back(ReplyTo("254700000010", "waiting"));
  ASSERT_TRUE(store().Apply(waiting).ok());
  auto one = Batch("one", 3);
  // The last reply claimed: the waiting one and two of the batch's are marked before it.
  RefuseClaims(kEventReplyClaimed, one.back().source);
  auto r = store().AcceptAndStep(one, &FaultTest::Consume, ClaimsAlong{10, 10});
  AllowClaims();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->steps.size(), 3u);
  for (const auto& s : r->steps) EXPECT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_FALSE(r->claimed.complete);
  EXPECT_TRUE(r->claimed.replies.empty());
  ASSERT_EQ(r->claimed.instructions.size(), 1u);
  EXPECT_EQ(r->claimed.instructions[0].id, keys->id);

  ExpectEachOnce({});  // every MO processed: the steps committed
  auto replies = store().ClaimReplies(100);
  ASSERT_TRUE(replies.ok()) << replies.status().ToString();
  ASSERT_EQ(replies->size(), 4u);
  for (const ClaimedReply& c : *replies) EXPECT_EQ(c.attempt, 1) << c.destination;
  EXPECT_EQ(replies->at(0).text.view(), "waiting");
  EXPECT_EQ(AuditCount(kEventReplyClaimed), "4") << "the failed claim's audit rows stayed";
  // The instruction claimed along was committed with the steps: not handed out again.
  auto instructions = store().ClaimInstructions(10);
  ASSERT_TRUE(instructions.ok());
  EXPECT_TRUE(instructions->empty());
  Close();
  SetUp();
  auto instruction = store().GetInstruction(keys->id);
  ASSERT_TRUE(instruction.ok());
  EXPECT_EQ(instruction->attempts, 1);
}

// The same after ApplySteps, the instructions' claim failing: the replies' claim after it
// still runs, and the instructions the steps made wait for the next claim.
TEST_F(FaultTest, AFailedClaimAlongLeavesTheStepsBeforeItCommitted) {
  auto one = Batch("one", 2);
  ASSERT_TRUE(store().Accept(one).ok());
  auto pending = store().PendingInbound(0, 10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 2u);
  std::vector<std::string> ids;
  auto forward = [&](size_t i) -> Result<Effects> {
    auto keys = MintInstructionKeys(clock_->NowMs());
    if (!keys.ok()) return keys.status();
    ids.push_back(keys->id);
    Result<Effects> e = Consume((*pending)[i]);
    NewInstruction ins = Transfer(*keys);
    ins.msisdn = (*pending)[i].source;
    e->instructions.push_back(ins);
    return e;
  };
  RefuseClaims(kEventInstructionClaimed, one.back().source);
  Claims claimed;
  auto results = store().ApplySteps(2, forward, {.along = {10, 10}, .claimed = &claimed});
  AllowClaims();
  ASSERT_EQ(results.size(), 2u);
  for (const auto& s : results) EXPECT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_FALSE(claimed.complete);
  EXPECT_TRUE(claimed.instructions.empty());
  EXPECT_EQ(claimed.replies.size(), 2u);

  ExpectEachOnce({});
  ASSERT_EQ(ids.size(), 2u);
  auto instructions = store().ClaimInstructions(10);
  ASSERT_TRUE(instructions.ok()) << instructions.status().ToString();
  ASSERT_EQ(instructions->size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(instructions->at(i).id, ids[i]);
    EXPECT_EQ(instructions->at(i).attempt, 1);
  }
  EXPECT_EQ(AuditCount(kEventInstructionClaimed), "2") << "the failed claim's audit rows stayed";
  auto replies = store().ClaimReplies(10);
  ASSERT_TRUE(replies.ok());
  EXPECT_TRUE(replies->empty()) << "the replies claimed along were handed out again";
}

// What the core does when AcceptAndStep fails (core.cpp, AcceptMessages): it stores the same
// batch alone at once, for ProcessInbound to step. One write error in the commit loses
// AcceptAndStep's whole transaction and nothing else: the store does not take the lost batch
// for a duplicate, and none of its steps' replies is left.
TEST_F(FaultTest, AfterAFailedAcceptAndStepTheBatchIsStoredAloneAndNew) {
  auto one = Batch("one", 20);
  const int failures_before = vfs_->failures();
  vfs_->FailWrites(SQLITE_IOERR_WRITE, /*after=*/0, /*count=*/1);
  auto r = store().AcceptAndStep(one, &FaultTest::Consume, ClaimsAlong{10, 10});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsUnavailable()) << r.status().ToString();
  EXPECT_EQ(vfs_->failures(), failures_before + 1);
  auto stored = store().Accept(one);  // no Clear(): the fault has passed
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  ASSERT_EQ(stored->size(), one.size());
  for (const AcceptResult& a : *stored) EXPECT_FALSE(a.duplicate);
  ExpectEachOnce({one});
  auto replies = store().ClaimReplies(100);
  ASSERT_TRUE(replies.ok());
  EXPECT_TRUE(replies->empty());
  Close();
  SetUp();
  ExpectEachOnce({one});
}

// Riders (send results, answer steps) share their host's fate: a lost transaction writes
// none of them, and they can be recorded afterwards as if nothing had happened.
TEST_F(FaultTest, ALostTransactionWritesNoneOfItsRiders) {
  auto keys = MintInstructionKeys(clock_->NowMs());
  ASSERT_TRUE(keys.ok());
  const NewInstruction ins = Transfer(*keys);
  Effects earlier;
  earlier.instructions.push_back(ins);
  earlier.replies.push_back(ReplyTo("254700000010", "earlier"));
  ASSERT_TRUE(store().Apply(earlier).ok());
  ASSERT_EQ(store().ClaimInstructions(10)->size(), 1u);
  auto replies = store().ClaimReplies(10);
  ASSERT_TRUE(replies.ok());
  ASSERT_EQ(replies->size(), 1u);
  const std::vector<ReplyResult> results = {
      {replies->at(0).id, ReplyResult::Kind::kSent, "m-1", "", "smsc1"}};
  auto answer = [&](size_t) -> Result<Effects> {
    Effects e;
    e.outcomes.push_back({ins.id, InstructionOutcome::Kind::kDone, "ok"});
    e.replies.push_back(ReplyTo(ins.msisdn, "done"));
    return e;
  };
  auto consume = [&](const PendingMessage& m) -> Result<Effects> {
    Effects e;
    e.consume = ConsumeInbound{m.id, "help", "HELP", std::nullopt, std::nullopt};
    return e;
  };
  auto one = Batch("one", 2);

  vfs_->FailSyncs(SQLITE_IOERR_FSYNC, 0, 1);
  auto lost = store().AcceptAndStep(
      one, consume, {}, Riders{.reply_results = results, .step_count = 1, .step = answer});
  ASSERT_FALSE(lost.ok());
  EXPECT_TRUE(lost.status().IsUnavailable()) << lost.status().ToString();
  auto st = store().Stats();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->replies["in_flight"], 1);
  EXPECT_EQ(st->replies["sent"], 0);
  EXPECT_EQ(st->replies["pending"], 0);
  EXPECT_EQ(st->instructions["in_flight"], 1);
  EXPECT_FALSE(store().RecordReceipt("smsc1", "m-1", true, "DELIVRD").ok());

  // With the disk back, the same riders in the next transaction: recorded once.
  Status recorded = Status::Internal("not reported");
  auto applied =
      store().ApplySteps(1, answer, {.reply_results = results, .reply_results_status = &recorded});
  ASSERT_TRUE(applied[0].ok()) << applied[0].status().ToString();
  EXPECT_TRUE(recorded.ok()) << recorded.ToString();
  st = store().Stats();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->replies["sent"], 1);
  EXPECT_EQ(st->replies["pending"], 1);
  EXPECT_EQ(st->instructions["done"], 1);
  EXPECT_TRUE(store().RecordReceipt("smsc1", "m-1", true, "DELIVRD").ok());
  ExpectEachOnce({});  // nothing of the lost batch was stored
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
      {applied->reply_ids.at(0), ReplyResult::Kind::kSent, "smsc-1", "", "smsc1"},
      {applied->reply_ids.at(1), ReplyResult::Kind::kSent, "smsc-2", "", "smsc1"}};
  ASSERT_TRUE(store().RecordReplyResults(sent).ok());
  const std::vector<ReceiptRecord> receipts = {{"smsc1", "smsc-1", true, "DELIVRD"},
                                               {"smsc1", "smsc-2", true, "DELIVRD"}};
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
