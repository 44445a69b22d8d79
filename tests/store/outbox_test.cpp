#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <iterator>

#include "store/ids.h"
#include "store/retry.h"
#include "tests/support/store_fixture.h"

namespace smsgw::store::testing {
namespace {

constexpr char kMsisdn[] = "254700000001";

class OutboxTest : public StoreTest {
 protected:
  void SetUp() override {
    Options o = MakeOptions();
    o.instruction_retry = {1'000, 8'000, 3};
    o.reply_retry = {500, 4'000, 2};
    Open(o);
  }

  std::string AddInstruction(const std::string& secret = "pin=1234") {
    auto keys = MintInstructionKeys(clock_->NowMs());
    EXPECT_TRUE(keys.ok());
    Effects e;
    e.instructions.push_back({keys->id,
                              keys->reference,
                              kMsisdn,
                              "transfer",
                              R"({"to":"254711","amount":500})",
                              secret,
                              std::nullopt,
                              std::nullopt,
                              {}});
    EXPECT_TRUE(store().Apply(e).ok());
    return keys->id;
  }

  int64_t AddReply(const std::string& text, std::optional<std::string> connection = std::nullopt) {
    Effects e;
    NewReply r;
    r.connection = std::move(connection);
    r.destination = kMsisdn;
    r.source = "4040";
    r.text = text;
    r.reference = "REF";
    e.replies.push_back(r);
    auto a = store().Apply(e);
    EXPECT_TRUE(a.ok());
    return a.ok() ? a->reply_ids.at(0) : 0;
  }

  Status Outcome(const std::string& id, InstructionOutcome::Kind kind,
                 const std::string& detail = "") {
    Effects e;
    e.outcomes.push_back({id, kind, detail});
    return store().Apply(e).status();
  }

  // `connection`: the one it went out on (kSent).
  Status ReplyOutcome(int64_t id, ReplyResult::Kind kind, const std::string& smsc_id = "",
                      const std::string& error = "", const std::string& connection = "smsc1") {
    ReplyResult r{id, kind, smsc_id, error, connection};
    return store().RecordReplyResults(std::span(&r, 1));
  }

  // Read both ways: the state alone (GetInstructionState) must be the row's.
  InstructionState StateOf(const std::string& id) {
    auto i = store().GetInstruction(id);
    EXPECT_TRUE(i.ok());
    auto state = store().GetInstructionState(id);
    EXPECT_TRUE(state.ok());
    if (i.ok() && state.ok()) {
      EXPECT_EQ(*state, i->state) << id;
    }
    return i.ok() ? i->state : InstructionState::kDead;
  }

  std::vector<ClaimedInstruction> Claim(int limit = 10) {
    auto c = store().ClaimInstructions(limit);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : std::vector<ClaimedInstruction>{};
  }

  // The subscriber's audit trail (Store::Audit), oldest first.
  std::vector<AuditEntry> Trail() {
    auto trail = store().Audit({kMsisdn, 0, 100'000});
    EXPECT_TRUE(trail.ok()) << trail.status().ToString();
    return trail.ok() ? std::move(*trail) : std::vector<AuditEntry>{};
  }

  std::string ReplyState(int64_t id) {
    OutboxFilter f;
    f.instructions = false;
    auto items = store().ListOutbox(f);
    EXPECT_TRUE(items.ok());
    for (const auto& item : *items) {
      if (item.id == ReplyItemId(id)) return item.state;
    }
    return "missing";
  }
};

TEST_F(OutboxTest, PendingToInFlightToDoneWipesTheSecret) {
  std::string id = AddInstruction();
  EXPECT_EQ(StateOf(id), InstructionState::kPending);
  auto claimed = Claim();
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].id, id);
  EXPECT_EQ(claimed[0].attempt, 1);
  EXPECT_EQ(claimed[0].secret.view(), "pin=1234");
  EXPECT_EQ(claimed[0].payload, R"({"to":"254711","amount":500})");
  EXPECT_EQ(StateOf(id), InstructionState::kInFlight);
  EXPECT_TRUE(Claim().empty());  // in flight is not claimed twice

  Effects e;
  e.outcomes.push_back({id, InstructionOutcome::Kind::kDone, "txn 778"});
  NewReply r;
  r.destination = kMsisdn;
  r.source = "4040";
  r.text = "Sent 500";
  r.instruction_id = id;
  e.replies.push_back(r);
  ASSERT_TRUE(store().Apply(e).ok());
  auto done = store().GetInstruction(id);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(StateOf(id), InstructionState::kDone);
  EXPECT_TRUE(store().GetInstructionState("no-such-id").status().IsNotFound());
  EXPECT_EQ(done->result, "txn 778");
  EXPECT_FALSE(done->has_secret);
  auto replies = store().ClaimReplies(10);
  ASSERT_TRUE(replies.ok());
  ASSERT_EQ(replies->size(), 1u);
  EXPECT_EQ((*replies)[0].text.view(), "Sent 500");
  EXPECT_EQ(Outcome(id, InstructionOutcome::Kind::kDone).code(), Status::Code::kAlreadyExists);
  EXPECT_EQ(Outcome(id, InstructionOutcome::Kind::kRejected).code(), Status::Code::kAlreadyExists);
}

// The first outcome stands, and a second one, of any kind, is refused with a code of its own:
// the daemon takes that as a late answer to an instruction a push answered, not as a failure
// to retry. Nothing of the refused step is kept.
TEST_F(OutboxTest, ALateOutcomeForAnAnsweredInstructionIsRefusedAsAlreadyAnswered) {
  const std::string done = AddInstruction();
  const std::string rejected = AddInstruction();
  ASSERT_EQ(Claim().size(), 2u);
  ASSERT_TRUE(Outcome(done, InstructionOutcome::Kind::kDone, "txn 1").ok());
  ASSERT_TRUE(Outcome(rejected, InstructionOutcome::Kind::kRejected, "insufficient funds").ok());
  const size_t audit_rows = Trail().size();
  for (const auto kind : {InstructionOutcome::Kind::kDone, InstructionOutcome::Kind::kRejected,
                          InstructionOutcome::Kind::kRetry}) {
    Effects late;
    late.outcomes.push_back({done, kind, "late"});
    late.replies.push_back(ReplyTo(kMsisdn, "late reply"));
    EXPECT_EQ(store().Apply(late).status().ToString(),
              Status::AlreadyExists("instruction " + done + " is already done").ToString());
    EXPECT_EQ(Outcome(rejected, kind).ToString(),
              Status::AlreadyExists("instruction " + rejected + " is already rejected").ToString());
  }
  EXPECT_EQ(StateOf(done), InstructionState::kDone);
  EXPECT_EQ(store().GetInstruction(done)->result, "txn 1");
  EXPECT_EQ(StateOf(rejected), InstructionState::kRejected);
  EXPECT_EQ(Trail().size(), audit_rows);
  EXPECT_TRUE(store().ClaimReplies(10)->empty());
  // A retry for one that is not in flight (and has no outcome) is another refusal.
  const std::string pending = AddInstruction();
  EXPECT_EQ(Outcome(pending, InstructionOutcome::Kind::kRetry).code(),
            Status::Code::kFailedPrecondition);
}

TEST_F(OutboxTest, InFlightToRejected) {
  std::string id = AddInstruction();
  ASSERT_EQ(Claim().size(), 1u);
  ASSERT_TRUE(Outcome(id, InstructionOutcome::Kind::kRejected, "insufficient funds").ok());
  EXPECT_EQ(StateOf(id), InstructionState::kRejected);
  auto i = store().GetInstruction(id);
  EXPECT_EQ(i->result, "insufficient funds");
  EXPECT_FALSE(i->has_secret);
}

TEST_F(OutboxTest, RetryFollowsTheScheduleThenGoesDead) {
  std::string id = AddInstruction();
  const RetryPolicy& p = store().options().instruction_retry;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto claimed = Claim();
    ASSERT_EQ(claimed.size(), 1u) << "attempt " << attempt;
    EXPECT_EQ(claimed[0].attempt, attempt);
    EXPECT_EQ(claimed[0].secret.view(), "pin=1234");
    ASSERT_TRUE(Outcome(id, InstructionOutcome::Kind::kRetry, "timeout").ok());
    auto i = store().GetInstruction(id);
    ASSERT_TRUE(i.ok());
    EXPECT_EQ(i->last_error, "timeout");
    if (attempt == 3) {
      EXPECT_EQ(i->state, InstructionState::kDead);
      EXPECT_TRUE(i->has_secret);  // kept so an operator can re-queue it
      break;
    }
    EXPECT_EQ(i->state, InstructionState::kPending);
    const int64_t delay = i->next_attempt_at - clock_->NowMs();
    EXPECT_GE(delay, p.base_delay_ms);
    EXPECT_LE(delay, RetryCeilingMs(p, attempt));
    clock_->Set(i->next_attempt_at - 1);
    EXPECT_TRUE(Claim().empty()) << "claimed before it was due";
    auto due = store().NextDueAt();
    ASSERT_TRUE(due.ok());
    EXPECT_EQ(*due, i->next_attempt_at);
    clock_->Advance(1);
  }
  OutboxFilter dead;
  dead.state = "dead";
  auto items = store().ListOutbox(dead);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ((*items)[0].id, id);
  EXPECT_EQ((*items)[0].attempts, 3);
  EXPECT_EQ((*items)[0].last_error, "timeout");
  EXPECT_TRUE(Claim().empty());
}

TEST_F(OutboxTest, DeadIsRequeuedByIdOrReference) {
  std::string id = AddInstruction();
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Claim().size(), 1u);
    ASSERT_TRUE(Outcome(id, InstructionOutcome::Kind::kRetry, "down").ok());
    clock_->Advance(10'000);
  }
  ASSERT_EQ(StateOf(id), InstructionState::kDead);
  EXPECT_EQ(store().Requeue("nonexistent").code(), Status::Code::kNotFound);
  std::string reference = store().GetInstruction(id)->reference;
  ASSERT_TRUE(store().Requeue(reference).ok());
  auto i = store().GetInstruction(id);
  EXPECT_EQ(i->state, InstructionState::kPending);
  EXPECT_EQ(i->attempts, 0);
  EXPECT_EQ(store().Requeue(id).code(), Status::Code::kFailedPrecondition);
  auto claimed = Claim();
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].attempt, 1);
  auto audit = store().Audit({kMsisdn, 0, 100});
  ASSERT_TRUE(audit.ok());
  bool requeued_by_admin = false;
  for (const auto& a : *audit) {
    if (a.event == kEventInstructionRequeued) requeued_by_admin = a.actor == Actor::kAdmin;
  }
  EXPECT_TRUE(requeued_by_admin);
}

TEST_F(OutboxTest, ALateDefinitiveAnswerIsTakenFromPendingOrDead) {
  std::string id = AddInstruction();
  ASSERT_TRUE(Outcome(id, InstructionOutcome::Kind::kDone, "pushed by backend").ok());
  EXPECT_EQ(StateOf(id), InstructionState::kDone);
  std::string other = AddInstruction();
  EXPECT_EQ(Outcome(other, InstructionOutcome::Kind::kRetry).code(),
            Status::Code::kFailedPrecondition);  // a retry needs an attempt in flight
  EXPECT_TRUE(Outcome("missing", InstructionOutcome::Kind::kDone).IsNotFound());
}

TEST_F(OutboxTest, ClaimsAreInCreationOrderAndBounded) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(AddInstruction());
    clock_->Advance(1);
  }
  auto first = Claim(3);
  ASSERT_EQ(first.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(first[i].id, ids[i]);
  auto rest = Claim(10);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].id, ids[3]);
  EXPECT_EQ(rest[1].id, ids[4]);
}

TEST_F(OutboxTest, ARetryKeepsItsPlaceInCreationOrder) {
  std::string a = AddInstruction();
  std::string b = AddInstruction();
  ASSERT_EQ(Claim(1).at(0).id, a);
  ASSERT_TRUE(Outcome(a, InstructionOutcome::Kind::kRetry, "timeout").ok());
  std::string c = AddInstruction();
  // Not before its time: b and c go, a waits for its backoff.
  auto early = Claim(10);
  ASSERT_EQ(early.size(), 2u);
  EXPECT_EQ(early[0].id, b);
  EXPECT_EQ(early[1].id, c);
  ASSERT_TRUE(Outcome(b, InstructionOutcome::Kind::kRetry, "timeout").ok());
  ASSERT_TRUE(Outcome(c, InstructionOutcome::Kind::kRetry, "timeout").ok());
  clock_->Advance(8'000);  // past every backoff
  auto claimed = Claim(10);
  ASSERT_EQ(claimed.size(), 3u);
  EXPECT_EQ(claimed[0].id, a);
  EXPECT_EQ(claimed[1].id, b);
  EXPECT_EQ(claimed[2].id, c);
}

// After an outage every instruction has its own jittered retry time; once all are due they go
// on in the order they were made, whatever order their retry times fell in.
TEST_F(OutboxTest, AfterAnOutageInstructionsResumeInCreationOrder) {
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    ids.push_back(AddInstruction());
    clock_->Advance(1);
  }
  // The first retry waits exactly the base delay; the jitter starts with the second.
  ASSERT_EQ(Claim(20).size(), 20u);
  for (const std::string& id : ids) {
    ASSERT_TRUE(Outcome(id, InstructionOutcome::Kind::kRetry, "timeout").ok());
  }
  clock_->Advance(8'000);
  ASSERT_EQ(Claim(20).size(), 20u);
  std::vector<int64_t> due;
  for (const std::string& id : ids) {
    ASSERT_TRUE(Outcome(id, InstructionOutcome::Kind::kRetry, "timeout").ok());
    due.push_back(store().GetInstruction(id)->next_attempt_at);
  }
  ASSERT_FALSE(std::is_sorted(due.begin(), due.end())) << "the jitter did not scramble them";
  clock_->Advance(8'000);
  auto resumed = Claim(7);
  auto rest = Claim(20);
  resumed.insert(resumed.end(), std::make_move_iterator(rest.begin()),
                 std::make_move_iterator(rest.end()));
  ASSERT_EQ(resumed.size(), ids.size());
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(resumed[i].id, ids[i]) << i;
}

// A call the adapter refused unsent (its circuit open) gives its attempt back: however long
// the outage, the instruction does not run out of attempts; it is due again after the base delay.
TEST_F(OutboxTest, ANotSentRetryDoesNotSpendAnAttempt) {
  std::string id = AddInstruction();
  for (int i = 0; i < 10; ++i) {  // more than max_attempts (3)
    auto claimed = Claim();
    ASSERT_EQ(claimed.size(), 1u) << i;
    EXPECT_EQ(claimed[0].attempt, 1);
    Effects e;
    e.outcomes.push_back({id, InstructionOutcome::Kind::kRetry, "circuit_open", false});
    ASSERT_TRUE(store().Apply(e).ok());
    auto stored = store().GetInstruction(id);
    EXPECT_EQ(stored->state, InstructionState::kPending);
    EXPECT_EQ(stored->attempts, 0);
    EXPECT_EQ(stored->next_attempt_at, clock_->NowMs() + 1'000) << "the policy's base delay";
    EXPECT_EQ(stored->last_error, "circuit_open");
    clock_->Advance(1'000);
  }
  // A call that did leave still counts.
  ASSERT_EQ(Claim().size(), 1u);
  ASSERT_TRUE(Outcome(id, InstructionOutcome::Kind::kRetry, "timeout").ok());
  EXPECT_EQ(store().GetInstruction(id)->attempts, 1);
}

// A backend's Retry-After, or the breaker's hold after a declined probe: the instruction
// waits at least that long, attempt counted or not, but never past the policy's ceiling (which
// would read as a clock step and be claimed at once).
TEST_F(OutboxTest, ARetryWaitsWhatTheBackendAskedUpToTheCeiling) {
  std::string id = AddInstruction();
  ASSERT_EQ(Claim().size(), 1u);
  Effects declined;
  declined.outcomes.push_back({id, InstructionOutcome::Kind::kRetry, "http_503", false, 5'000});
  ASSERT_TRUE(store().Apply(declined).ok());
  auto stored = store().GetInstruction(id);
  EXPECT_EQ(stored->attempts, 0);
  EXPECT_EQ(stored->next_attempt_at, clock_->NowMs() + 5'000);
  EXPECT_TRUE(Claim().empty());
  clock_->Advance(5'000);

  ASSERT_EQ(Claim().size(), 1u);
  Effects counted;
  counted.outcomes.push_back(
      {id, InstructionOutcome::Kind::kRetry, "http_429", true, 24 * 3'600'000LL});
  ASSERT_TRUE(store().Apply(counted).ok());
  stored = store().GetInstruction(id);
  EXPECT_EQ(stored->attempts, 1);
  const int64_t ceiling = 8'000;  // the policy of SetUp
  EXPECT_EQ(stored->next_attempt_at, clock_->NowMs() + ceiling) << "a day's wait, capped";
  EXPECT_TRUE(Claim().empty());
  clock_->Advance(ceiling);
  EXPECT_EQ(Claim().size(), 1u);
}

// The claim walks the pending instructions' index in creation order and stops at its limit:
// no scan of the whole table, no sort of the backlog.
TEST_F(OutboxTest, TheClaimReadsThePendingIndexInOrder) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  const char* sql =
      "EXPLAIN QUERY PLAN SELECT seq FROM instruction INDEXED BY instruction_pending_seq "
      "WHERE state = 'pending' AND (next_attempt_at <= ?1 OR next_attempt_at > ?1 + ?3) "
      "ORDER BY seq LIMIT ?2";
  ASSERT_EQ(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  std::string plan;
  while (sqlite3_step(st) == SQLITE_ROW) {
    plan += reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
    plan += "\n";
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  EXPECT_NE(plan.find("USING INDEX instruction_pending_seq"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
}

TEST_F(OutboxTest, InFlightItemsAreDueAgainAfterARestart) {
  std::string id = AddInstruction();
  int64_t reply = AddReply("hello");
  ASSERT_EQ(Claim().size(), 1u);
  ASSERT_EQ(store().ClaimReplies(10)->size(), 1u);
  Close();  // a crash while both were in flight
  SetUp();
  EXPECT_EQ(StateOf(id), InstructionState::kPending);
  EXPECT_EQ(ReplyState(reply), "pending");
  auto claimed = Claim();
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].attempt, 2);
  EXPECT_EQ(claimed[0].secret.view(), "pin=1234");
}

TEST_F(OutboxTest, AnItemInterruptedOnEveryAttemptGoesDeadAtRestart) {
  std::string id = AddInstruction();
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Claim().size(), 1u);
    Close();
    SetUp();
  }
  EXPECT_EQ(StateOf(id), InstructionState::kDead);
}

TEST_F(OutboxTest, ReplyPendingInFlightSentDelivered) {
  int64_t id = AddReply("Your balance is 1200");
  EXPECT_EQ(ReplyState(id), "pending");
  auto claimed = store().ClaimReplies(10);
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].text.view(), "Your balance is 1200");
  EXPECT_EQ((*claimed)[0].destination, kMsisdn);
  EXPECT_EQ((*claimed)[0].reference, "REF");
  EXPECT_EQ(ReplyState(id), "in_flight");
  EXPECT_TRUE(store().RecordReceipt("smsc1", "smsc-42", true, "DELIVRD").status().IsNotFound());
  ASSERT_TRUE(ReplyOutcome(id, ReplyResult::Kind::kSent, "smsc-42").ok());
  EXPECT_EQ(ReplyState(id), "sent");
  auto matched = store().RecordReceipt("smsc1", "smsc-42", true, "DELIVRD");
  ASSERT_TRUE(matched.ok()) << matched.status().ToString();
  EXPECT_EQ(*matched, id);
  EXPECT_EQ(ReplyState(id), "delivered");
  EXPECT_EQ(ReplyOutcome(id, ReplyResult::Kind::kSent, "x").code(),
            Status::Code::kFailedPrecondition);
}

TEST_F(OutboxTest, ReplyReceiptCanSayUndeliverable) {
  int64_t id = AddReply("hi");
  ASSERT_EQ(store().ClaimReplies(10)->size(), 1u);
  ASSERT_TRUE(ReplyOutcome(id, ReplyResult::Kind::kSent, "smsc-7").ok());
  ASSERT_TRUE(store().RecordReceipt("smsc1", "smsc-7", false, "UNDELIV").ok());
  EXPECT_EQ(ReplyState(id), "undeliverable");
}

TEST_F(OutboxTest, SeveralReceiptsAreRecordedTogetherAndAnUnknownOneIsReportedAsSuch) {
  const int64_t a = AddReply("one");
  const int64_t b = AddReply("two");
  ASSERT_EQ(store().ClaimReplies(10)->size(), 2u);
  ASSERT_TRUE(ReplyOutcome(a, ReplyResult::Kind::kSent, "smsc-a").ok());
  ASSERT_TRUE(ReplyOutcome(b, ReplyResult::Kind::kSent, "smsc-b").ok());
  const std::vector<ReceiptRecord> receipts = {{"smsc1", "smsc-a", true, "DELIVRD"},
                                               {"smsc1", "smsc-none", true, "DELIVRD"},
                                               {"smsc1", "smsc-b", false, "EXPIRED"}};
  auto recorded = store().RecordReceipts(receipts);
  ASSERT_TRUE(recorded.ok()) << recorded.status().ToString();
  ASSERT_EQ(recorded->size(), 3u);
  EXPECT_EQ((*recorded)[0], std::optional<int64_t>(a));
  EXPECT_EQ((*recorded)[1], std::nullopt);
  EXPECT_EQ((*recorded)[2], std::optional<int64_t>(b));
  EXPECT_EQ(ReplyState(a), "delivered");
  EXPECT_EQ(ReplyState(b), "undeliverable");
  EXPECT_TRUE(store().RecordReceipts({})->empty());
}

// Message ids are an SMSC's own: two SMSCs may both hand out "1000". A receipt marks only the
// reply sent on its own connection.
TEST_F(OutboxTest, AReceiptMatchesOnlyTheReplySentOnItsConnection) {
  const int64_t a = AddReply("via a");
  const int64_t b = AddReply("via b");
  ASSERT_EQ(store().ClaimReplies(10)->size(), 2u);
  ASSERT_TRUE(ReplyOutcome(a, ReplyResult::Kind::kSent, "1000", "", "smsc-a").ok());
  ASSERT_TRUE(ReplyOutcome(b, ReplyResult::Kind::kSent, "1000", "", "smsc-b").ok());
  auto on_a = store().RecordReceipt("smsc-a", "1000", false, "UNDELIV");
  ASSERT_TRUE(on_a.ok()) << on_a.status().ToString();
  EXPECT_EQ(*on_a, a);
  EXPECT_EQ(ReplyState(a), "undeliverable");
  EXPECT_EQ(ReplyState(b), "sent");  // b is newer, but another SMSC's
  auto on_b = store().RecordReceipt("smsc-b", "1000", true, "DELIVRD");
  ASSERT_TRUE(on_b.ok()) << on_b.status().ToString();
  EXPECT_EQ(*on_b, b);
  EXPECT_EQ(ReplyState(b), "delivered");
  EXPECT_TRUE(store().RecordReceipt("smsc-c", "1000", true, "DELIVRD").status().IsNotFound());
}

// The engine prefers the MO's connection; when that bind is down the reply goes out on
// another, and its receipt comes back there.
TEST_F(OutboxTest, AReplySentOnAnotherConnectionThanPreferredMatchesItsReceiptThere) {
  const int64_t id = AddReply("hi", "smsc-a");
  ASSERT_EQ(store().ClaimReplies(10)->size(), 1u);
  ASSERT_TRUE(ReplyOutcome(id, ReplyResult::Kind::kSent, "77", "", "smsc-b").ok());
  EXPECT_TRUE(store().RecordReceipt("smsc-a", "77", true, "DELIVRD").status().IsNotFound());
  auto matched = store().RecordReceipt("smsc-b", "77", true, "DELIVRD");
  ASSERT_TRUE(matched.ok()) << matched.status().ToString();
  EXPECT_EQ(*matched, id);
}

// A result that names no connection (the sender always names one) leaves the reply's own.
TEST_F(OutboxTest, ASendResultWithoutAConnectionKeepsTheRepliesOwn) {
  const int64_t id = AddReply("hi", "smsc-a");
  ASSERT_EQ(store().ClaimReplies(10)->size(), 1u);
  ASSERT_TRUE(ReplyOutcome(id, ReplyResult::Kind::kSent, "78", "", "").ok());
  auto matched = store().RecordReceipt("smsc-a", "78", true, "DELIVRD");
  ASSERT_TRUE(matched.ok()) << matched.status().ToString();
  EXPECT_EQ(*matched, id);
}

TEST_F(OutboxTest, ReplyPermanentFailureIsUndeliverable) {
  int64_t id = AddReply("hi");
  ASSERT_EQ(store().ClaimReplies(10)->size(), 1u);
  ASSERT_TRUE(ReplyOutcome(id, ReplyResult::Kind::kFailed, "", "ESME_RINVDSTADR").ok());
  EXPECT_EQ(ReplyState(id), "undeliverable");
}

TEST_F(OutboxTest, ReplyRetriesThenDiesAndIsRequeued) {
  int64_t id = AddReply("hi");
  ASSERT_EQ(store().ClaimReplies(10)->size(), 1u);
  ASSERT_TRUE(ReplyOutcome(id, ReplyResult::Kind::kRetry, "", "ESME_RTHROTTLED").ok());
  EXPECT_EQ(ReplyState(id), "pending");
  EXPECT_TRUE(store().ClaimReplies(10)->empty());
  clock_->Advance(4'000);
  ASSERT_EQ(store().ClaimReplies(10)->size(), 1u);
  ASSERT_TRUE(ReplyOutcome(id, ReplyResult::Kind::kRetry, "", "ESME_RTHROTTLED").ok());
  EXPECT_EQ(ReplyState(id), "dead");
  ASSERT_TRUE(store().Requeue(ReplyItemId(id)).ok());
  EXPECT_EQ(ReplyState(id), "pending");
  EXPECT_EQ(store().Requeue(ReplyItemId(id)).code(), Status::Code::kFailedPrecondition);
  EXPECT_TRUE(store().Requeue("mt-999").IsNotFound());
}

// A reply the MT sender could not hand to any bind (none up) gives its attempt back: an SMSC
// outage, however long, does not make replies dead; each is due again after the base delay.
TEST_F(OutboxTest, AReplyNotSentForWantOfABindDoesNotSpendAnAttempt) {
  int64_t id = AddReply("paid");
  for (int i = 0; i < 6; ++i) {  // more than max_attempts (2)
    auto claimed = store().ClaimReplies(10);
    ASSERT_TRUE(claimed.ok());
    ASSERT_EQ(claimed->size(), 1u) << i;
    EXPECT_EQ((*claimed)[0].attempt, 1);
    ReplyResult r{id, ReplyResult::Kind::kRetry, "", "no bind up", "", /*attempt_spent=*/false};
    ASSERT_TRUE(store().RecordReplyResults(std::span(&r, 1)).ok());
    EXPECT_EQ(ReplyState(id), "pending") << i;
    EXPECT_TRUE(store().ClaimReplies(10)->empty()) << "not before the base delay";
    clock_->Advance(500);
  }
  // A send that did reach the SMSC still counts.
  ASSERT_EQ(store().ClaimReplies(10)->size(), 1u);
  ASSERT_TRUE(ReplyOutcome(id, ReplyResult::Kind::kRetry, "", "no response").ok());
  EXPECT_EQ(ReplyState(id), "pending");
  clock_->Advance(4'000);
  ASSERT_EQ(store().ClaimReplies(10)->size(), 1u);
  ASSERT_TRUE(ReplyOutcome(id, ReplyResult::Kind::kRetry, "", "no response").ok());
  EXPECT_EQ(ReplyState(id), "dead");
}

TEST_F(OutboxTest, ReplyResultsForUnknownOrIdleRepliesFailTheWholeBatch) {
  int64_t a = AddReply("a");
  int64_t b = AddReply("b");
  ASSERT_EQ(store().ClaimReplies(1)->size(), 1u);  // only a
  std::vector<ReplyResult> results = {{a, ReplyResult::Kind::kSent, "s-a", ""},
                                      {b, ReplyResult::Kind::kSent, "s-b", ""}};
  EXPECT_EQ(store().RecordReplyResults(results).code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(ReplyState(a), "in_flight");  // rolled back with b
  results = {{a, ReplyResult::Kind::kSent, "s-a", ""}, {99, ReplyResult::Kind::kSent, "", ""}};
  EXPECT_TRUE(store().RecordReplyResults(results).IsNotFound());
}

// A send result for a reply in flight is recorded in one statement; one for a reply that is
// not (sent already, delivered, pending again, unknown) is refused with the same words as
// ever, and changes nothing.
TEST_F(OutboxTest, ASendResultIsRecordedOnlyForAReplyInFlight) {
  const int64_t id = AddReply("paid", "smsc-a");
  const int64_t idle = AddReply("idle");
  ASSERT_EQ(store().ClaimReplies(1)->size(), 1u);  // only `id`
  ASSERT_TRUE(ReplyOutcome(id, ReplyResult::Kind::kSent, "smsc-9", "", "smsc-b").ok());
  std::vector<AuditEntry> trail = Trail();
  ASSERT_FALSE(trail.empty());
  const AuditEntry& sent = trail.back();
  EXPECT_EQ(sent.event, kEventReplySent);
  EXPECT_EQ(sent.entity, "reply");
  EXPECT_EQ(sent.entity_id, ReplyItemId(id));
  EXPECT_EQ(sent.msisdn, std::optional<std::string>(kMsisdn));
  EXPECT_EQ(sent.detail, "smsc message id smsc-9");
  EXPECT_EQ(sent.actor, Actor::kSystem);
  // The row itself names no subscriber (a follow-up, found from the reply's first row): the
  // send result is recorded without reading the reply's destination.
  EXPECT_EQ(RawQuery(path_,
                     "SELECT count(*) FROM audit WHERE event = 'reply.sent' AND "
                     "msisdn IS NULL AND entity_id = '" +
                         ReplyItemId(id) + "'"),
            "1");

  const std::string item = ReplyItemId(id);
  EXPECT_EQ(ReplyOutcome(id, ReplyResult::Kind::kSent, "smsc-10").ToString(),
            Status::FailedPrecondition("reply " + item + " is sent, not in flight").ToString());
  ASSERT_TRUE(store().RecordReceipt("smsc-b", "smsc-9", true, "DELIVRD").ok());
  EXPECT_EQ(
      ReplyOutcome(id, ReplyResult::Kind::kSent, "smsc-11").ToString(),
      Status::FailedPrecondition("reply " + item + " is delivered, not in flight").ToString());
  EXPECT_EQ(ReplyOutcome(idle, ReplyResult::Kind::kSent, "smsc-12").ToString(),
            Status::FailedPrecondition("reply " + ReplyItemId(idle) + " is pending, not in flight")
                .ToString());
  EXPECT_EQ(ReplyOutcome(999, ReplyResult::Kind::kSent, "smsc-13").ToString(),
            Status::NotFound("reply " + ReplyItemId(999)).ToString());
  EXPECT_EQ(ReplyState(id), "delivered");
  EXPECT_EQ(ReplyState(idle), "pending");
  // Still matched by the id and connection it was sent with, not the refused results'.
  EXPECT_TRUE(store().RecordReceipt("smsc1", "smsc-11", true, "DELIVRD").status().IsNotFound());
  EXPECT_EQ(*store().RecordReceipt("smsc-b", "smsc-9", false, "EXPIRED"), id);
  trail = Trail();
  EXPECT_EQ(std::count_if(trail.begin(), trail.end(),
                          [](const AuditEntry& e) { return e.event == kEventReplySent; }),
            1);
}

TEST_F(OutboxTest, ListFiltersByStateAndKind) {
  AddInstruction();
  AddReply("x");
  auto all = store().ListOutbox({});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
  OutboxFilter sent;
  sent.state = "sent";  // a reply-only state
  EXPECT_TRUE(store().ListOutbox(sent)->empty());
  OutboxFilter bogus;
  bogus.state = "lost";
  EXPECT_TRUE(store().ListOutbox(bogus).status().IsInvalidArgument());
  auto next = store().NextDueAt();
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, clock_->NowMs());
}

}  // namespace
}  // namespace smsgw::store::testing
