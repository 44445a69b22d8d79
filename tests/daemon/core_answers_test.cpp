// The core's handling of backend answers, in process: the answers that arrive together are
// applied as one transaction of engine steps, each still gets its outcome and its reply, a step
// that fails leaves the others applied, and an answer pushed while the call was out stands
// over the call's late answer.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "commands/engine.h"
#include "gateway/daemon/core.h"
#include "gateway/metrics.h"
#include "tests/daemon/in_process_core.h"
#include "tests/support/fault_vfs.h"
#include "tests/support/sim_thread.h"
#include "tests/support/store_fixture.h"

namespace smsgw::gateway {
namespace {

using namespace std::chrono_literals;
using store::testing::FaultVfs;

std::string Phone(int i) {
  return "2547008000" + std::to_string(10 + i);
}

// A backend that answers each call through `answer` on the caller's thread (as the embedded
// ledger does: every answer of a pass arrives before the core handles the first), or holds
// it when `answer` returns nothing.
class ScriptedBackend : public commands::Backend {
 public:
  using Answer =
      std::function<std::optional<commands::BackendResult>(const commands::Instruction&)>;
  explicit ScriptedBackend(Answer answer) : answer_(std::move(answer)) {}

  void Submit(commands::Instruction instruction, Completion done) override {
    std::optional<commands::BackendResult> result = answer_(instruction);
    {
      std::lock_guard<std::mutex> lock(mu_);
      ids_[instruction.msisdn] = instruction.id;
      if (!result) held_.push_back(std::move(done));
    }
    if (result) done(std::move(*result));
  }

  std::string IdOf(const std::string& msisdn) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = ids_.find(msisdn);
    return it == ids_.end() ? "" : it->second;
  }
  size_t held() {
    std::lock_guard<std::mutex> lock(mu_);
    return held_.size();
  }
  // Answers every held call with `result`, from this thread.
  void Release(const commands::BackendResult& result) {
    std::vector<Completion> held;
    {
      std::lock_guard<std::mutex> lock(mu_);
      held.swap(held_);
    }
    for (Completion& done : held) done(result);
  }

 private:
  Answer answer_;
  std::mutex mu_;
  std::map<std::string, std::string> ids_;  // msisdn -> the instruction id sent
  std::vector<Completion> held_;
};

class CoreAnswersTest : public testing::InProcessCoreTest {
 protected:
  void TearDown() override { core_.reset(); }

  // Stores a LOCK (forwarded without a challenge) from each phone and starts the core on them.
  // With `hold_replies` the MT sender keeps every batch of replies until ReleaseReplies().
  void Start(int phones, ScriptedBackend::Answer answer, int max_replies_in_flight = 500,
             bool hold_replies = false) {
    for (int i = 0; i < phones; ++i) AcceptOne(store::testing::Mo(Phone(i), "LOCK"));
    backend_ = std::make_shared<ScriptedBackend>(std::move(answer));
    CoreOptions options;
    options.default_short_code = "4040";
    options.housekeeping_interval = housekeeping_interval_;
    options.max_replies_in_flight = max_replies_in_flight;
    options.group_commit_max_delay = group_commit_max_delay_;
    options.reply_hold = reply_hold_;
    options.ledger_checkpoints = ledger_checkpoints_;
    core_ = std::make_unique<Core>(
        options, std::move(store_), backend_, engine_,
        [this, hold_replies](std::vector<store::ClaimedReply> replies,
                             std::function<void(std::vector<store::ReplyResult>)> done) {
          if (hold_replies) {
            std::lock_guard<std::mutex> lock(mu_);
            held_replies_.emplace_back(std::move(replies), std::move(done));
            return;
          }
          Send(std::move(replies), std::move(done));
        },
        [](std::string, smpp::UssdScreen) {}, metrics_);
    core_->Start();
  }

  // The MT sender's work: records each reply as sent to its destination, on connection "sim".
  void Send(std::vector<store::ClaimedReply> replies,
            std::function<void(std::vector<store::ReplyResult>)> done) {
    std::vector<store::ReplyResult> results;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (no_bind_) {
        // As the MT sender answers when no bind is up.
        refused_batches_.push_back(replies.size());
        for (const store::ClaimedReply& r : replies) {
          results.push_back({r.id, store::ReplyResult::Kind::kRetry, "", "no bind up", "", false});
        }
        done(std::move(results));
        return;
      }
      if (syncs_at_first_reply_ < 0) syncs_at_first_reply_ = FaultVfs::Get().syncs();
      for (const store::ClaimedReply& r : replies) {
        events_.push_back("reply to " + r.destination);
        sent_[r.destination].push_back(std::string(r.text.view()));
        if (throttles_left_ > 0) {
          --throttles_left_;
          results.push_back({r.id, store::ReplyResult::Kind::kRetry, "", "throttled"});
          continue;
        }
        results.push_back(
            {r.id, store::ReplyResult::Kind::kSent, "m" + std::to_string(r.id), "", "sim"});
      }
    }
    done(std::move(results));
  }

  size_t HeldReplyBatches() {
    std::lock_guard<std::mutex> lock(mu_);
    return held_replies_.size();
  }
  void ReleaseReplies() {
    std::vector<HeldReplies> held;
    {
      std::lock_guard<std::mutex> lock(mu_);
      held.swap(held_replies_);
    }
    for (HeldReplies& h : held) Send(std::move(h.first), std::move(h.second));
  }

  // Waits until nothing is left to do; then stops the core and reopens its store here.
  void Finish() {
    std::promise<bool> idle;
    core_->Drain(std::chrono::steady_clock::now() + 20s, [&](bool i) { idle.set_value(i); });
    EXPECT_TRUE(idle.get_future().get()) << "the core did not come to rest";
    core_.reset();
    Open(OptionsWithVfs());
  }
  store::Options OptionsWithVfs() override {
    store::Options o = InProcessCoreTest::OptionsWithVfs();
    if (system_clock_) {
      o.clock = std::make_shared<store::SystemClock>();
      o.reply_retry.base_delay_ms = 1;
    }
    if (instruction_retry_) o.instruction_retry = *instruction_retry_;
    return o;
  }

  std::vector<std::string> SentTo(const std::string& msisdn) {
    std::lock_guard<std::mutex> lock(mu_);
    return sent_[msisdn];
  }
  store::InstructionState StateOf(const std::string& msisdn) {
    auto ins = store().GetInstruction(backend_->IdOf(msisdn));
    EXPECT_TRUE(ins.ok()) << msisdn << ": " << ins.status().ToString();
    return ins.ok() ? ins->state : store::InstructionState::kPending;
  }

  // Submits one MO through the core's intake; its ack is recorded in events_.
  void Intake(const std::string& msisdn, const std::string& text) {
    IntakeBatch batch;
    batch.messages.push_back(store::testing::Mo(msisdn, text));
    batch.received = std::chrono::steady_clock::now();
    batch.done = [this](std::vector<uint32_t> status, std::vector<uint32_t>, std::vector<uint32_t>,
                        std::vector<uint32_t>) {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back("ack " + std::to_string(status.at(0)));
    };
    core_->Accept(std::move(batch));
  }
  std::vector<std::string> Events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

  // Holds every call, answers one by a push (accepted), then every call with `late`.
  void ExpectAPushedAnswerStandsOver(const commands::BackendResult& late);

  std::chrono::milliseconds housekeeping_interval_ = 1h;
  std::chrono::milliseconds group_commit_max_delay_ = 0ms;
  std::chrono::milliseconds reply_hold_ = 1000ms;
  std::function<store::CheckpointStats()> ledger_checkpoints_;
  bool no_bind_ = false;                 // guarded by mu_: every send finds no bind up
  std::vector<size_t> refused_batches_;  // guarded by mu_: sizes of the batches sent meanwhile
  Registry registry_;
  DaemonMetrics metrics_{registry_};
  std::shared_ptr<ScriptedBackend> backend_;
  std::unique_ptr<Core> core_;
  std::mutex mu_;
  std::map<std::string, std::vector<std::string>> sent_;  // destination -> texts
  std::vector<std::string> events_;                       // acks and replies, in order
  int throttles_left_ = 0;  // sends answered "retry later" before the others go through
  // The store on the system's clock, its replies retried after a millisecond.
  bool system_clock_ = false;
  int syncs_at_first_reply_ = -1;
  std::optional<store::RetryPolicy> instruction_retry_;
  using HeldReplies = std::pair<std::vector<store::ClaimedReply>,
                                std::function<void(std::vector<store::ReplyResult>)>>;
  std::vector<HeldReplies> held_replies_;
};

// Replies that are due while the MT window is full wait for a send to complete, which wakes
// the core; they do not set its timer, which would fire at once, find no room, and spin.
TEST_F(CoreAnswersTest, DueRepliesBeyondTheMtWindowDoNotSpinTheCore) {
  constexpr int kPhones = 3;
  Start(
      kPhones, [](const commands::Instruction&) { return commands::BackendResult::Accepted(); },
      /*max_replies_in_flight=*/1, /*hold_replies=*/true);
  ASSERT_TRUE(test::WaitFor([&] { return HeldReplyBatches() == 1; }, 10s));
  // Let the other answers land and their replies fall due behind the full window.
  std::this_thread::sleep_for(100ms);
  const uint64_t passes = metrics_.core_passes.value();
  std::this_thread::sleep_for(300ms);
  // A spinning core makes thousands of passes in that time; a resting one none.
  EXPECT_LT(metrics_.core_passes.value() - passes, 10u);
  EXPECT_EQ(HeldReplyBatches(), 1u);
  // Each completed send makes room for the next reply.
  for (int sent = 1; sent < kPhones; ++sent) {
    ReleaseReplies();
    ASSERT_TRUE(test::WaitFor([&] { return HeldReplyBatches() == 1; }, 10s)) << sent;
  }
  ReleaseReplies();
  Finish();
  for (int i = 0; i < kPhones; ++i) EXPECT_EQ(SentTo(Phone(i)).size(), 1u) << i;
}

TEST_F(CoreAnswersTest, AnswersArrivingTogetherShareOneCommitAndEachGetsItsReply) {
  constexpr int kPhones = 12;
  std::atomic<int> syncs_at_first_answer{-1};
  Start(kPhones, [&](const commands::Instruction&) {
    int none = -1;
    syncs_at_first_answer.compare_exchange_strong(none, FaultVfs::Get().syncs());
    return commands::BackendResult::Accepted();
  });
  Finish();
  for (int i = 0; i < kPhones; ++i) {
    EXPECT_EQ(StateOf(Phone(i)), store::InstructionState::kDone) << i;
    const std::vector<std::string> sent = SentTo(Phone(i));
    ASSERT_EQ(sent.size(), 1u) << i;
    EXPECT_NE(sent[0].find("locked"), std::string::npos) << sent[0];
  }
  EXPECT_EQ(metrics_.instructions_accepted.value(), static_cast<uint64_t>(kPhones));
  EXPECT_EQ(metrics_.step_failures.value(), 0u);
  // From the first answer to the first reply handed to the MT sender: the answers' commit and
  // the replies' claim, not a commit per answer.
  ASSERT_GE(syncs_at_first_answer, 0);
  EXPECT_LT(syncs_at_first_reply_ - syncs_at_first_answer, kPhones / 2);
}

TEST_F(CoreAnswersTest, AStepThatFailsLeavesTheOthersInItsBatchApplied) {
  constexpr int kPhones = 4;
  const std::string spoiled = Phone(2);
  Start(kPhones, [&](const commands::Instruction& ins) {
    if (ins.msisdn != spoiled) return commands::BackendResult::Accepted();
    // An operator's hand (or a bug) moved it while the call was out: its retry outcome
    // cannot apply, on the first try or the second.
    store::testing::RawQuery(path_,
                             "UPDATE instruction SET state = 'dead' WHERE id = '" + ins.id + "'");
    return commands::BackendResult::Unavailable("busy");
  });
  Finish();
  for (int i = 0; i < kPhones; ++i) {
    if (Phone(i) == spoiled) continue;
    EXPECT_EQ(StateOf(Phone(i)), store::InstructionState::kDone) << i;
    EXPECT_EQ(SentTo(Phone(i)).size(), 1u) << i;
  }
  EXPECT_EQ(StateOf(spoiled), store::InstructionState::kDead);
  EXPECT_TRUE(SentTo(spoiled).empty());
  EXPECT_EQ(metrics_.instructions_unavailable.value(), 1u);
  EXPECT_EQ(metrics_.step_failures.value(), 2u) << "the step and its retry outcome";
}

// The backend accepted (the money moved) but our side failed to record it: the instruction is
// asked again, however many attempts it had, and its confirmation goes out. Spending an attempt
// on our own failure made an instruction on its last attempt dead, with no reply.
TEST_F(CoreAnswersTest, AnAcceptedAnswerWeFailedToRecordIsAskedAgainNotDeadLettered) {
  system_clock_ = true;                               // the retry falls due within milliseconds
  instruction_retry_ = store::RetryPolicy{1, 50, 1};  // the first attempt is the last
  housekeeping_interval_ = 100ms;
  Close();
  Open(OptionsWithVfs());
  std::atomic<int> calls{0};
  Start(1, [&](const commands::Instruction&) {
    // The answers' commit (the next write) fails, as on a full disk.
    if (calls++ == 0) FaultVfs::Get().FailWrites(SQLITE_IOERR_WRITE, 0, 1);
    return commands::BackendResult::Accepted();
  });
  ASSERT_TRUE(test::WaitFor([&] { return SentTo(Phone(0)).size() == 1; }, 10s))
      << "no confirmation for a payment the backend made";
  Finish();
  EXPECT_GE(metrics_.step_failures.value(), 1u) << "the answer's commit did fail";
  EXPECT_EQ(calls.load(), 2) << "asked again with the same id";
  EXPECT_EQ(StateOf(Phone(0)), store::InstructionState::kDone);
  EXPECT_NE(SentTo(Phone(0)).at(0).find("locked"), std::string::npos) << SentTo(Phone(0)).at(0);
}

// The embedded ledger checkpoints on a thread of its own; housekeeping puts its counts into the
// ledger's metrics, apart from the store's, and warns of its failures.
TEST_F(CoreAnswersTest, HousekeepingCountsTheLedgersCheckpointsApartFromTheStores) {
  housekeeping_interval_ = 20ms;
  // Shared: the core thread may still call this after an assertion ends the test early.
  auto failures = std::make_shared<std::atomic<int64_t>>(0);
  ledger_checkpoints_ = [failures] {
    store::CheckpointStats s;
    s.checkpoints = 7;
    s.in_commit = 3;
    s.failures = failures->load();
    s.last_error = "checkpoint: disk I/O error";
    s.wal_frames = 1'234;
    return s;
  };
  Start(0, [](const commands::Instruction&) { return commands::BackendResult::Accepted(); });
  const DaemonMetrics::CheckpointCounters& ledger = metrics_.ledger_checkpoints;
  ASSERT_TRUE(test::WaitFor(
      [&] { return ledger.background.value() == 7 && ledger.in_commit.value() == 3; }, 10s));
  EXPECT_EQ(ledger.failures.value(), 0u);
  EXPECT_EQ(ledger.wal_frames.value(), 1'234);
  *failures = 2;
  ASSERT_TRUE(test::WaitFor([&] { return ledger.failures.value() == 2; }, 10s));
  // Counted once: later rounds add only what changed.
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(ledger.background.value(), 7u);
  EXPECT_EQ(ledger.failures.value(), 2u);
  EXPECT_EQ(metrics_.store_checkpoints.failures.value(), 0u);
  EXPECT_NE(metrics_.store_checkpoints.wal_frames.value(), 1'234);
  Finish();
}

// With no bind up, a reply spends no attempt and the core holds replies (one at a time once
// the hold ends) rather than claiming them all again and again; once a bind takes them, every
// reply goes out, however many tries the outage took.
TEST_F(CoreAnswersTest, RepliesWaitOutAnSmscOutageWithoutGoingDead) {
  system_clock_ = true;  // a reply not sent is due again after a millisecond
  Close();
  Open(OptionsWithVfs());
  reply_hold_ = 5ms;
  constexpr int kPhones = 3;
  {
    std::lock_guard<std::mutex> lock(mu_);
    no_bind_ = true;
  }
  Start(kPhones, [](const commands::Instruction&) { return commands::BackendResult::Accepted(); });
  auto refused = [&] {
    std::lock_guard<std::mutex> lock(mu_);
    size_t n = 0;
    for (size_t b : refused_batches_) n += b;
    return n;
  };
  // Many more tries than the reply policy's 10 attempts per reply.
  ASSERT_TRUE(test::WaitFor([&] { return refused() >= 60; }, 20s)) << refused();
  {
    std::lock_guard<std::mutex> lock(mu_);
    no_bind_ = false;
    // Only the replies claimed before the first refusal came back can go together (three
    // replies make at most one such batch); then one at a time.
    EXPECT_LE(std::count_if(refused_batches_.begin(), refused_batches_.end(),
                            [](size_t b) { return b > 1; }),
              1)
        << "a held core claims one reply at a time";
  }
  for (int i = 0; i < kPhones; ++i) {
    EXPECT_TRUE(test::WaitFor([&] { return SentTo(Phone(i)).size() == 1; }, 10s)) << i;
  }
  Finish();
  auto st = store().Stats();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->replies["sent"], kPhones);
  EXPECT_EQ(st->replies["dead"], 0);
}

TEST_F(CoreAnswersTest, APushedAnswerThatCameFirstStands) {
  constexpr int kPhones = 3;
  Start(kPhones, [](const commands::Instruction&) { return std::nullopt; });
  ASSERT_TRUE(test::WaitFor([&] { return backend_->held() == kPhones; }, 20s))
      << "held: " << backend_->held();
  const std::string pushed = Phone(1);
  std::promise<Result<PushOutcome>> outcome;
  core_->PushedResult(backend_->IdOf(pushed),
                      commands::BackendResult::Rejected(commands::reason::kUnknownAccount),
                      [&](Result<PushOutcome> r) { outcome.set_value(std::move(r)); });
  Result<PushOutcome> queued = outcome.get_future().get();
  ASSERT_TRUE(queued.ok()) << queued.status().ToString();
  EXPECT_EQ(*queued, PushOutcome::kQueued);
  backend_->Release(commands::BackendResult::Accepted());
  Finish();
  EXPECT_EQ(StateOf(pushed), store::InstructionState::kRejected) << "the first answer stands";
  EXPECT_EQ(SentTo(pushed).size(), 1u) << "one reply, the pushed answer's";
  for (int i = 0; i < kPhones; ++i) {
    if (Phone(i) == pushed) continue;
    EXPECT_EQ(StateOf(Phone(i)), store::InstructionState::kDone) << i;
    EXPECT_EQ(SentTo(Phone(i)).size(), 1u) << i;
  }
  EXPECT_EQ(metrics_.step_failures.value(), 0u);
}

// The call's late answer is not checked against the store before its step: its step runs, and
// the store refuses its outcome. Nothing of it may stay (no second outcome, reply, wrong-PIN
// row or retry), and the refusal is no failure: it is neither counted nor asked again.
void CoreAnswersTest::ExpectAPushedAnswerStandsOver(const commands::BackendResult& late) {
  constexpr int kPhones = 2;
  std::mutex calls_mu;
  std::map<std::string, int> calls;  // by MSISDN
  Start(kPhones, [&](const commands::Instruction& ins) -> std::optional<commands::BackendResult> {
    std::lock_guard<std::mutex> lock(calls_mu);
    ++calls[ins.msisdn];
    return std::nullopt;
  });
  ASSERT_TRUE(test::WaitFor([&] { return backend_->held() == kPhones; }, 20s))
      << "held: " << backend_->held();
  const std::string pushed = Phone(1);
  const std::string id = backend_->IdOf(pushed);
  std::promise<Result<PushOutcome>> outcome;
  core_->PushedResult(id, commands::BackendResult::Accepted(),
                      [&](Result<PushOutcome> r) { outcome.set_value(std::move(r)); });
  Result<PushOutcome> queued = outcome.get_future().get();
  ASSERT_TRUE(queued.ok()) << queued.status().ToString();
  ASSERT_EQ(*queued, PushOutcome::kQueued);
  ASSERT_TRUE(test::WaitFor([&] { return SentTo(pushed).size() == 1; }, 10s));
  backend_->Release(late);
  Finish();
  EXPECT_EQ(StateOf(pushed), store::InstructionState::kDone) << "the first answer stands";
  ASSERT_EQ(SentTo(pushed).size(), 1u) << "one reply, the pushed answer's";
  EXPECT_NE(SentTo(pushed)[0].find("locked"), std::string::npos) << SentTo(pushed)[0];
  auto trail = store().Audit({pushed, 0, 1000});
  ASSERT_TRUE(trail.ok()) << trail.status().ToString();
  std::map<std::string, int> events;  // of the pushed instruction
  for (const store::AuditEntry& e : *trail) {
    if (e.entity_id == id) ++events[e.event];
  }
  EXPECT_EQ(events["instruction.done"], 1);
  for (const char* event :
       {"instruction.rejected", "instruction.retry", "instruction.dead", "pin.wrong"}) {
    EXPECT_EQ(events[event], 0) << event;
  }
  EXPECT_EQ(metrics_.step_failures.value(), 0u);
  std::lock_guard<std::mutex> lock(calls_mu);
  EXPECT_EQ(calls[pushed], 1) << "asked once";
}

TEST_F(CoreAnswersTest, ALateWrongPinAfterAPushedAnswerLeavesNothingOfItself) {
  ExpectAPushedAnswerStandsOver(commands::BackendResult::Rejected(commands::reason::kWrongPin));
  // The other phone's call took the same answer: its step was applied.
  EXPECT_EQ(StateOf(Phone(0)), store::InstructionState::kRejected);
  EXPECT_EQ(SentTo(Phone(0)).size(), 1u);
}

TEST_F(CoreAnswersTest, ALateUnavailableAfterAPushedAnswerIsNotRetried) {
  ExpectAPushedAnswerStandsOver(commands::BackendResult::Unavailable("busy"));
  EXPECT_EQ(StateOf(Phone(0)), store::InstructionState::kPending) << "due again later";
}

// A receipt that overtakes its reply's submit_sm_resp matches no sent reply yet: it is acked,
// kept, and recorded at the next housekeeping, once the send result has landed.
TEST_F(CoreAnswersTest, AReceiptThatOvertookItsSendResultIsRecordedAtHousekeeping) {
  housekeeping_interval_ = 200ms;
  Start(
      1, [](const commands::Instruction&) { return commands::BackendResult::Accepted(); },
      /*max_replies_in_flight=*/500, /*hold_replies=*/true);
  ASSERT_TRUE(test::WaitFor([&] { return HeldReplyBatches() == 1; }, 10s));
  int64_t reply_id = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    reply_id = held_replies_[0].first.at(0).id;
  }
  std::promise<std::vector<uint32_t>> acked;
  IntakeBatch batch;
  batch.receipts.push_back({"sim", "m" + std::to_string(reply_id), true, true, "DELIVRD"});
  batch.received = std::chrono::steady_clock::now();
  batch.done = [&](std::vector<uint32_t>, std::vector<uint32_t> receipts, std::vector<uint32_t>,
                   std::vector<uint32_t>) { acked.set_value(std::move(receipts)); };
  core_->Accept(std::move(batch));
  EXPECT_EQ(acked.get_future().get(), std::vector<uint32_t>{0});  // ESME_ROK all the same
  EXPECT_EQ(metrics_.mt_delivered.value(), 0u);
  ReleaseReplies();  // the send result, "m<id>", lands
  EXPECT_TRUE(test::WaitFor([&] { return metrics_.mt_delivered.value() == 1; }, 10s));
  Finish();
  auto st = store().Stats();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->replies["delivered"], 1);
}

// An answer that arrives while intake waits for its group commit rides in that commit rather
// than taking one of its own: its reply goes out after the intake's ack, in the claims the
// commit made.
TEST_F(CoreAnswersTest, AnAnswerArrivingWhileIntakeWaitsRidesTheIntakeCommit) {
  group_commit_max_delay_ = 300ms;
  Start(1, [](const commands::Instruction&) { return std::nullopt; });
  ASSERT_TRUE(test::WaitFor([&] { return backend_->held() == 1; }, 10s));
  Intake(Phone(5), "HELP");  // arms the 300 ms commit timer before the answer is handled
  backend_->Release(commands::BackendResult::Accepted());
  ASSERT_TRUE(test::WaitFor([&] { return SentTo(Phone(0)).size() == 1; }, 10s));
  const std::vector<std::string> events = Events();
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[0], "ack 0") << "the answer's reply went out before the intake commit";
  EXPECT_NE(std::find(events.begin(), events.end(), "reply to " + Phone(0)), events.end());
  Finish();
  EXPECT_EQ(StateOf(Phone(0)), store::InstructionState::kDone);
  EXPECT_EQ(SentTo(Phone(5)).size(), 1u);
  EXPECT_EQ(metrics_.step_failures.value(), 0u);
}

// The group commit's wait counts from an MO's arrival. MOs that queued while the core was busy
// have waited already: they are committed, and acknowledged, as soon as the core is free.
TEST_F(CoreAnswersTest, IntakeThatQueuedWhileTheCoreWasBusyIsNotHeldAgain) {
  group_commit_max_delay_ = 1s;
  std::atomic<bool> submitting{false};
  // The backend's call runs on the core's thread: the core is busy for 1.5 s.
  Start(1, [&](const commands::Instruction&) -> std::optional<commands::BackendResult> {
    submitting = true;
    std::this_thread::sleep_for(1500ms);
    return commands::BackendResult::Accepted();
  });
  ASSERT_TRUE(test::WaitFor([&] { return submitting.load(); }, 10s));
  const auto arrived = std::chrono::steady_clock::now();
  std::promise<std::chrono::steady_clock::time_point> acked;
  IntakeBatch batch;
  batch.messages.push_back(store::testing::Mo(Phone(5), "HELP"));
  batch.received = arrived;
  batch.done = [&acked](std::vector<uint32_t>, std::vector<uint32_t>, std::vector<uint32_t>,
                        std::vector<uint32_t>) {
    acked.set_value(std::chrono::steady_clock::now());
  };
  core_->Accept(std::move(batch));
  const auto waited = acked.get_future().get() - arrived;
  // Busy for at most 1.5 s, then committed at once; waiting the full delay again after the
  // busy spell would take 2.5 s.
  EXPECT_GE(waited, 1s) << "acknowledged before the core was free";
  EXPECT_LT(waited, 2200ms) << "held for the group commit's delay after waiting behind the core";
  Finish();
  EXPECT_EQ(SentTo(Phone(5)).size(), 1u);
  EXPECT_EQ(metrics_.intake_commit_mos.count(), 1u) << "one intake commit";
  EXPECT_EQ(metrics_.intake_commit_mos.sum(), 1.0) << "of one MO";
}

// Send results wait for a transaction to ride in; those still waiting when the core stops are
// recorded on the way out, not left in flight for the next start to send again.
TEST_F(CoreAnswersTest, SendResultsStillWaitingAtStopAreRecorded) {
  group_commit_max_delay_ = 1h;  // nothing flushes them but the stop
  Start(1, [](const commands::Instruction&) { return commands::BackendResult::Accepted(); });
  ASSERT_TRUE(test::WaitFor([&] { return metrics_.mt_sent.value() == 1; }, 10s));
  core_.reset();
  Open(OptionsWithVfs());
  auto st = store().Stats();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->replies["sent"], 1);
  EXPECT_EQ(st->replies["pending"] + st->replies["in_flight"], 0);
}

// An answer held for a commit that the stop cancels is applied on the way out, not left for
// the next start to ask the backend again.
TEST_F(CoreAnswersTest, AnAnswerHeldForACommitIsAppliedAtStop) {
  group_commit_max_delay_ = 1h;  // the intake commit it waits for never comes
  Start(1, [](const commands::Instruction&) { return std::nullopt; });
  ASSERT_TRUE(test::WaitFor([&] { return backend_->held() == 1; }, 10s));
  Intake(Phone(5), "HELP");
  backend_->Release(commands::BackendResult::Accepted());
  ASSERT_TRUE(test::WaitFor([&] { return metrics_.instructions_accepted.value() == 1; }, 10s));
  core_.reset();
  Open(OptionsWithVfs());
  EXPECT_EQ(StateOf(Phone(0)), store::InstructionState::kDone);
  EXPECT_TRUE(SentTo(Phone(0)).empty()) << "nothing claimed at stop";
}

// A "retry later" send result that waited for a transaction to ride in, and went on its own at
// the end of the wait, still wakes the core when its reply falls due again.
TEST_F(CoreAnswersTest, AThrottledReplyRecordedAfterItsWaitIsSentAgain) {
  system_clock_ = true;  // a retry falls due within milliseconds
  Close();
  Open(OptionsWithVfs());
  group_commit_max_delay_ = 50ms;
  throttles_left_ = 1;
  Start(1, [](const commands::Instruction&) { return commands::BackendResult::Accepted(); });
  // Housekeeping, which would also find it, is an hour away.
  EXPECT_TRUE(test::WaitFor([&] { return SentTo(Phone(0)).size() == 2; }, 10s))
      << "sent " << SentTo(Phone(0)).size() << " times";
  Finish();
  auto st = store().Stats();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->replies["sent"], 1);
}

}  // namespace
}  // namespace smsgw::gateway
