#include <gtest/gtest.h>
#include <sqlite3.h>

#include <set>

#include "store/ids.h"
#include "tests/support/store_fixture.h"

namespace smsgw::store::testing {
namespace {

constexpr char kMsisdn[] = "254700000001";
constexpr int64_t kDay = 24 * kHour;

class AdminTest : public StoreTest {
 protected:
  void SetUp() override { Open(); }

  // One processed message with a done instruction, a delivered reply and a consumed challenge;
  // one message still new with a pending instruction, reply and challenge.
  void Populate() {
    int64_t done_mo = AcceptOne(Mo(kMsisdn, "done")).id;
    int64_t open_mo = AcceptOne(Mo(kMsisdn, "open")).id;
    auto k1 = MintInstructionKeys(clock_->NowMs()).value();
    auto k2 = MintInstructionKeys(clock_->NowMs()).value();
    Effects e;
    e.consume = ConsumeInbound{done_mo, "instruction", "done", k1.reference, std::nullopt};
    e.challenges.push_back(
        {kMsisdn, "1234", "transfer", "{}", "", std::nullopt, clock_->NowMs() + kHour, 3, {}});
    e.instructions.push_back(
        {k1.id, k1.reference, kMsisdn, "transfer", "{}", "", std::nullopt, std::nullopt, {}});
    e.replies.push_back(ReplyTo(kMsisdn, "done"));
    auto applied = store().Apply(e);
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
    Effects consume_challenge;
    consume_challenge.challenge_changes.push_back(
        {applied->challenge_ids[0], ChallengeChange::Kind::kConsume});
    ASSERT_TRUE(store().Apply(consume_challenge).ok());
    ASSERT_EQ(store().ClaimInstructions(10)->size(), 1u);
    Effects result;
    result.outcomes.push_back({k1.id, InstructionOutcome::Kind::kDone, "ok"});
    ASSERT_TRUE(store().Apply(result).ok());
    ASSERT_EQ(store().ClaimReplies(10)->size(), 1u);
    std::vector<ReplyResult> sent = {
        {applied->reply_ids[0], ReplyResult::Kind::kSent, "m1", "", "smsc1"}};
    ASSERT_TRUE(store().RecordReplyResults(sent).ok());
    ASSERT_TRUE(store().RecordReceipt("smsc1", "m1", true, "DELIVRD").ok());
    Effects lock;
    lock.locks.push_back({kMsisdn, clock_->NowMs() + kHour, "test"});
    ASSERT_TRUE(store().Apply(lock).ok());

    Effects open;
    open.instructions.push_back(
        {k2.id, k2.reference, kMsisdn, "transfer", "{}", "", std::nullopt, open_mo, {}});
    open.replies.push_back(ReplyTo(kMsisdn, "pending"));
    open.challenges.push_back(
        {kMsisdn, "5678", "transfer", "{}", "", std::nullopt, clock_->NowMs() + kHour, 3, {}});
    ASSERT_TRUE(store().Apply(open).ok());
  }
};

TEST_F(AdminTest, StatsCountEveryState) {
  Populate();
  auto st = store().Stats();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->inbound["new"], 1);
  EXPECT_EQ(st->inbound["processed"], 1);
  EXPECT_EQ(st->challenges["consumed"], 1);
  EXPECT_EQ(st->challenges["pending"], 1);
  EXPECT_EQ(st->instructions["done"], 1);
  EXPECT_EQ(st->instructions["pending"], 1);
  EXPECT_EQ(st->replies["delivered"], 1);
  EXPECT_EQ(st->replies["pending"], 1);
  EXPECT_EQ(st->locked_subscribers, 1);
  EXPECT_GT(st->audit_rows, 10);
  EXPECT_GT(st->file_bytes, 0);
}

TEST_F(AdminTest, DepthsCountTheWorkWaitingAndTheDeadLetters) {
  Populate();
  auto d = store().Depths();
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->inbound_new, 1);
  EXPECT_EQ(d->instructions_pending, 1);
  EXPECT_EQ(d->replies_pending, 1);
  EXPECT_EQ(d->dead_letters, 0);

  RawQuery(path_, "UPDATE reply SET state = 'dead' WHERE state = 'pending'");
  RawQuery(path_, "UPDATE instruction SET state = 'dead' WHERE state = 'done'");
  d = store().Depths();
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->replies_pending, 0);
  EXPECT_EQ(d->instructions_pending, 1);
  EXPECT_EQ(d->dead_letters, 2);
  auto st = store().Stats();  // the full count agrees
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->inbound["new"], d->inbound_new);
  EXPECT_EQ(st->instructions["dead"] + st->replies["dead"], d->dead_letters);
}

TEST_F(AdminTest, PurgeDeletesOnlyOldFinishedRows) {
  Populate();
  auto young = store().Purge({});
  ASSERT_TRUE(young.ok());
  EXPECT_EQ(young->inbound + young->instructions + young->replies + young->challenges, 0);

  clock_->Advance(91 * kDay);
  auto old = store().Purge({});
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->inbound, 1);
  EXPECT_EQ(old->challenges, 1);
  EXPECT_EQ(old->instructions, 1);
  EXPECT_EQ(old->replies, 1);
  EXPECT_EQ(old->locks, 1);
  EXPECT_EQ(old->audit, 0);
  auto st = store().Stats();
  EXPECT_EQ(st->inbound["new"], 1);  // work still to do is never purged
  EXPECT_EQ(st->inbound.count("processed"), 0u);
  EXPECT_EQ(st->instructions["pending"], 1);
  EXPECT_EQ(st->replies["pending"], 1);
  const int64_t audit_rows = st->audit_rows;

  PurgeOptions with_audit;
  with_audit.audit_older_than_ms = 30 * kDay;
  auto audit = store().Purge(with_audit);
  ASSERT_TRUE(audit.ok());
  EXPECT_EQ(audit->audit, audit_rows - 1);  // all but the first purge's own record
  auto trail = store().Audit({});
  ASSERT_TRUE(trail.ok());
  ASSERT_EQ(trail->size(), 2u);
  EXPECT_EQ(trail->back().event, kEventStorePurged);
  EXPECT_EQ(trail->back().actor, Actor::kAdmin);
}

// Purge walks the reply table in key order, in chunks of 500, past the rows it must keep: old
// ones still in flight, and old ones a receipt changed after the cutoff. Kept rows lie between
// deleted ones and at the chunks' edges, so a chunk that went on from the wrong key, or a walk
// that ended at a kept row, would show in the counts.
TEST_F(AdminTest, PurgeDeletesFinishedRowsPastTheOnesItKeeps) {
  constexpr int kReplies = 1203;
  Effects fx;
  for (int i = 0; i < kReplies; ++i) fx.replies.push_back(ReplyTo(kMsisdn, "r"));
  auto applied = store().Apply(fx);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  ASSERT_EQ(store().ClaimReplies(kReplies)->size(), static_cast<size_t>(kReplies));
  std::vector<ReplyResult> results;
  int in_flight = 0;
  for (int i = 0; i < kReplies; ++i) {
    if (i % 100 == 50) {
      ++in_flight;  // no result yet: still in flight, never purged
      continue;
    }
    results.push_back(
        {applied->reply_ids[i], ReplyResult::Kind::kSent, "m" + std::to_string(i), "", "smsc1"});
  }
  ASSERT_TRUE(store().RecordReplyResults(results).ok());
  clock_->Advance(91 * kDay);
  int receipted = 0;
  for (int i : {7, 499, 500, 501, 1000, 1202}) {  // changed now, so younger than the cutoff
    ASSERT_TRUE(store().RecordReceipt("smsc1", "m" + std::to_string(i), true, "DELIVRD").ok());
    ++receipted;
  }
  Effects young;
  young.replies.push_back(ReplyTo(kMsisdn, "young"));  // created after the cutoff
  ASSERT_TRUE(store().Apply(young).ok());

  auto purged = store().Purge({});
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_EQ(purged->replies, kReplies - in_flight - receipted);
  auto st = store().Stats();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->replies["in_flight"], in_flight);
  EXPECT_EQ(st->replies["delivered"], receipted);
  EXPECT_EQ(st->replies["pending"], 1);
  EXPECT_EQ(st->replies.count("sent"), 0u);
}

// A row written while the clock was stepped forward is stamped in the future. It is not taken
// for the first young row, which would hold back every row after it until its time came; it
// stays itself until it is old, and goes then.
TEST_F(AdminTest, ARowStampedInTheFutureHoldsNoPurgeBack) {
  int n = 0;
  auto finished = [&] {  // a processed MO, its sent reply and their audit rows, stamped now
    const std::string text = "m" + std::to_string(n++);
    Effects e;
    e.consume =
        ConsumeInbound{AcceptOne(Mo(kMsisdn, text)).id, "usage", text, std::nullopt, std::nullopt};
    e.replies.push_back(ReplyTo(kMsisdn, text));
    auto applied = store().Apply(e);
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
    ASSERT_EQ(store().ClaimReplies(10)->size(), 1u);
    const std::vector<ReplyResult> sent = {
        {applied->reply_ids[0], ReplyResult::Kind::kSent, text, ""}};
    ASSERT_TRUE(store().RecordReplyResults(sent).ok());
  };
  auto audit_rows = [&] { return std::stoi(RawQuery(path_, "SELECT count(*) FROM audit")); };
  finished();
  clock_->Advance(5 * 365 * kDay);  // stepped forward...
  const int64_t future = clock_->NowMs();
  const int before = audit_rows();
  finished();
  const int future_rows = audit_rows() - before;
  ASSERT_GT(future_rows, 0);
  clock_->Set(kStartMs + kMinute);  // ...and back
  for (int i = 0; i < 3; ++i) finished();
  clock_->Advance(91 * kDay);
  finished();  // young

  PurgeOptions o;
  o.audit_older_than_ms = 31 * kDay;
  auto purged = store().Purge(o);
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_EQ(purged->replies, 4);
  EXPECT_EQ(purged->inbound, 4);
  auto st = store().Stats();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->replies["sent"], 2);  // the future one and the young one
  EXPECT_EQ(st->inbound["processed"], 2);
  const std::string now = std::to_string(clock_->NowMs());
  const std::string audit_cutoff = std::to_string(clock_->NowMs() - 31 * kDay);
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM audit WHERE at < " + audit_cutoff), "0");
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM audit WHERE at > " + now),
            std::to_string(future_rows));

  clock_->Set(future + 91 * kDay);  // the future row is old now, and so is the young one
  purged = store().Purge({});
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_EQ(purged->replies, 2);
  EXPECT_EQ(purged->inbound, 2);
}

// A purge that finds every row old deletes them all, the newest too, so no sealed text outlives
// the retention period on a quiet store. Ids are max + 1, and an id given again would join the
// purged row's audit trail: they go on above the purged ones, after a restart and, since
// `smsgw ctl purge` runs beside the daemon, through another connection while this one is open.
TEST_F(AdminTest, AfterEveryRowIsPurgedIdsGoOnAboveThePurgedOnes) {
  struct Ids {
    int64_t inbound = 0, challenge = 0, reply = 0;
  };
  // A processed message, a consumed challenge and a sent reply; their ids.
  int n = 0;
  auto finished = [&](Ids& ids) {
    ids.inbound = AcceptOne(Mo(kMsisdn, "m" + std::to_string(n++))).id;
    Effects e;
    e.consume = ConsumeInbound{ids.inbound, "usage", "m", std::nullopt, std::nullopt};
    e.challenges.push_back(
        {kMsisdn, "1234", "transfer", "{}", "", std::nullopt, clock_->NowMs() + kHour, 3, {}});
    e.replies.push_back(ReplyTo(kMsisdn, "r"));
    auto applied = store().Apply(e);
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
    ids.challenge = applied->challenge_ids[0];
    ids.reply = applied->reply_ids[0];
    Effects consume;
    consume.challenge_changes.push_back({ids.challenge, ChallengeChange::Kind::kConsume});
    ASSERT_TRUE(store().Apply(consume).ok());
    ASSERT_EQ(store().ClaimReplies(10)->size(), 1u);
    const std::vector<ReplyResult> sent = {{ids.reply, ReplyResult::Kind::kSent, "m", ""}};
    ASSERT_TRUE(store().RecordReplyResults(sent).ok());
  };
  auto purge_everything = [&](Store& by) {
    auto purged = by.Purge({});
    ASSERT_TRUE(purged.ok()) << purged.status().ToString();
    EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM inbound"), "0");
    EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM challenge"), "0");
    EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM reply"), "0");
  };
  auto above = [](const Ids& next, const Ids& last) {
    EXPECT_GT(next.inbound, last.inbound);
    EXPECT_GT(next.challenge, last.challenge);
    EXPECT_GT(next.reply, last.reply);
  };
  Ids first, second;
  ASSERT_NO_FATAL_FAILURE(finished(first));
  ASSERT_NO_FATAL_FAILURE(finished(second));
  above(second, first);
  clock_->Advance(100 * kDay);
  ASSERT_NO_FATAL_FAILURE(purge_everything(store()));
  Close();
  Open();
  Ids third;
  ASSERT_NO_FATAL_FAILURE(finished(third));
  above(third, second);

  clock_->Advance(100 * kDay);
  Options admin = MakeOptions();
  admin.mode = OpenMode::kAdmin;
  auto ctl = Store::Open(admin);
  ASSERT_TRUE(ctl.ok()) << ctl.status().ToString();
  ASSERT_NO_FATAL_FAILURE(purge_everything(**ctl));
  Ids fourth;
  ASSERT_NO_FATAL_FAILURE(finished(fourth));
  above(fourth, third);
}

// A subscriber's STOP is not history to be purged: bill notices stay stopped after every
// finished row and the whole audit trail are gone.
TEST_F(AdminTest, AStopOutlivesEveryPurge) {
  const int64_t mo = AcceptOne(Mo(kMsisdn, "STOP")).id;
  Effects e;
  e.consume = ConsumeInbound{mo, "stop", "STOP", std::nullopt, std::nullopt};
  e.notices_stopped.push_back(kMsisdn);
  e.audit.push_back(
      {Actor::kSubscriber, kMsisdn, "subscriber", kMsisdn, "subscriber.stop", "stopped"});
  ASSERT_TRUE(store().Apply(e).ok());
  Effects again;  // a second STOP changes nothing
  again.notices_stopped.push_back(kMsisdn);
  ASSERT_TRUE(store().Apply(again).ok());
  EXPECT_EQ(store().NoticesStopped(kMsisdn).value(), true);
  EXPECT_EQ(store().NoticesStopped("254700000002").value(), false);

  clock_->Advance(400 * kDay);
  PurgeOptions everything;
  everything.audit_older_than_ms = 31 * kDay;
  auto purged = store().Purge(everything);
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_GT(purged->audit, 0);
  EXPECT_EQ(store().CountEvents(kMsisdn, "subscriber.stop", 0).value(), 0);
  EXPECT_EQ(store().NoticesStopped(kMsisdn).value(), true);
}

TEST_F(AdminTest, PurgeRefusesACutoffInsideTheRedeliveryWindow) {
  PurgeOptions o;
  o.older_than_ms = kHour;
  EXPECT_TRUE(store().Purge(o).status().IsInvalidArgument());
}

// The wrong-PIN lockout counts the audit trail's last 24 hours: an audit purge inside them
// would let a guesser start again.
TEST_F(AdminTest, PurgeRefusesAnAuditCutoffUnderADay) {
  Effects wrong;
  wrong.audit.push_back(
      {Actor::kSubscriber, kMsisdn, "subscriber", kMsisdn, std::string(kEventWrongPin), ""});
  ASSERT_TRUE(store().Apply(wrong).ok());
  clock_->Advance(2 * kHour);
  PurgeOptions o;
  o.audit_older_than_ms = kHour;
  EXPECT_TRUE(store().Purge(o).status().IsInvalidArgument());
  EXPECT_EQ(store().CountEvents(kMsisdn, kEventWrongPin, 0).value(), 1);
  o.audit_older_than_ms = 24 * kHour;
  EXPECT_TRUE(store().Purge(o).ok());
}

TEST_F(AdminTest, AuditIsOldestFirstAndBounded) {
  Populate();
  auto all = store().Audit({kMsisdn, 0, 1000});
  ASSERT_TRUE(all.ok());
  ASSERT_GT(all->size(), 5u);
  for (std::size_t i = 1; i < all->size(); ++i) EXPECT_LE((*all)[i - 1].id, (*all)[i].id);
  auto last3 = store().Audit({kMsisdn, 0, 3});
  ASSERT_EQ(last3->size(), 3u);
  EXPECT_EQ(last3->back().id, all->back().id);
}

// Only an entity's first row goes into the MSISDN's index; the rows that follow it are reached
// through it, and shown with the subscriber's MSISDN all the same.
TEST_F(AdminTest, RowsThatFollowAnEntitysFirstAreShownWithItsSubscriber) {
  Populate();
  const std::string follow_ups =
      "event IN ('challenge.consumed', 'instruction.claimed', 'instruction.done', "
      "'reply.claimed', 'reply.sent', 'reply.delivered')";
  EXPECT_EQ(
      RawQuery(path_, "SELECT count(*) FROM audit WHERE msisdn IS NOT NULL AND " + follow_ups),
      "0");
  const std::string stored = RawQuery(path_, "SELECT count(*) FROM audit WHERE " + follow_ups);
  ASSERT_NE(stored, "0");

  auto trail = store().Audit({kMsisdn, 0, 1000});
  ASSERT_TRUE(trail.ok()) << trail.status().ToString();
  std::multiset<std::string> events;
  for (const AuditEntry& e : *trail) {
    EXPECT_EQ(e.msisdn, std::optional<std::string>(kMsisdn)) << e.event;
    events.insert(e.event);
  }
  int shown = 0;
  for (const char* e : {"challenge.consumed", "instruction.claimed", "instruction.done",
                        "reply.claimed", "reply.sent", "reply.delivered"}) {
    shown += static_cast<int>(events.count(e));
  }
  EXPECT_EQ(std::to_string(shown), stored);
  EXPECT_EQ(events.count("instruction.created"), 2u);
  EXPECT_EQ(events.count("reply.created"), 2u);
  // Every row of the store is this subscriber's, so its trail is all of them.
  EXPECT_EQ(std::to_string(trail->size()), RawQuery(path_, "SELECT count(*) FROM audit"));
  for (std::size_t i = 1; i < trail->size(); ++i) {
    EXPECT_LE((*trail)[i - 1].at, (*trail)[i].at);
  }
}

// A reply to its instruction's subscriber names the instruction as its parent instead of
// carrying the MSISDN (schema 14), and is found through it; a reply of the same instruction to
// anyone else keeps its destination. Neither depends on the reply table, which a purge empties
// long before the audit.
TEST_F(AdminTest, AReplyToItsInstructionsSubscriberIsFoundThroughTheInstruction) {
  constexpr char kPayee[] = "254700000002";
  auto k = MintInstructionKeys(clock_->NowMs()).value();
  Effects made;
  made.instructions.push_back(
      {k.id, k.reference, kMsisdn, "transfer", "{}", "", std::nullopt, std::nullopt, {}});
  ASSERT_TRUE(store().Apply(made).ok());
  ASSERT_EQ(store().ClaimInstructions(10)->size(), 1u);
  Effects answered;
  answered.outcomes.push_back({k.id, InstructionOutcome::Kind::kDone, "ok"});
  answered.replies.push_back(ReplyTo(kMsisdn, "sent"));
  answered.replies.back().instruction_id = k.id;
  answered.replies.back().to_instruction_subscriber = true;
  answered.replies.push_back(ReplyTo(kPayee, "received"));
  answered.replies.back().instruction_id = k.id;
  ASSERT_TRUE(store().Apply(answered).ok());
  ASSERT_EQ(store().ClaimReplies(10)->size(), 2u);

  // The subscriber's answer names its instruction, without the MSISDN; the payee's notice has
  // the payee's MSISDN and no parent.
  EXPECT_EQ(RawQuery(path_,
                     "SELECT count(*) FROM audit WHERE event = 'reply.created' AND msisdn IS NULL "
                     "AND parent_entity = 'instruction' AND parent_id = '" +
                         k.id + "'"),
            "1");
  EXPECT_EQ(RawQuery(path_,
                     "SELECT group_concat(msisdn) FROM audit WHERE event = 'reply.created' AND "
                     "parent_id IS NULL"),
            kPayee);
  auto events_of = [&](const char* msisdn) {
    std::vector<std::string> events;
    auto trail = store().Audit({msisdn, 0, 100});
    EXPECT_TRUE(trail.ok()) << trail.status().ToString();
    for (const AuditEntry& e : trail.value_or(std::vector<AuditEntry>{})) {
      EXPECT_EQ(e.msisdn, std::optional<std::string>(msisdn));
      events.push_back(e.event);
    }
    return events;
  };
  const std::vector<std::string> subscribers = {"instruction.created", "instruction.claimed",
                                                "instruction.done", "reply.created",
                                                "reply.claimed"};
  const std::vector<std::string> payees = {"reply.created", "reply.claimed"};
  EXPECT_EQ(events_of(kMsisdn), subscribers);
  EXPECT_EQ(events_of(kPayee), payees);
  RawQuery(path_, "DELETE FROM reply");
  RawQuery(path_, "DELETE FROM instruction");
  EXPECT_EQ(events_of(kMsisdn), subscribers);
  EXPECT_EQ(events_of(kPayee), payees);
}

// The lockout counts wrong PINs on every PIN message: through an index of their own, not by
// reading each of the subscriber's rows of the day.
TEST_F(AdminTest, WrongPinsAreCountedThroughAnIndexOfTheirOwn) {
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM sqlite_schema WHERE name = 'audit_wrong_pin'"),
            "1");
  Effects busy;
  for (int i = 0; i < 200; ++i) {
    busy.audit.push_back({Actor::kSubscriber, kMsisdn, "inbound", std::to_string(i),
                          std::string(kEventInboundProcessed), ""});
  }
  busy.audit.push_back(
      {Actor::kSubscriber, kMsisdn, "subscriber", kMsisdn, std::string(kEventWrongPin), ""});
  ASSERT_TRUE(store().Apply(busy).ok());
  clock_->Advance(kHour);
  Effects later;
  later.audit.push_back(
      {Actor::kSubscriber, kMsisdn, "subscriber", kMsisdn, std::string(kEventWrongPin), ""});
  later.audit.push_back({Actor::kSubscriber, "254700000002", "subscriber", "254700000002",
                         std::string(kEventWrongPin), ""});
  ASSERT_TRUE(store().Apply(later).ok());
  EXPECT_EQ(store().CountEvents(kMsisdn, kEventWrongPin, kStartMs).value(), 2);
  EXPECT_EQ(store().CountEvents(kMsisdn, kEventWrongPin, kStartMs + 1).value(), 1);
  EXPECT_EQ(store().CountEvents(kMsisdn, kEventInboundProcessed, kStartMs).value(), 200);
  EXPECT_EQ(RawQuery(path_,
                     "SELECT count(*) FROM audit INDEXED BY audit_wrong_pin WHERE "
                     "event = 'pin.wrong' AND msisdn IS NOT NULL"),
            "3");
}

// A row of one subscriber may name another's entity (a locked account's owner is told of a
// bind from another phone, on that bind's instruction): the entity's rows stay the other's.
TEST_F(AdminTest, AnotherSubscribersRowOnAnEntityDoesNotBringItsRows) {
  constexpr char kOwner[] = "254700000009";
  auto k = MintInstructionKeys(clock_->NowMs()).value();
  Effects bind;
  bind.instructions.push_back(
      {k.id, k.reference, kMsisdn, "account.bind", "{}", "", std::nullopt, std::nullopt, {}});
  bind.audit.push_back({Actor::kSystem, kOwner, "instruction", k.id, "notice.locked_bind", ""});
  ASSERT_TRUE(store().Apply(bind).ok());
  ASSERT_EQ(store().ClaimInstructions(10)->size(), 1u);
  Effects refused;
  refused.outcomes.push_back({k.id, InstructionOutcome::Kind::kRejected, "locked"});
  ASSERT_TRUE(store().Apply(refused).ok());

  auto owner = store().Audit({kOwner, 0, 100});
  ASSERT_TRUE(owner.ok()) << owner.status().ToString();
  ASSERT_EQ(owner->size(), 1u);
  EXPECT_EQ(owner->front().event, "notice.locked_bind");
  auto binder = store().Audit({kMsisdn, 0, 100});
  ASSERT_TRUE(binder.ok());
  std::vector<std::string> events;
  for (const AuditEntry& e : *binder) events.push_back(e.event);
  EXPECT_EQ(events, (std::vector<std::string>{"instruction.created", "instruction.claimed",
                                              "instruction.rejected"}));
}

TEST_F(AdminTest, ANegativeLimitIsNone) {
  Populate();
  auto all = store().Audit({kMsisdn, 0, 1000});
  auto unbounded = store().Audit({kMsisdn, 0, -1});
  ASSERT_TRUE(all.ok() && unbounded.ok());
  EXPECT_EQ(unbounded->size(), all->size());
}

// The newest `limit` rows of the union, not `limit` first rows and their follow-ups.
TEST_F(AdminTest, ASubscribersTrailWithFollowUpsKeepsItsLimit) {
  Populate();
  auto all = store().Audit({kMsisdn, 0, 1000});
  ASSERT_TRUE(all.ok());
  auto last4 = store().Audit({kMsisdn, 0, 4});
  ASSERT_TRUE(last4.ok());
  ASSERT_EQ(last4->size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ((*last4)[i].id, (*all)[all->size() - 4 + i].id);
  }
}

TEST_F(AdminTest, BackupCopiesWhatIsStillOnlyInTheWal) {
  Populate();
  const std::string copy = dir_.File("copy.db");
  ASSERT_TRUE(store().Backup(copy).ok());
  EXPECT_TRUE(store().Backup(copy).IsAlreadyExists());
  Options o = MakeOptions();
  o.path = copy;
  o.mode = OpenMode::kAdmin;
  auto backup = Store::Open(o);
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  auto st = (*backup)->Stats();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->instructions["done"], 1);
  EXPECT_EQ(st->replies["pending"], 1);
  auto check = (*backup)->Check();
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok());
  EXPECT_TRUE(check->keys_match);
}

TEST_F(AdminTest, TheAuditTrailCannotBeRewritten) {
  Populate();
  Close();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_NE(sqlite3_exec(db, "UPDATE audit SET detail = 'x'", nullptr, nullptr, &err), SQLITE_OK);
  ASSERT_NE(err, nullptr);
  EXPECT_NE(std::string(err).find("append-only"), std::string::npos);
  sqlite3_free(err);
  sqlite3_close(db);
}

}  // namespace
}  // namespace smsgw::store::testing
