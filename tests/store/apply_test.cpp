#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "store/ids.h"
#include "tests/support/store_fixture.h"

namespace smsgw::store::testing {
namespace {

constexpr char kMsisdn[] = "254700000001";

class ApplyTest : public StoreTest {
 protected:
  void SetUp() override { Open(); }

  int64_t NewMo(const std::string& text) { return AcceptOne(Mo(kMsisdn, text)).id; }

  NewInstruction Instruction(const std::string& op = "transfer") {
    auto keys = MintInstructionKeys(clock_->NowMs());
    EXPECT_TRUE(keys.ok());
    NewInstruction i;
    i.id = keys->id;
    i.reference = keys->reference;
    i.msisdn = kMsisdn;
    i.operation = op;
    i.payload = R"({"amount":500})";
    i.secret = "acct=1234567890";
    return i;
  }

  NewReply Reply(const std::string& text) { return ReplyTo(kMsisdn, text); }

  NewChallenge Challenge(const std::string& code) {
    NewChallenge c;
    c.msisdn = kMsisdn;
    c.code = code;
    c.operation = "bill.pay";
    c.payload = R"({"biller":"KPLC"})";
    c.secret = "account=998877";
    c.expires_at = clock_->NowMs() + 5 * kMinute;
    c.attempts = 3;
    return c;
  }

  // Rows of the subscriber's trail (Store::Audit): the rows that follow an instruction's, a
  // reply's or a challenge's first carry no MSISDN of their own, so CountEvents does not see
  // them.
  std::vector<AuditEntry> Trail() {
    auto trail = store().Audit({kMsisdn, 0, 100'000});
    EXPECT_TRUE(trail.ok()) << trail.status().ToString();
    return trail.ok() ? std::move(*trail) : std::vector<AuditEntry>{};
  }

  int64_t Count(const std::string& event) {
    auto trail = store().Audit({kMsisdn, 0, 100'000});
    EXPECT_TRUE(trail.ok());
    if (!trail.ok()) return -1;
    return std::count_if(trail->begin(), trail->end(),
                         [&](const AuditEntry& e) { return e.event == event; });
  }
};

TEST_F(ApplyTest, ConsumeWritesInstructionReplyAndAuditTogether) {
  int64_t mo = NewMo("SEND 0712 500 1234");
  Effects e;
  e.consume = ConsumeInbound{mo, "instruction", "SEND 0712 500 ****", "REF1", std::nullopt};
  NewInstruction i = Instruction();
  e.instructions.push_back(i);
  e.replies.push_back(Reply("Sending 500, ref " + i.reference));
  auto applied = store().Apply(e);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  ASSERT_EQ(applied->reply_ids.size(), 1u);

  auto pending = store().PendingInbound(0, 10);
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(pending->empty());
  auto stored = store().GetInstruction(i.id);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->reference, i.reference);
  EXPECT_EQ(stored->inbound_id, mo);
  EXPECT_EQ(stored->state, InstructionState::kPending);
  EXPECT_TRUE(stored->has_secret);
  EXPECT_EQ(stored->payload_hash.size(), 64u);
  auto by_ref = store().FindInstructionByReference(i.reference);
  ASSERT_TRUE(by_ref.ok());
  EXPECT_EQ(by_ref->id, i.id);
  EXPECT_EQ(Count(std::string(kEventInboundProcessed)), 1);
  EXPECT_EQ(Count(std::string(kEventInstructionCreated)), 1);
  EXPECT_EQ(Count(std::string(kEventReplyCreated)), 1);
}

TEST_F(ApplyTest, AFailureAnywhereWritesNothing) {
  int64_t mo = NewMo("SEND 0712 500");
  NewInstruction taken = Instruction();
  {
    Effects first;
    first.instructions.push_back(taken);
    ASSERT_TRUE(store().Apply(first).ok());
  }
  Effects e;
  e.consume = ConsumeInbound{mo, "instruction", "SEND 0712 500", std::nullopt, "SEND 0712 500"};
  e.replies.push_back(Reply("ok"));
  NewInstruction clash = Instruction();
  clash.reference = taken.reference;  // collides: the whole step must roll back
  e.instructions.push_back(clash);
  auto r = store().Apply(e);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsAlreadyExists()) << r.status().ToString();

  auto pending = store().PendingInbound(0, 10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);  // still new
  EXPECT_TRUE(store().GetInstruction(clash.id).status().IsNotFound());
  auto replies = store().ClaimReplies(10);
  ASSERT_TRUE(replies.ok());
  EXPECT_TRUE(replies->empty());
  EXPECT_EQ(Count(std::string(kEventInboundProcessed)), 0);
  auto resend = store().FindResend(kMsisdn, "SEND 0712 500", clock_->NowMs());
  ASSERT_TRUE(resend.ok());
  EXPECT_FALSE(resend->has_value());
}

TEST_F(ApplyTest, AMessageIsConsumedOnlyOnce) {
  int64_t mo = NewMo("BAL");
  Effects e;
  e.consume = ConsumeInbound{mo, "balance", "BAL", std::nullopt, std::nullopt};
  ASSERT_TRUE(store().Apply(e).ok());
  auto again = store().Apply(e);
  EXPECT_EQ(again.status().code(), Status::Code::kFailedPrecondition);
  e.consume->inbound_id = 999;
  EXPECT_TRUE(store().Apply(e).status().IsNotFound());
}

TEST_F(ApplyTest, ChallengeIsFoundByCodeAndMsisdnAndConsumedOnce) {
  int64_t mo = NewMo("PAY KPLC 998877 1500");
  Effects e;
  e.consume = ConsumeInbound{mo, "challenge", "PAY KPLC ****** 1500", std::nullopt, std::nullopt};
  e.challenges.push_back(Challenge("4821"));
  auto applied = store().Apply(e);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  ASSERT_EQ(applied->challenge_ids.size(), 1u);
  const int64_t id = applied->challenge_ids[0];

  EXPECT_TRUE(store().FindChallenge("254700000002", "4821").status().IsNotFound());
  EXPECT_TRUE(store().FindChallenge(kMsisdn, "4822").status().IsNotFound());
  auto c = store().FindChallenge(kMsisdn, "4821");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->id, id);
  EXPECT_EQ(c->state, ChallengeState::kPending);
  EXPECT_EQ(c->secret.view(), "account=998877");
  EXPECT_EQ(c->inbound_id, mo);
  EXPECT_EQ(c->attempts_left, 3);

  Effects answer;
  answer.challenge_changes.push_back({id, ChallengeChange::Kind::kConsume});
  NewInstruction i = Instruction("bill.pay");
  i.challenge_id = id;
  answer.instructions.push_back(i);
  ASSERT_TRUE(store().Apply(answer).ok());
  c = store().FindChallenge(kMsisdn, "4821");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->state, ChallengeState::kConsumed);
  EXPECT_TRUE(c->secret.empty());
  Effects twice;
  twice.challenge_changes.push_back({id, ChallengeChange::Kind::kConsume});
  EXPECT_EQ(store().Apply(twice).status().code(), Status::Code::kFailedPrecondition);
}

// The maker's parsed form of a challenge's payload comes back with the row while it is
// pending and its payload is the one the form was made from; otherwise the reader gets null
// and reads the payload.
TEST_F(ApplyTest, ChallengeComesBackWithItsMakersParsedFormWhileItsPayloadIsUnchanged) {
  Effects e;
  e.consume =
      ConsumeInbound{NewMo("PAY KPLC 998877 1500"), "challenge", "PAY", std::nullopt, std::nullopt};
  NewChallenge made = Challenge("4821");
  made.parsed = std::make_shared<const std::string>("the engine's request");
  e.challenges.push_back(made);
  NewChallenge plain = Challenge("4822");  // made without a parsed form
  e.challenges.push_back(plain);
  auto applied = store().Apply(e);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  const int64_t id = applied->challenge_ids[0];

  auto c = store().FindChallenge(kMsisdn, "4821");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->parsed, made.parsed) << "the same object, untouched";
  auto other = store().FindChallenge(kMsisdn, "4822");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->parsed, nullptr);

  // The row changed beside the daemon: the payload decides, the kept form is not handed out.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  const std::string sql =
      "UPDATE challenge SET payload = '{\"biller\":\"KPLD\"}' WHERE id = " + std::to_string(id);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  c = store().FindChallenge(kMsisdn, "4821");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->payload, R"({"biller":"KPLD"})");
  EXPECT_EQ(c->parsed, nullptr);
  // Back as it was made: handed out again.
  const std::string back =
      "UPDATE challenge SET payload = '" + made.payload + "' WHERE id = " + std::to_string(id);
  ASSERT_EQ(sqlite3_exec(db, back.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  c = store().FindChallenge(kMsisdn, "4821");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->parsed, made.parsed);

  // Consumed, it is forgotten.
  Effects answer;
  answer.challenge_changes.push_back({id, ChallengeChange::Kind::kConsume});
  ASSERT_TRUE(store().Apply(answer).ok());
  c = store().FindChallenge(kMsisdn, "4821");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->state, ChallengeState::kConsumed);
  EXPECT_EQ(c->parsed, nullptr);
}

TEST_F(ApplyTest, WrongAttemptsExhaustAChallenge) {
  Effects e;
  e.challenges.push_back(Challenge("1111"));
  auto applied = store().Apply(e);
  ASSERT_TRUE(applied.ok());
  const int64_t id = applied->challenge_ids[0];
  for (int left = 2; left >= 0; --left) {
    Effects wrong;
    wrong.challenge_changes.push_back({id, ChallengeChange::Kind::kWrongAttempt});
    wrong.audit.push_back({Actor::kSubscriber, kMsisdn, "challenge", std::to_string(id),
                           std::string(kEventWrongPin), "wrong PIN"});
    ASSERT_TRUE(store().Apply(wrong).ok());
    auto c = store().FindChallenge(kMsisdn, "1111");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->attempts_left, left);
    EXPECT_EQ(c->state, left > 0 ? ChallengeState::kPending : ChallengeState::kExhausted);
  }
  EXPECT_EQ(Count(std::string(kEventWrongPin)), 3);
  EXPECT_EQ(Count(std::string(kEventChallengeExhausted)), 1);
  Effects more;
  more.challenge_changes.push_back({id, ChallengeChange::Kind::kWrongAttempt});
  EXPECT_EQ(store().Apply(more).status().code(), Status::Code::kFailedPrecondition);
}

TEST_F(ApplyTest, ChallengesExpire) {
  Effects e;
  e.challenges.push_back(Challenge("2222"));
  e.challenges.push_back(Challenge("3333"));
  e.challenges[1].expires_at = clock_->NowMs() + 20 * kMinute;
  auto applied = store().Apply(e);
  ASSERT_TRUE(applied.ok());
  clock_->Advance(5 * kMinute);
  auto c = store().FindChallenge(kMsisdn, "2222");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->state, ChallengeState::kExpired);  // before any housekeeping
  EXPECT_TRUE(c->secret.empty());
  Effects late;
  late.challenge_changes.push_back({applied->challenge_ids[0], ChallengeChange::Kind::kConsume});
  EXPECT_EQ(store().Apply(late).status().code(), Status::Code::kFailedPrecondition);

  auto n = store().ExpireChallenges(100);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(store().ExpireChallenges(100).value_or(-1), 0);
  EXPECT_EQ(store().FindChallenge(kMsisdn, "3333")->state, ChallengeState::kPending);
  EXPECT_EQ(Count(std::string(kEventChallengeExpired)), 1);
}

TEST_F(ApplyTest, ChallengeNeedsAFutureExpiry) {
  Effects e;
  e.challenges.push_back(Challenge("4444"));
  e.challenges[0].expires_at = clock_->NowMs();
  EXPECT_TRUE(store().Apply(e).status().IsInvalidArgument());
}

TEST_F(ApplyTest, CountersAndLocks) {
  EXPECT_EQ(store().LockedUntil(kMsisdn).value_or(-1), 0);
  Effects e;
  e.locks.push_back({kMsisdn, clock_->NowMs() + kHour, "3 wrong PINs"});
  ASSERT_TRUE(store().Apply(e).ok());
  EXPECT_EQ(store().LockedUntil(kMsisdn).value_or(-1), clock_->NowMs() + kHour);
  EXPECT_EQ(store().LockedUntil("254700000002").value_or(-1), 0);
  clock_->Advance(kHour);
  EXPECT_EQ(store().LockedUntil(kMsisdn).value_or(-1), 0);

  for (int i = 0; i < 3; ++i) {
    Effects m;
    m.consume = ConsumeInbound{NewMo("BAL " + std::to_string(i)), "balance", "BAL", {}, {}};
    ASSERT_TRUE(store().Apply(m).ok());
    clock_->Advance(kMinute);
  }
  auto last_two_minutes =
      store().CountEvents(kMsisdn, kEventInboundProcessed, clock_->NowMs() - 2 * kMinute);
  ASSERT_TRUE(last_two_minutes.ok());
  EXPECT_EQ(*last_two_minutes, 2);
}

TEST_F(ApplyTest, MintedKeysHaveTheirShape) {
  auto a = MintInstructionKeys(kStartMs);
  auto b = MintInstructionKeys(kStartMs + 1);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->id.size(), 26u);
  EXPECT_EQ(a->reference.size(), 10u);
  EXPECT_LT(a->id, b->id);  // time-ordered
  EXPECT_NE(a->reference, b->reference);
  for (char ch : a->id + a->reference) {
    EXPECT_TRUE(std::string("0123456789ABCDEFGHJKMNPQRSTVWXYZ").find(ch) != std::string::npos)
        << ch;
  }
}

}  // namespace
}  // namespace smsgw::store::testing

namespace smsgw::store::testing {
namespace {

class ApplyStepsTest : public ApplyTest {};

// Claims along for a transaction that began with nothing due: what the steps make is claimed
// as it goes in, up to these limits.
ClaimsAlong OnlyIfMade(int instructions, int replies) {
  return {.instructions = instructions,
          .replies = replies,
          .instructions_only_if_made = true,
          .replies_only_if_made = true};
}

TEST_F(ApplyStepsTest, EachStepSeesTheOnesBeforeItAndAFailedStepLeavesOnlyItself) {
  const int64_t pay = NewMo("PAY KPLC 998877 1500");
  const int64_t answer = NewMo("4821 1234");
  const int64_t bad = NewMo("BAL");
  const int64_t help = NewMo("HELP");
  NewInstruction taken = Instruction();
  {
    Effects first;
    first.instructions.push_back(taken);
    ASSERT_TRUE(store().Apply(first).ok());
  }
  std::optional<store::Challenge> seen;
  auto results = store().ApplySteps(5, [&](size_t i) -> Result<Effects> {
    Effects e;
    switch (i) {
      case 0:  // a challenge
        e.consume =
            ConsumeInbound{pay, "challenge", "PAY KPLC ****** 1500", std::nullopt, std::nullopt};
        e.challenges.push_back(Challenge("4821"));
        return e;
      case 1: {  // its answer, read inside the same transaction
        auto c = store().FindChallenge(kMsisdn, "4821");
        if (!c.ok()) return c.status();
        e.consume = ConsumeInbound{answer, "instruction", "4821 ****", std::nullopt, std::nullopt};
        e.challenge_changes.push_back({c->id, ChallengeChange::Kind::kConsume});
        seen.emplace(std::move(*c));
        return e;
      }
      case 2:  // the engine failed: nothing to apply
        return Status::Unavailable("engine");
      case 3: {  // applying fails half-way: its consume must not stay
        e.consume = ConsumeInbound{bad, "balance", "BAL", std::nullopt, std::nullopt};
        NewInstruction clash = Instruction();
        clash.reference = taken.reference;
        e.instructions.push_back(clash);
        return e;
      }
      default:
        e.consume = ConsumeInbound{help, "help", "HELP", std::nullopt, std::nullopt};
        e.replies.push_back(Reply("help text"));
        return e;
    }
  });
  ASSERT_EQ(results.size(), 5u);
  EXPECT_TRUE(results[0].ok()) << results[0].status().ToString();
  EXPECT_TRUE(results[1].ok()) << results[1].status().ToString();
  EXPECT_TRUE(results[2].status().IsUnavailable());
  EXPECT_TRUE(results[3].status().IsAlreadyExists()) << results[3].status().ToString();
  ASSERT_TRUE(results[4].ok()) << results[4].status().ToString();
  EXPECT_EQ(results[4]->reply_ids.size(), 1u);
  ASSERT_TRUE(seen.has_value()) << "step 1 saw step 0's challenge";

  auto pending = store().PendingInbound(0, 10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u) << "only the failed step's MO is still new";
  EXPECT_EQ(pending->front().id, bad);
  auto challenge = store().FindChallenge(kMsisdn, "4821");
  ASSERT_TRUE(challenge.ok());
  EXPECT_EQ(challenge->state, ChallengeState::kConsumed);
  auto replies = store().ClaimReplies(10);
  ASSERT_TRUE(replies.ok());
  EXPECT_EQ(replies->size(), 1u);
}

// The steps of a batch share one savepoint. A step whose writes fail is taken out by rolling
// back to it and writing the steps before it again from their effects: each step is asked
// once, each row is written once, the ids the results give are the rows', and what the
// earlier steps claimed as they went in stays claimed.
TEST_F(ApplyStepsTest, AFailedStepIsTakenOutWithoutAskingTheStepsBeforeItAgain) {
  const std::vector<int64_t> mos = {NewMo("SEND 0712 100"), NewMo("SEND 0712 200"),
                                    NewMo("SEND 0712 300"), NewMo("SEND 0712 400")};
  const std::vector<NewInstruction> made = {Instruction(), Instruction(), Instruction(),
                                            Instruction()};
  std::vector<int> asked(mos.size(), 0);
  Claims claimed;
  auto results = store().ApplySteps(
      mos.size(),
      [&](size_t k) -> Result<Effects> {
        ++asked[k];
        Effects e;
        e.consume = ConsumeInbound{mos[k], "instruction", "SEND ****", std::nullopt, std::nullopt};
        e.instructions.push_back(made[k]);
        e.replies.push_back(Reply("step " + std::to_string(k)));
        if (k == 2) e.replies.push_back(NewReply{});  // no destination: fails after its inserts
        return e;
      },
      {.along = OnlyIfMade(10, 10), .claimed = &claimed});
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(asked, std::vector<int>(4, 1));
  EXPECT_TRUE(results[2].status().IsInvalidArgument()) << results[2].status().ToString();
  for (size_t k : {0u, 1u, 3u}) {
    ASSERT_TRUE(results[k].ok()) << k << ": " << results[k].status().ToString();
    ASSERT_EQ(results[k]->reply_ids.size(), 1u);
    EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM reply WHERE id = " +
                                  std::to_string(results[k]->reply_ids[0])),
              "1");
    auto stored = store().GetInstruction(made[k].id);
    ASSERT_TRUE(stored.ok()) << k;
    EXPECT_EQ(stored->state, InstructionState::kInFlight);
  }
  EXPECT_TRUE(store().GetInstruction(made[2].id).status().IsNotFound());
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM reply"), "3");
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM instruction"), "3");
  EXPECT_EQ(Count(std::string(kEventInboundProcessed)), 3);
  EXPECT_EQ(Count(std::string(kEventInstructionCreated)), 3);
  EXPECT_EQ(Count(std::string(kEventReplyCreated)), 3);
  // What was claimed as it went in is what is in flight, in the steps' order.
  ASSERT_EQ(claimed.instructions.size(), 3u);
  EXPECT_EQ(claimed.instructions[0].id, made[0].id);
  EXPECT_EQ(claimed.instructions[1].id, made[1].id);
  EXPECT_EQ(claimed.instructions[2].id, made[3].id);
  ASSERT_EQ(claimed.replies.size(), 3u);
  EXPECT_EQ(claimed.replies[0].id, results[0]->reply_ids[0]);
  EXPECT_EQ(claimed.replies[1].id, results[1]->reply_ids[0]);
  EXPECT_EQ(claimed.replies[2].id, results[3]->reply_ids[0]);
  EXPECT_EQ(claimed.replies[2].text.view(), "step 3");
  auto pending = store().PendingInbound(0, 10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->front().id, mos[2]);
}

// A late answer to an instruction that has its outcome (a push answered it while the call was
// out) is refused with AlreadyExists, and whatever its step wrote before its outcome (a
// challenge re-offered) goes with it; the answers around it in the batch are applied.
TEST_F(ApplyStepsTest, ALateAnswersStepIsRefusedWholeAndTheOthersStand) {
  std::vector<NewInstruction> made = {Instruction(), Instruction(), Instruction()};
  {
    Effects e;
    e.instructions = made;
    ASSERT_TRUE(store().Apply(e).ok());
    ASSERT_EQ(store().ClaimInstructions(10)->size(), 3u);
    Effects pushed;
    pushed.outcomes.push_back({made[1].id, InstructionOutcome::Kind::kDone, "pushed"});
    ASSERT_TRUE(store().Apply(pushed).ok());
  }
  const size_t audit_rows = Trail().size();
  auto results = store().ApplySteps(3, [&](size_t k) -> Result<Effects> {
    Effects e;
    e.actor = Actor::kBackend;
    if (k == 1) e.challenges.push_back(Challenge("7777"));  // written before the outcome
    e.outcomes.push_back({made[k].id, InstructionOutcome::Kind::kRejected, "wrong_pin"});
    e.replies.push_back(Reply("answer " + std::to_string(k)));
    e.audit.push_back({Actor::kBackend, kMsisdn, "instruction", made[k].id,
                       std::string(kEventWrongPin), "wrong PIN"});
    return e;
  });
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].ok()) << results[0].status().ToString();
  EXPECT_EQ(results[1].status().ToString(),
            Status::AlreadyExists("instruction " + made[1].id + " is already done").ToString());
  EXPECT_TRUE(results[2].ok()) << results[2].status().ToString();
  EXPECT_TRUE(store().FindChallenge(kMsisdn, "7777").status().IsNotFound());
  EXPECT_EQ(store().GetInstruction(made[1].id)->result, "pushed");
  EXPECT_EQ(store().GetInstruction(made[0].id)->state, InstructionState::kRejected);
  EXPECT_EQ(store().GetInstruction(made[2].id)->state, InstructionState::kRejected);
  auto replies = store().ClaimReplies(10);
  ASSERT_TRUE(replies.ok());
  ASSERT_EQ(replies->size(), 2u);
  EXPECT_EQ((*replies)[0].text.view(), "answer 0");
  EXPECT_EQ((*replies)[1].text.view(), "answer 2");
  // Each applied answer: its outcome, its reply, its wrong PIN; then the two replies' claims.
  EXPECT_EQ(Trail().size(), audit_rows + 2 * 3 + 2);
  EXPECT_EQ(Count(std::string(kEventWrongPin)), 2);
  EXPECT_EQ(Count(std::string(kEventChallengeCreated)), 0);
}

// Written again after a rollback, a step sees the time it was first written at: a challenge
// its PIN answer consumed in time stays consumed though it has expired since.
TEST_F(ApplyStepsTest, AStepWrittenAgainDecidesAtTheTimeItWasFirstWritten) {
  const int64_t pay = NewMo("PAY KPLC 998877 1500");
  const int64_t answer = NewMo("4821 1234");
  const int64_t other = NewMo("BAL");
  NewChallenge c = Challenge("4821");
  c.expires_at = clock_->NowMs() + 1000;
  Effects issue;
  issue.consume = ConsumeInbound{pay, "challenge", "PAY ****", std::nullopt, std::nullopt};
  issue.challenges.push_back(c);
  auto issued = store().Apply(issue);
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  auto results = store().ApplySteps(2, [&](size_t k) -> Result<Effects> {
    Effects e;
    if (k == 0) {
      e.consume = ConsumeInbound{answer, "instruction", "4821 ****", std::nullopt, std::nullopt};
      e.challenge_changes.push_back({issued->challenge_ids[0], ChallengeChange::Kind::kConsume});
      return e;
    }
    clock_->Advance(5000);  // the challenge has expired by the time the next step fails
    e.consume = ConsumeInbound{other, "balance", "BAL", std::nullopt, std::nullopt};
    e.replies.push_back(NewReply{});  // no destination: fails after the consume
    return e;
  });
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].ok()) << results[0].status().ToString();
  EXPECT_TRUE(results[1].status().IsInvalidArgument()) << results[1].status().ToString();
  auto challenge = store().FindChallenge(kMsisdn, "4821");
  ASSERT_TRUE(challenge.ok());
  EXPECT_EQ(challenge->state, ChallengeState::kConsumed);
  EXPECT_EQ(
      RawQuery(path_, "SELECT processed_at FROM inbound WHERE id = " + std::to_string(answer)),
      std::to_string(kStartMs));
  auto pending = store().PendingInbound(0, 10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->front().id, other);
}

// Rolled back, the transaction's memory of its writes is put back too: an instruction claimed
// as it went in stays claimed so when it is written again, though a later step of the group
// left one pending (which stops claims on insert) before another failed.
TEST_F(ApplyStepsTest, AStepWrittenAgainIsClaimedAsItWasTheFirstTime) {
  const std::vector<int64_t> mos = {NewMo("SEND 0712 100"), NewMo("SEND 0712 200"),
                                    NewMo("SEND 0712 300")};
  const std::vector<NewInstruction> made = {Instruction(), Instruction(), Instruction()};
  Claims claimed;
  auto results = store().ApplySteps(
      mos.size(),
      [&](size_t k) -> Result<Effects> {
        Effects e;
        e.consume = ConsumeInbound{mos[k], "instruction", "SEND ****", std::nullopt, std::nullopt};
        e.instructions.push_back(made[k]);
        if (k == 2) e.replies.push_back(NewReply{});  // fails after its inserts
        return e;
      },
      {.along = OnlyIfMade(1, 0), .claimed = &claimed});
  ASSERT_EQ(results.size(), 3u);
  ASSERT_TRUE(results[0].ok()) << results[0].status().ToString();
  ASSERT_TRUE(results[1].ok()) << results[1].status().ToString();
  EXPECT_TRUE(results[2].status().IsInvalidArgument()) << results[2].status().ToString();
  ASSERT_EQ(claimed.instructions.size(), 1u);
  EXPECT_EQ(claimed.instructions[0].id, made[0].id);
  auto first = store().GetInstruction(made[0].id);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->state, InstructionState::kInFlight);
  auto second = store().GetInstruction(made[1].id);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->state, InstructionState::kPending);
  EXPECT_EQ(Count(std::string(kEventInstructionClaimed)), 0) << "claimed as it went in, once";
  auto trail = store().Audit({kMsisdn, 0, 100});
  ASSERT_TRUE(trail.ok());
  int created_claimed = 0;
  for (const AuditEntry& a : *trail) {
    if (a.event == kEventInstructionCreated && a.entity_id == made[0].id) {
      EXPECT_EQ(a.detail,
                made[0].operation + ", ref " + made[0].reference + "; claimed, attempt 1");
      ++created_claimed;
    }
  }
  EXPECT_EQ(created_claimed, 1);
}

TEST_F(ApplyStepsTest, AcceptAndStepStoresAndProcessesABatchAndSkipsRedeliveries) {
  const int64_t earlier = NewMo("BAL");  // stored and processed before: its redelivery is not
  {
    Effects e;
    e.consume = ConsumeInbound{earlier, "balance", "BAL", std::nullopt, std::nullopt};
    ASSERT_TRUE(store().Apply(e).ok());
  }
  std::vector<InboundMessage> batch = {Mo(kMsisdn, "HELP", "smsc1", "m1"),
                                       Mo(kMsisdn, "PAY", "smsc1", "m2"),
                                       Mo(kMsisdn, "HELP", "smsc1", "m1"),  // repeated in batch
                                       Mo(kMsisdn, "BAL")};  // a redelivery of `earlier`
  std::vector<std::string> seen;
  auto done = store().AcceptAndStep(batch, [&](const PendingMessage& m) -> Result<Effects> {
    seen.emplace_back(m.text.view());
    if (m.text.view() == "PAY") return Status::Unavailable("engine");
    Effects e;
    e.consume = ConsumeInbound{m.id, "help", "HELP", std::nullopt, std::nullopt};
    e.replies.push_back(Reply("help text"));
    return e;
  });
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(seen, (std::vector<std::string>{"HELP", "PAY"}));
  ASSERT_EQ(done->accepted.size(), 4u);
  EXPECT_FALSE(done->accepted[0].duplicate);
  EXPECT_FALSE(done->accepted[1].duplicate);
  EXPECT_TRUE(done->accepted[2].duplicate);
  EXPECT_EQ(done->accepted[2].id, done->accepted[0].id);
  EXPECT_TRUE(done->accepted[3].duplicate);
  EXPECT_EQ(done->accepted[3].id, earlier);
  ASSERT_EQ(done->stored.size(), 2u);
  EXPECT_EQ(done->stored[0].id, done->accepted[0].id);
  EXPECT_EQ(done->stored[0].source, kMsisdn);
  ASSERT_EQ(done->steps.size(), 2u);
  EXPECT_TRUE(done->steps[0].ok());
  EXPECT_TRUE(done->steps[1].status().IsUnavailable());

  // The failed step's MO waits for ApplySteps.
  auto pending = store().PendingInbound(0, 10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->at(0).id, done->accepted[1].id);
  EXPECT_EQ(pending->at(0).text.view(), "PAY");
  auto replies = store().ClaimReplies(10);
  ASSERT_TRUE(replies.ok());
  EXPECT_EQ(replies->size(), 1u);
  // Committed, memory knows the batch: a later redelivery is a duplicate.
  EXPECT_TRUE(AcceptOne(batch[1]).duplicate);
}

// An MO source kept as the SMSC wrote it keeps its TON/NPI through AcceptAndStep, whether its
// step consumes it at once or leaves it new; a reply given them carries them to its claim,
// made as it goes in or later.
TEST_F(ApplyStepsTest, ASourcesAddressTypeReachesTheClaimOfTheReplyToIt) {
  InboundMessage kept = Mo("MyBank", "HELLO");
  kept.source_type = AddressType{5, 0};
  InboundMessage later = Mo("0700000001", "LATER");
  later.source_type = AddressType{2, 1};
  std::vector<InboundMessage> batch = {kept, later};
  auto done = store().AcceptAndStep(
      batch,
      [&](const PendingMessage& m) -> Result<Effects> {
        if (m.source != "MyBank") return Status::Unavailable("engine");
        Effects e;
        e.consume = ConsumeInbound{m.id, "usage", "HELLO", std::nullopt, std::nullopt};
        e.replies.push_back(ReplyTo(m.source, "usage"));
        e.replies.back().destination_type = m.source_type;
        return e;
      },
      OnlyIfMade(0, 10));
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  ASSERT_EQ(done->stored.size(), 2u);
  EXPECT_EQ(done->stored[0].source_type, (AddressType{5, 0}));
  ASSERT_EQ(done->claimed.replies.size(), 1u);
  EXPECT_EQ(done->claimed.replies[0].destination_type, (AddressType{5, 0}));
  EXPECT_EQ(RawQuery(path_,
                     "SELECT group_concat(source_ton || '/' || source_npi, ' ') FROM "
                     "(SELECT * FROM inbound ORDER BY id)"),
            "5/0 2/1");

  auto pending = store().PendingInbound(0, 10);
  ASSERT_TRUE(pending.ok()) << pending.status().ToString();
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].source_type, (AddressType{2, 1}));
  Effects e;
  e.consume = ConsumeInbound{(*pending)[0].id, "usage", "LATER", std::nullopt, std::nullopt};
  e.replies.push_back(ReplyTo("0700000001", "usage"));
  e.replies.back().destination_type = (*pending)[0].source_type;
  ASSERT_TRUE(store().Apply(e).ok());
  auto claimed = store().ClaimReplies(10);
  ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].destination_type, (AddressType{2, 1}));
}

// AcceptAndStep writes an MO its step consumes already processed, in one INSERT; any other
// MO of the batch goes in new with its text, whether its step failed before its consume, was
// rolled back after it, or consumed nothing.
TEST_F(ApplyStepsTest, AcceptAndStepWritesAConsumedMessageOnceAndTheOthersNew) {
  const std::string kOther = "254700000002", kThird = "254700000003";
  std::vector<InboundMessage> batch = {Mo(kMsisdn, "HELP"), Mo(kOther, "PAY 1234"),
                                       Mo(kThird, "BAL"), Mo(kThird, "MINI")};
  auto done = store().AcceptAndStep(batch, [&](const PendingMessage& m) -> Result<Effects> {
    Effects e;
    const std::string text(m.text.view());
    if (text == "MINI") return Status::Unavailable("engine");
    if (text != "BAL") {
      e.consume = ConsumeInbound{m.id, "help", text == "HELP" ? "HELP" : "PAY ****", "R1",
                                 std::string("HELP")};
    }
    e.replies.push_back(ReplyTo(m.source, "text for " + text));
    if (text == "PAY 1234") e.replies.push_back(NewReply{});  // fails after the consume
    return e;
  });
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  ASSERT_EQ(done->steps.size(), 4u);
  EXPECT_TRUE(done->steps[0].ok());
  EXPECT_TRUE(done->steps[1].status().IsInvalidArgument()) << done->steps[1].status().ToString();
  EXPECT_TRUE(done->steps[2].ok());
  EXPECT_TRUE(done->steps[3].status().IsUnavailable());

  // The consumed one: processed, with what its consume said, and no text kept.
  const std::string id = std::to_string(done->accepted[0].id);
  EXPECT_EQ(RawQuery(path_,
                     "SELECT state || ' ' || outcome || ' ' || redacted_text || ' ' || "
                     "reference || ' ' || (raw_sealed IS NULL) || ' ' || source || ' ' || "
                     "received_at FROM inbound WHERE id = " +
                         id),
            "processed help HELP R1 1 " + std::string(kMsisdn) + " " + std::to_string(kStartMs));
  auto resend = store().FindResend(kMsisdn, "HELP", clock_->NowMs());
  ASSERT_TRUE(resend.ok()) << resend.status().ToString();
  ASSERT_TRUE(resend->has_value());
  EXPECT_EQ((*resend)->inbound_id, done->accepted[0].id);
  EXPECT_EQ((*resend)->reference, "R1");
  EXPECT_EQ(Count(std::string(kEventInboundProcessed)), 1);
  EXPECT_EQ(RawQuery(path_,
                     "SELECT connection || ' ' || destination || ' ' || data_coding || "
                     "' ' || processed_at FROM inbound WHERE id = " +
                         id),
            "smsc1 4040 0 " + std::to_string(kStartMs));
  // The rolled-back consume left no audit row behind.
  auto other_processed = store().CountEvents(kOther, kEventInboundProcessed, 0);
  ASSERT_TRUE(other_processed.ok());
  EXPECT_EQ(*other_processed, 0);

  // The other three wait, new, with their texts, in arrival order.
  auto pending = store().PendingInbound(0, 10);
  ASSERT_TRUE(pending.ok()) << pending.status().ToString();
  ASSERT_EQ(pending->size(), 3u);
  EXPECT_EQ(pending->at(0).text.view(), "PAY 1234");
  EXPECT_EQ(pending->at(0).id, done->accepted[1].id);
  EXPECT_EQ(pending->at(0).source, kOther);
  EXPECT_EQ(pending->at(1).text.view(), "BAL");
  EXPECT_EQ(pending->at(2).text.view(), "MINI");
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM inbound"), "4");
  // The rolled-back step's reply went with it; the others' stand.
  auto replies = store().ClaimReplies(10);
  ASSERT_TRUE(replies.ok());
  ASSERT_EQ(replies->size(), 2u);
  EXPECT_EQ(replies->at(0).text.view(), "text for HELP");
  EXPECT_EQ(replies->at(1).text.view(), "text for BAL");
  // Memory knows the whole batch: a redelivery of any of them is a duplicate.
  for (const InboundMessage& m : batch) EXPECT_TRUE(AcceptOne(m).duplicate) << m.text;
}

TEST_F(ApplyStepsTest, AcceptAndStepOnlyStoresABatchBehindAnOlderNewMessage) {
  const int64_t older = NewMo("PAY KPLC 998877 1500");  // still new: its step is to come
  std::vector<InboundMessage> batch = {Mo(kMsisdn, "4821 1234"), Mo("254700000002", "HELP")};
  int stepped = 0;
  auto done = store().AcceptAndStep(batch, [&](const PendingMessage&) -> Result<Effects> {
    ++stepped;
    return Effects{};
  });
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(stepped, 0);
  EXPECT_TRUE(done->stored.empty());
  EXPECT_TRUE(done->steps.empty());
  ASSERT_EQ(done->accepted.size(), 2u);
  auto pending = store().PendingInbound(0, 10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 3u);  // all new, in arrival order
  EXPECT_EQ(pending->at(0).id, older);
  EXPECT_EQ(pending->at(1).id, done->accepted[0].id);
  EXPECT_EQ(pending->at(2).id, done->accepted[1].id);
  EXPECT_TRUE(AcceptOne(batch[0]).duplicate);  // stored and remembered all the same
}

TEST_F(ApplyStepsTest, AcceptAndStepClaimsWhatItsStepsMadeInTheSameTransaction) {
  NewInstruction made = Instruction();
  auto step = [&](const PendingMessage& m) -> Result<Effects> {
    Effects e;
    e.consume = ConsumeInbound{m.id, "instruction", "SEND ****", std::nullopt, std::nullopt};
    e.instructions.push_back(made);
    e.replies.push_back(Reply("Sending, ref " + made.reference));
    return e;
  };
  auto done = store().AcceptAndStep(std::vector<InboundMessage>{Mo(kMsisdn, "SEND 0712 500")}, step,
                                    ClaimsAlong{10, 10});
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  ASSERT_EQ(done->claimed.instructions.size(), 1u);
  const ClaimedInstruction& i = done->claimed.instructions[0];
  EXPECT_EQ(i.id, made.id);
  EXPECT_EQ(i.attempt, 1);
  EXPECT_EQ(i.secret.view(), "acct=1234567890");
  ASSERT_EQ(done->claimed.replies.size(), 1u);
  EXPECT_EQ(done->claimed.replies[0].text.view(), "Sending, ref " + made.reference);
  EXPECT_EQ(done->claimed.replies[0].attempt, 1);

  // Claimed as ClaimInstructions and ClaimReplies claim: in flight, attempt counted, audited.
  auto stored = store().GetInstruction(made.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->state, InstructionState::kInFlight);
  EXPECT_EQ(stored->attempts, 1);
  EXPECT_EQ(Count(std::string(kEventInstructionClaimed)), 1);
  EXPECT_EQ(Count(std::string(kEventReplyClaimed)), 1);
  auto instructions = store().ClaimInstructions(10);
  ASSERT_TRUE(instructions.ok());
  EXPECT_TRUE(instructions->empty());
  auto replies = store().ClaimReplies(10);
  ASSERT_TRUE(replies.ok());
  EXPECT_TRUE(replies->empty());
}

// A kind the caller knows had nothing due is claimed only by a transaction that made one of
// its kind pending; then the claim takes all that is due, the older ones included.
TEST_F(ApplyStepsTest, ClaimsAlongOnlyIfMadeRunOnlyWhenTheTransactionMadeTheirKind) {
  NewInstruction older = Instruction();
  {
    Effects e;
    e.instructions.push_back(older);
    e.replies.push_back(Reply("older"));
    ASSERT_TRUE(store().Apply(e).ok());
  }
  const ClaimsAlong only_if_made = OnlyIfMade(10, 10);
  // A step that makes a reply only: the due instruction (the caller was wrong about it) stays
  // unclaimed; the replies are claimed, the older one with them.
  const int64_t first = NewMo("BAL");
  Claims claimed;
  auto results = store().ApplySteps(
      1,
      [&](size_t) -> Result<Effects> {
        Effects e;
        e.consume = ConsumeInbound{first, "balance", "BAL", std::nullopt, std::nullopt};
        e.replies.push_back(Reply("newer"));
        return e;
      },
      {.along = only_if_made, .claimed = &claimed});
  ASSERT_EQ(results.size(), 1u);
  ASSERT_TRUE(results[0].ok()) << results[0].status().ToString();
  EXPECT_TRUE(claimed.complete);
  EXPECT_TRUE(claimed.instructions.empty());
  EXPECT_EQ(claimed.replies.size(), 2u);
  EXPECT_EQ(Count(std::string(kEventInstructionClaimed)), 0);

  // A step that makes an instruction: claimed, with the one waiting before it.
  const int64_t second = NewMo("SEND 0712 500");
  NewInstruction newer = Instruction();
  claimed = {};
  results = store().ApplySteps(
      1,
      [&](size_t) -> Result<Effects> {
        Effects e;
        e.consume = ConsumeInbound{second, "instruction", "SEND ****", std::nullopt, std::nullopt};
        e.instructions.push_back(newer);
        return e;
      },
      {.along = only_if_made, .claimed = &claimed});
  ASSERT_TRUE(results[0].ok()) << results[0].status().ToString();
  EXPECT_TRUE(claimed.complete);
  ASSERT_EQ(claimed.instructions.size(), 2u);
  EXPECT_EQ(claimed.instructions[0].id, older.id);
  EXPECT_EQ(claimed.instructions[1].id, newer.id);
  EXPECT_TRUE(claimed.replies.empty());
}

TEST_F(ApplyStepsTest, ClaimsAlongKeepTheirLimitsAndCreationOrder) {
  NewInstruction older = Instruction();
  {
    Effects e;
    e.instructions.push_back(older);
    e.replies.push_back(Reply("older"));
    ASSERT_TRUE(store().Apply(e).ok());
  }
  clock_->Advance(1);
  const int64_t mo = NewMo("SEND 0712 500");
  NewInstruction newer = Instruction();
  Claims claimed;
  auto results = store().ApplySteps(
      1,
      [&](size_t) -> Result<Effects> {
        Effects e;
        e.consume = ConsumeInbound{mo, "instruction", "SEND ****", std::nullopt, std::nullopt};
        e.instructions.push_back(newer);
        e.replies.push_back(Reply("newer"));
        return e;
      },
      {.along = {1, 0}, .claimed = &claimed});
  ASSERT_EQ(results.size(), 1u);
  ASSERT_TRUE(results[0].ok()) << results[0].status().ToString();
  ASSERT_EQ(claimed.instructions.size(), 1u);
  EXPECT_EQ(claimed.instructions[0].id, older.id);  // the oldest due goes first
  EXPECT_TRUE(claimed.replies.empty());             // none asked for

  auto instructions = store().ClaimInstructions(10);
  ASSERT_TRUE(instructions.ok());
  ASSERT_EQ(instructions->size(), 1u);
  EXPECT_EQ(instructions->at(0).id, newer.id);
  auto replies = store().ClaimReplies(10);
  ASSERT_TRUE(replies.ok());
  EXPECT_EQ(replies->size(), 2u);

  // Without `claimed` nothing is claimed, whatever `along` says.
  const int64_t last = NewMo("SEND 0712 600");
  NewInstruction third = Instruction();
  results = store().ApplySteps(
      1,
      [&](size_t) -> Result<Effects> {
        Effects e;
        e.consume = ConsumeInbound{last, "instruction", "SEND ****", std::nullopt, std::nullopt};
        e.instructions.push_back(third);
        return e;
      },
      {.along = {10, 10}});
  ASSERT_TRUE(results[0].ok());
  auto stored = store().GetInstruction(third.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->state, InstructionState::kPending);
}

// With nothing due when the transaction began, the rows the steps make are claimed as they go
// in: in flight from their insert, up to the limit, each with one audit row; a step rolled
// back takes its claims with it.
TEST_F(ApplyStepsTest, ClaimsAlongTakeTheRowsTheStepsMakeAsTheyGoIn) {
  const ClaimsAlong only_if_made = OnlyIfMade(2, 10);
  const std::vector<int64_t> mos = {NewMo("SEND 0712 100"), NewMo("SEND 0712 200"),
                                    NewMo("SEND 0712 300")};
  std::vector<NewInstruction> made = {Instruction(), Instruction(), Instruction(), Instruction()};
  for (NewInstruction& i : made) i.parsed = std::make_shared<const std::string>("parsed " + i.id);
  Claims claimed;
  auto results = store().ApplySteps(
      3,
      [&](size_t k) -> Result<Effects> {
        Effects e;
        e.consume = ConsumeInbound{mos[k], "instruction", "SEND ****", std::nullopt, std::nullopt};
        if (k == 0) {
          e.instructions.push_back(made[0]);
          e.replies.push_back(Reply("first"));
        } else if (k == 1) {
          e.instructions.push_back(made[1]);
          e.replies.push_back(Reply("rolled back"));
          e.replies.push_back(NewReply{});  // no destination: the step fails after its inserts
        } else {
          e.instructions.push_back(made[2]);
          e.instructions.push_back(made[3]);  // past the limit of two
        }
        return e;
      },
      {.along = only_if_made, .claimed = &claimed});
  ASSERT_EQ(results.size(), 3u);
  ASSERT_TRUE(results[0].ok()) << results[0].status().ToString();
  EXPECT_TRUE(results[1].status().IsInvalidArgument()) << results[1].status().ToString();
  ASSERT_TRUE(results[2].ok()) << results[2].status().ToString();
  EXPECT_TRUE(claimed.complete);
  ASSERT_EQ(claimed.instructions.size(), 2u);
  EXPECT_EQ(claimed.instructions[0].id, made[0].id);
  EXPECT_EQ(claimed.instructions[1].id, made[2].id);
  EXPECT_EQ(claimed.instructions[0].attempt, 1);
  EXPECT_EQ(claimed.instructions[0].secret.view(), made[0].secret);
  EXPECT_EQ(claimed.instructions[0].payload, made[0].payload);
  EXPECT_FALSE(claimed.instructions[0].payload_hash.empty());
  // The maker's parsed form comes back with the claim, the same object, untouched.
  EXPECT_EQ(claimed.instructions[0].parsed, made[0].parsed);
  EXPECT_EQ(claimed.instructions[1].parsed, made[2].parsed);
  ASSERT_EQ(claimed.replies.size(), 1u);
  EXPECT_EQ(claimed.replies[0].text.view(), "first");
  EXPECT_EQ(claimed.replies[0].destination, kMsisdn);
  EXPECT_EQ(claimed.replies[0].attempt, 1);

  for (const NewInstruction* i : {&made[0], &made[2]}) {
    auto stored = store().GetInstruction(i->id);
    ASSERT_TRUE(stored.ok());
    EXPECT_EQ(stored->state, InstructionState::kInFlight);
    EXPECT_EQ(stored->attempts, 1);
  }
  EXPECT_TRUE(store().GetInstruction(made[1].id).status().IsNotFound());
  // Never pending, so one row each: the created row says it was claimed with it.
  EXPECT_EQ(Count(std::string(kEventInstructionCreated)), 3);
  EXPECT_EQ(Count(std::string(kEventInstructionClaimed)), 0);
  EXPECT_EQ(Count(std::string(kEventReplyCreated)), 1);
  EXPECT_EQ(Count(std::string(kEventReplyClaimed)), 0);
  auto trail = store().Audit({kMsisdn, 0, 100});
  ASSERT_TRUE(trail.ok());
  std::map<std::string, std::string> created;  // entity id -> detail
  for (const AuditEntry& a : *trail) {
    if (a.event == kEventInstructionCreated || a.event == kEventReplyCreated) {
      created[a.entity_id] = a.detail;
    }
  }
  ASSERT_EQ(created.size(), 4u);
  for (const NewInstruction* i : {&made[0], &made[2]}) {
    EXPECT_EQ(created[i->id], i->operation + ", ref " + i->reference + "; claimed, attempt 1");
  }
  EXPECT_EQ(created[made[3].id], made[3].operation + ", ref " + made[3].reference);
  EXPECT_EQ(created[ReplyItemId(claimed.replies[0].id)], "claimed, attempt 1");

  // The one past the limit stayed pending, and is what a claim finds, with a row of its own;
  // nothing else is due.
  auto instructions = store().ClaimInstructions(10);
  ASSERT_TRUE(instructions.ok());
  ASSERT_EQ(instructions->size(), 1u);
  EXPECT_EQ(instructions->at(0).id, made[3].id);
  EXPECT_EQ(instructions->at(0).parsed, nullptr) << "claimed from the table: nothing kept";
  EXPECT_EQ(Count(std::string(kEventInstructionClaimed)), 1);
  auto replies = store().ClaimReplies(10);
  ASSERT_TRUE(replies.ok());
  EXPECT_TRUE(replies->empty());

  // A restart finds the rows claimed so in flight, as any claimed row, and puts them back.
  Close();
  Open();
  auto again = store().ClaimInstructions(10);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->size(), 3u);
  auto replies_again = store().ClaimReplies(10);
  ASSERT_TRUE(replies_again.ok());
  EXPECT_EQ(replies_again->size(), 1u);
}

TEST_F(ApplyStepsTest, AfterAFailedStepTheLaterStepsOfItsKeyWait) {
  const int64_t pay = NewMo("PAY KPLC 998877 1500");
  const int64_t other = AcceptOne(Mo("254700000002", "HELP")).id;
  const int64_t pin = NewMo("4821 1234");  // same subscriber as `pay`, after it
  const std::vector<int64_t> ids = {pay, other, pin};
  const std::vector<std::string> keys = {kMsisdn, "254700000002", kMsisdn};
  std::vector<size_t> run;
  auto results = store().ApplySteps(
      3,
      [&](size_t i) -> Result<Effects> {
        run.push_back(i);
        if (i == 0) return Status::Unavailable("engine");
        Effects e;
        e.consume = ConsumeInbound{ids[i], "help", "HELP", std::nullopt, std::nullopt};
        return e;
      },
      {.order_key = [&](size_t i) -> std::string_view { return keys[i]; }});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(run, (std::vector<size_t>{0, 1}));  // the PIN reply is not processed before PAY
  EXPECT_TRUE(results[0].status().IsUnavailable());
  EXPECT_TRUE(results[1].ok());
  EXPECT_TRUE(results[2].status().IsUnavailable());
  auto pending = store().PendingInbound(0, 10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ(pending->at(0).id, pay);
  EXPECT_EQ(pending->at(1).id, pin);
}

// An instruction and a reply of an earlier MO, both claimed: in flight, waiting for the
// backend's answer and the SMSC's submit_sm_resp.
class RidersTest : public ApplyStepsTest {
 protected:
  void SetUp() override {
    ApplyStepsTest::SetUp();
    Effects e;
    e.instructions.push_back(ins_);
    e.replies.push_back(Reply("earlier"));
    e.replies.push_back(Reply("earlier too"));
    ASSERT_TRUE(store().Apply(e).ok());
    auto instructions = store().ClaimInstructions(10);
    ASSERT_TRUE(instructions.ok());
    ASSERT_EQ(instructions->size(), 1u);
    auto replies = store().ClaimReplies(10);
    ASSERT_TRUE(replies.ok());
    ASSERT_EQ(replies->size(), 2u);
    reply_ = replies->at(0).id;
    other_reply_ = replies->at(1).id;
  }

  Result<Effects> Done(size_t) {
    Effects e;
    e.outcomes.push_back({ins_.id, InstructionOutcome::Kind::kDone, "ok"});
    e.replies.push_back(Reply("done"));
    e.actor = Actor::kBackend;
    return e;
  }
  static Result<Effects> Help(const PendingMessage& m) {
    Effects e;
    e.consume = ConsumeInbound{m.id, "help", "HELP", std::nullopt, std::nullopt};
    e.replies.push_back(ReplyTo(m.source, "help text"));
    return e;
  }
  std::map<std::string, int64_t> ReplyStates() {
    auto st = store().Stats();
    EXPECT_TRUE(st.ok());
    return st.ok() ? st->replies : std::map<std::string, int64_t>{};
  }

  NewInstruction ins_ = Instruction();
  int64_t reply_ = 0;
  int64_t other_reply_ = 0;
};

TEST_F(RidersTest, AcceptAndStepCarriesSendResultsAndAnswerStepsInItsTransaction) {
  const std::vector<ReplyResult> results = {{reply_, ReplyResult::Kind::kSent, "m-1", "", "smsc1"}};
  Riders riders{
      .reply_results = results, .step_count = 1, .step = [&](size_t i) { return Done(i); }};
  auto done = store().AcceptAndStep(std::vector<InboundMessage>{Mo("254700000002", "HELP")},
                                    &RidersTest::Help, ClaimsAlong{0, 10}, riders);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_TRUE(done->ridden.reply_results.ok()) << done->ridden.reply_results.ToString();
  ASSERT_EQ(done->ridden.steps.size(), 1u);
  EXPECT_TRUE(done->ridden.steps[0].ok()) << done->ridden.steps[0].status().ToString();
  ASSERT_EQ(done->steps.size(), 1u);
  EXPECT_TRUE(done->steps[0].ok());

  auto ins = store().GetInstruction(ins_.id);
  ASSERT_TRUE(ins.ok());
  EXPECT_EQ(ins->state, InstructionState::kDone);
  // The replies the batch's step and the answer's step made, claimed after both.
  std::multiset<std::string> claimed;
  for (const ClaimedReply& r : done->claimed.replies) claimed.emplace(r.text.view());
  EXPECT_EQ(claimed, (std::multiset<std::string>{"help text", "done"}));
  std::map<std::string, int64_t> states = ReplyStates();
  EXPECT_EQ(states["sent"], 1);
  EXPECT_EQ(states["in_flight"], 3);  // the other earlier one, and the two just claimed
  // The send result's message id is on record: its receipt finds the reply.
  auto receipt = store().RecordReceipt("smsc1", "m-1", true, "DELIVRD");
  ASSERT_TRUE(receipt.ok()) << receipt.status().ToString();
  EXPECT_EQ(*receipt, reply_);
}

TEST_F(RidersTest, SendResultsThatCannotBeRecordedUndoOnlyThemselves) {
  // The second names no reply: the results go all or none, the batch's step commits.
  const std::vector<ReplyResult> results = {{reply_, ReplyResult::Kind::kSent, "m-1", ""},
                                            {reply_ + 1000, ReplyResult::Kind::kSent, "m-2", ""}};
  auto done = store().AcceptAndStep(std::vector<InboundMessage>{Mo("254700000002", "HELP")},
                                    &RidersTest::Help, {}, Riders{.reply_results = results});
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_TRUE(done->ridden.reply_results.IsNotFound()) << done->ridden.reply_results.ToString();
  ASSERT_EQ(done->steps.size(), 1u);
  EXPECT_TRUE(done->steps[0].ok());
  std::map<std::string, int64_t> states = ReplyStates();
  EXPECT_EQ(states["sent"], 0);
  EXPECT_EQ(states["in_flight"], 2);
  EXPECT_EQ(states["pending"], 1);  // the HELP's reply
  auto pending = store().PendingInbound(0, 10);
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(pending->empty());
}

TEST_F(RidersTest, ApplyStepsRecordsSendResultsFirstEvenWithNoStep) {
  const std::vector<ReplyResult> first = {{reply_, ReplyResult::Kind::kSent, "m-1", ""}};
  Status recorded = Status::Internal("not reported");
  auto none =
      store().ApplySteps(0, [&](size_t i) { return Done(i); },
                         {.lazy = true, .reply_results = first, .reply_results_status = &recorded});
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(recorded.ok()) << recorded.ToString();
  EXPECT_EQ(ReplyStates()["sent"], 1);

  // A retry result for the other one, with the instruction's answer: both in one go.
  const std::vector<ReplyResult> second = {
      {other_reply_, ReplyResult::Kind::kRetry, "", "throttled"}};
  recorded = Status::Internal("not reported");
  auto one = store().ApplySteps(1, [&](size_t i) { return Done(i); },
                                {.reply_results = second, .reply_results_status = &recorded});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_TRUE(one[0].ok()) << one[0].status().ToString();
  EXPECT_TRUE(recorded.ok()) << recorded.ToString();
  std::map<std::string, int64_t> states = ReplyStates();
  EXPECT_EQ(states["in_flight"], 0);
  EXPECT_EQ(states["pending"], 2);  // the retry and the answer's reply
  auto ins = store().GetInstruction(ins_.id);
  ASSERT_TRUE(ins.ok());
  EXPECT_EQ(ins->state, InstructionState::kDone);
}

TEST_F(ApplyStepsTest, NoStepsIsNothing) {
  EXPECT_TRUE(store().ApplySteps(0, [](size_t) -> Result<Effects> { return Effects{}; }).empty());
}

}  // namespace
}  // namespace smsgw::store::testing
