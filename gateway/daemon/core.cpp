#include "gateway/daemon/core.h"

#include <pthread.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <utility>

#include "gateway/daemon/step_failure.h"
#include "gateway/log.h"
#include "gateway/smpp/command_status.h"
#include "store/wal_write_batching.h"

namespace smsgw::gateway {

namespace {

using Clock = std::chrono::steady_clock;
constexpr uint32_t kOk = smpp::ToWire(smpp::CommandStatus::kROk);
constexpr uint32_t kRetryLater = smpp::ToWire(smpp::CommandStatus::kRxTAppn);
// A stored MO whose step failed this many times for a reason a retry cannot cure
// (RetryMayCure) is consumed as "failed".
constexpr int kMaxStepFailures = 3;
// An instruction whose answer we failed to record is asked again after this long (at most the
// retry policy's ceiling): soon enough for a passing fault, slow enough not to hammer the
// backend with replays while one persists.
constexpr int64_t kStepFailedRetryMs = 5'000;
// A receipt is seconds early at most (its submit_sm_resp is on the way); one unmatched for
// longer answers a reply this store never sent.
constexpr auto kEarlyReceiptPatience = std::chrono::seconds(30);
constexpr size_t kMaxEarlyReceipts = 10000;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

Core::Core(CoreOptions options, std::unique_ptr<store::Store> store,
           std::shared_ptr<commands::Backend> backend,
           std::shared_ptr<const commands::Engine> engine, SendReplies send_replies,
           SendUssd send_ussd, DaemonMetrics& metrics)
    : options_(options),
      store_(std::move(store)),
      backend_(std::move(backend)),
      engine_(std::move(engine)),
      view_(std::make_unique<commands::StoreViewAdapter>(*store_)),
      send_replies_(std::move(send_replies)),
      send_ussd_(std::move(send_ussd)),
      ussd_({options_.ussd_timeout_ms, options_.default_short_code}, metrics),
      metrics_(metrics),
      work_(boost::asio::make_work_guard(io_)),
      due_timer_(io_),
      housekeeping_timer_(io_),
      drain_timer_(io_),
      commit_timer_(io_),
      results_timer_(io_) {}

Core::~Core() {
  Stop();
}

void Core::Start() {
  thread_ = std::thread([this] {
    // Named for `top -H` and `ps -L`, and for the load benchmark's CPU per thread.
    pthread_setname_np(pthread_self(), "smsgw-core");
    io_.run();
  });
  Post([this] {
    ussd_.Restore(*store_, store_->now());
    Housekeeping();
    SchedulePass();
  });
}

void Core::Post(std::function<void()> fn) {
  boost::asio::post(io_, std::move(fn));
}

void Core::Stop() {
  if (!thread_.joinable()) return;
  Post([this] {
    // Answers held for a commit that will not come, and send results waiting to ride: written
    // now, claiming nothing more.
    while (!answers_.empty() && store_ && engine_) ApplyAnswerBatch(/*claim=*/false);
    FlushReplyResults();
    stopped_ = true;
    results_timer_.cancel();
    due_timer_.cancel();
    housekeeping_timer_.cancel();
    drain_timer_.cancel();
    commit_timer_.cancel();
    // Closed here, on the thread that owned them.
    view_.reset();
    backend_.reset();
    store_.reset();
    work_.reset();
  });
  thread_.join();
  // Handlers posted after the store closed (late backend answers) are dropped: the store put
  // their instructions back to pending at the next start.
}

void Core::Accept(IntakeBatch batch) {
  bool post = false;
  {
    std::lock_guard<std::mutex> lock(intake_mu_);
    if (intake_.empty()) intake_since_ = std::chrono::steady_clock::now();
    intake_.push_back(std::move(batch));
    if (!commit_posted_) commit_posted_ = post = true;
  }
  intake_waiting_ = true;
  if (post) Post([this] { CommitIntake(); });
}

void Core::SetEngine(std::shared_ptr<const commands::Engine> engine) {
  Post([this, engine = std::move(engine)]() mutable { engine_ = std::move(engine); });
}

void Core::SetUssdTimeout(std::chrono::milliseconds timeout) {
  Post([this, timeout] { ussd_.set_timeout_ms(timeout.count()); });
}

void Core::Kick() {
  Post([this] {
    // A bind may be up again: replies held for want of one are tried (one) at once.
    if (replies_held_until_) replies_held_until_ = Clock::now();
    LookAgain();
    SchedulePass();
  });
}

void Core::SchedulePass() {
  if (pass_scheduled_ || stopped_) return;
  pass_scheduled_ = true;
  Post([this] { Pass(); });
}

void Core::NoteStore(const Status& status) {
  if (status.ok()) {
    health_.store_writable = true;
  } else if (status.code() == Status::Code::kUnavailable) {
    health_.store_writable = false;
  }
}

// ---- Intake: group commit ---------------------------------------------------------------

// With a group_commit_max_delay, the first batch waits that long for company unless the
// batches queued already fill a commit. The wait counts from the first batch's arrival: under
// load, batches queue while the core works, they have had their company by the time it is
// free, and waiting again would only hold their acks and leave the core idle.
void Core::CommitIntake() {
  if (options_.group_commit_max_delay.count() <= 0 || stopped_) return CommitNow();
  if (commit_waiting_) return;
  size_t queued = 0;
  std::chrono::steady_clock::time_point since;
  {
    std::lock_guard<std::mutex> lock(intake_mu_);
    for (const IntakeBatch& b : intake_) queued += b.messages.size();
    since = intake_since_;
  }
  const auto left = since + options_.group_commit_max_delay - std::chrono::steady_clock::now();
  if (queued >= options_.group_commit_max_messages || left <= left.zero()) return CommitNow();
  commit_waiting_ = true;
  commit_timer_.expires_after(left);
  commit_timer_.async_wait([this](const boost::system::error_code&) {
    commit_waiting_ = false;
    CommitNow();
    if (!answers_.empty()) PostAnswers();  // those the commit did not carry
  });
}

// Whether queued intake holds MOs, whose commit answers can ride in (receipts and USSD turns
// commit without them).
bool Core::IntakeHoldsMessages() {
  std::lock_guard<std::mutex> lock(intake_mu_);
  for (const IntakeBatch& b : intake_) {
    if (!b.messages.empty()) return true;
  }
  return false;
}

void Core::CommitIfWaiting() {
  if (intake_waiting_ && !commit_waiting_) CommitNow();
}

void Core::CommitNow() {
  std::vector<IntakeBatch> batches;
  {
    std::lock_guard<std::mutex> lock(intake_mu_);
    batches.swap(intake_);
    intake_waiting_ = false;
    // A CommitIntake handler may still be queued; it finds nothing and returns.
    commit_posted_ = false;
  }
  if (batches.empty()) return;
  if (stopped_) {
    for (IntakeBatch& b : batches) {
      b.done(std::vector<uint32_t>(b.messages.size(), kRetryLater),
             std::vector<uint32_t>(b.receipts.size(), kRetryLater),
             std::vector<uint32_t>(b.ussd.size(), kRetryLater),
             std::vector<uint32_t>(b.parts.size(), kRetryLater));
    }
    return;
  }

  // Commits of at most group_commit_max_messages MOs each, whole batches only.
  size_t first = 0;
  while (first < batches.size()) {
    size_t last = first;
    size_t count = 0;
    std::vector<store::InboundMessage> messages;
    while (last < batches.size() && (count == 0 || count + batches[last].messages.size() <=
                                                       options_.group_commit_max_messages)) {
      count += batches[last].messages.size();
      ++last;
    }
    messages.reserve(count);
    for (size_t b = first; b < last; ++b) {
      for (store::InboundMessage& m : batches[b].messages) messages.push_back(std::move(m));
    }

    // Parts first: a message of this commit may be joined from some of them, and its Accept
    // deletes them.
    std::vector<uint32_t> part_statuses = StoreParts(batches, first, last);
    std::vector<uint32_t> statuses(messages.size(), kOk);
    if (!messages.empty()) {
      // The answers and send results waiting ride in the first commit.
      Result<std::vector<store::AcceptResult>> accepted =
          AcceptMessages(messages, first == 0 ? TakeRiders(answers_ride_) : RidingWrites{});
      NoteStore(accepted.status());
      if (!accepted.ok()) {
        LogError("store.accept_failed", {{"messages", static_cast<uint64_t>(messages.size())},
                                         {"error", accepted.status().ToString()}});
        metrics_.mo_retry_later.Add(messages.size());
        std::fill(statuses.begin(), statuses.end(), kRetryLater);
      } else {
        for (const store::AcceptResult& r : *accepted) {
          (r.duplicate ? metrics_.mo_duplicate : metrics_.mo_stored).Add();
        }
        metrics_.intake_commit_mos.Observe(static_cast<double>(messages.size()));
      }
    }
    // Wipe the texts (they may hold PINs) before the statuses go out.
    for (store::InboundMessage& m : messages) {
      std::fill(m.text.begin(), m.text.end(), '\0');
    }
    DropParts(batches, first, last);

    // Before final receipts, which may be for replies whose send results wait.
    for (size_t b = first; b < last; ++b) {
      for (const ReceiptUpdate& r : batches[b].receipts) {
        if (r.final) {
          FlushReplyResults();
          break;
        }
      }
    }
    std::vector<UssdDialogues::Outcome> ussd = HandleUssd(batches, first, last);
    size_t at = 0;
    size_t ussd_at = 0;
    size_t part_at = 0;
    for (size_t b = first; b < last; ++b) {
      IntakeBatch& batch = batches[b];
      const size_t n = batch.messages.size();
      std::vector<uint32_t> mine(statuses.begin() + at, statuses.begin() + at + n);
      at += n;
      std::vector<uint32_t> parts(part_statuses.begin() + part_at,
                                  part_statuses.begin() + part_at + batch.parts.size());
      part_at += batch.parts.size();
      std::vector<uint32_t> receipt_status;
      RecordReceipts(batch.receipts, &receipt_status);
      std::vector<uint32_t> ussd_status;
      for (size_t i = 0; i < batch.ussd.size(); ++i) ussd_status.push_back(ussd[ussd_at++].status);
      batch.done(std::move(mine), std::move(receipt_status), std::move(ussd_status),
                 std::move(parts));
    }
    // After the acks (both are posted to the sessions' thread, in this order): the network
    // sees the answer acknowledged, then the next screen.
    for (UssdDialogues::Outcome& o : ussd) {
      if (o.screen) send_ussd_(std::move(o.connection), std::move(*o.screen));
    }
    SendClaims(std::exchange(intake_claims_, {}));
    first = last;
  }
  SchedulePass();
}

// The parts of concatenated MOs in batches [first, last), in one durable transaction: one
// status each, in order.
std::vector<uint32_t> Core::StoreParts(std::vector<IntakeBatch>& batches, size_t first,
                                       size_t last) {
  std::vector<store::InboundPart> parts;
  for (size_t b = first; b < last; ++b) {
    for (store::InboundPart& p : batches[b].parts) parts.push_back(std::move(p));
  }
  if (parts.empty()) return {};
  Status s = store_->StoreParts(parts);
  NoteStore(s);
  // Wipe the octets (they may hold PINs) before the statuses go out.
  for (store::InboundPart& p : parts) std::fill(p.payload.begin(), p.payload.end(), '\0');
  if (s.ok()) {
    metrics_.mo_parts_stored.Add(parts.size());
    return std::vector<uint32_t>(parts.size(), kOk);
  }
  LogError("store.parts_failed",
           {{"parts", static_cast<uint64_t>(parts.size())}, {"error", s.ToString()}});
  metrics_.mo_retry_later.Add(parts.size());
  return std::vector<uint32_t>(parts.size(), kRetryLater);
}

// The stored parts of groups given up incomplete. A failure leaves them for the next start,
// which gives them up again.
void Core::DropParts(std::vector<IntakeBatch>& batches, size_t first, size_t last) {
  std::vector<store::PartGroup> groups;
  for (size_t b = first; b < last; ++b) {
    for (store::PartGroup& g : batches[b].dropped) groups.push_back(std::move(g));
  }
  if (groups.empty()) return;
  Status s = store_->DropParts(groups);
  NoteStore(s);
  if (!s.ok()) {
    LogWarn("store.parts_not_dropped",
            {{"groups", static_cast<uint64_t>(groups.size())}, {"error", s.ToString()}});
  }
}

// The USSD MOs of batches [first, last): their turns in one transaction, one outcome each.
std::vector<UssdDialogues::Outcome> Core::HandleUssd(std::vector<IntakeBatch>& batches,
                                                     size_t first, size_t last) {
  // Moved out: the batches keep their sizes, which the statuses are counted by.
  std::vector<UssdEvent> events;
  for (size_t b = first; b < last; ++b) {
    for (UssdEvent& e : batches[b].ussd) events.push_back(std::move(e));
  }
  if (events.empty()) return {};
  MayBeDue();
  std::vector<UssdDialogues::Outcome> outcomes =
      ussd_.Handle(events, *engine_, *store_, *view_, store_->now());
  // Answers may hold a PIN.
  for (UssdEvent& e : events) std::fill(e.text.begin(), e.text.end(), '\0');
  return outcomes;
}

// The final receipts of one intake batch in one transaction. One that matches no sent reply
// may have overtaken our submit_sm_resp: it is tried once more at the next housekeeping. A
// store error answers every final receipt "retry later", so the SMSC delivers them again.
void Core::RecordReceipts(const std::vector<ReceiptUpdate>& receipts,
                          std::vector<uint32_t>* status) {
  status->assign(receipts.size(), kOk);
  std::vector<size_t> finals;
  std::vector<store::ReceiptRecord> records;
  for (size_t i = 0; i < receipts.size(); ++i) {
    metrics_.receipts.Add();
    if (!receipts[i].final) continue;
    finals.push_back(i);
    records.push_back({receipts[i].connection, receipts[i].smsc_message_id, receipts[i].delivered,
                       receipts[i].stat});
  }
  if (records.empty()) return;
  auto recorded = store_->RecordReceipts(records);
  NoteStore(recorded.status());
  if (!recorded.ok()) {
    LogWarn("store.receipts_failed", {{"receipts", static_cast<uint64_t>(records.size())},
                                      {"error", recorded.status().ToString()}});
    for (size_t i : finals) (*status)[i] = kRetryLater;
    return;
  }
  for (size_t k = 0; k < finals.size(); ++k) {
    const ReceiptUpdate& r = receipts[finals[k]];
    if ((*recorded)[k]) {
      (r.delivered ? metrics_.mt_delivered : metrics_.mt_undeliverable).Add();
    } else {
      early_receipts_.push_back({r, Clock::now()});
    }
  }
}

// ---- The pass --------------------------------------------------------------------------

void Core::Pass() {
  pass_scheduled_ = false;
  if (stopped_) return;
  metrics_.core_passes.Add();
  bool more = ProcessInbound();
  more = DispatchInstructions() || more;
  more = DispatchReplies() || more;
  if (more) {
    SchedulePass();
  } else {
    ArmDueTimer();
  }
  CheckDrained();
}

bool Core::ApplyStep(const store::Effects& effects, std::string_view what) {
  MayBeDue();
  return StepApplied(store_->Apply(effects).status(), what);
}

bool Core::StepApplied(const Status& status, std::string_view what) {
  NoteStore(status);
  if (status.ok()) return true;
  metrics_.step_failures.Add();
  LogWarn("step.apply_failed", {{"step", what}, {"error", status.ToString()}});
  return false;
}

// With an engine to run, a batch is stored and processed in one transaction
// (Store::AcceptAndStep): one fsync where Accept and then ApplySteps take two, which at
// moderate rates is most of an MO's cost. Behind an older MO still new (a backlog, or a step
// that keeps failing) the store only stores it, and ProcessInbound takes it in its turn.
Result<std::vector<store::AcceptResult>> Core::AcceptMessages(
    std::span<const store::InboundMessage> messages, RidingWrites riders) {
  if (!engine_) {
    LookAgain();
    Requeue(std::move(riders));
    return store_->Accept(messages);
  }
  std::map<int64_t, StepNote> noted;  // by MO id: a step held behind its subscriber's is not run
  const store::ClaimsAlong along = ClaimsRoom();
  MayBeDue();  // unless the claims along say otherwise
  store::Riders along_riders{.reply_results = riders.reply_results,
                             .step_count = riders.answers.answers.size(),
                             .step = AnswerStep(riders.answers)};
  auto done = store_->AcceptAndStep(
      messages, [&](const store::PendingMessage& m) { return Step(m, noted[m.id]); }, along,
      along_riders);
  if (!done.ok()) {
    // Perhaps a step's writes made SQLite drop the transaction (a full disk, a write error):
    // the batch is still stored on its own if it can be, so that such a message is retried
    // and, failing for good, given up by ProcessInbound instead of refusing the intake. The
    // riders go again on their own.
    LogWarn("store.accept_and_step_failed", {{"error", done.status().ToString()}});
    inbound_may_be_new_ = true;
    Requeue(std::move(riders));
    return store_->Accept(messages);
  }
  NoteClaimsAlong(along, done->claimed);
  std::vector<StepNote> notes;
  for (const store::PendingMessage& m : done->stored) notes.push_back(noted[m.id]);
  size_t stepped = 0;
  for (const Result<store::Applied>& r : done->steps) {
    if (r.ok()) {
      metrics_.inbound_stepped_at_intake.Add();
      ++stepped;
    }
  }
  const auto stored_new = std::count_if(done->accepted.begin(), done->accepted.end(),
                                        [](const store::AcceptResult& r) { return !r.duplicate; });
  if (stepped < static_cast<size_t>(stored_new)) inbound_may_be_new_ = true;
  AfterSteps(done->stored, notes, done->steps);
  AfterReplyResults(riders.reply_results, done->ridden.reply_results);
  AfterAnswers(riders.answers, done->ridden.steps);
  intake_claims_ = std::move(done->claimed);
  return std::move(done->accepted);
}

Result<store::Effects> Core::Step(const store::PendingMessage& m, StepNote& note) {
  auto effects = engine_->OnInbound(commands::Inbound::From(m), *view_);
  if (effects.ok()) {
    if (effects->consume) {
      note.outcome = effects->consume->outcome;
      if (effects->consume->reference) note.reference = *effects->consume->reference;
    }
    note.replied = !effects->replies.empty();
  }
  return effects;
}

// One batch of stored MOs: every engine step in one transaction (Store::ApplySteps), so a
// batch costs one fsync, not one per MO. Queued intake is committed first, so an MO's ack
// waits for at most one batch.
bool Core::ProcessInbound() {
  CommitIfWaiting();
  if (!inbound_may_be_new_) return false;
  auto pending = store_->PendingInbound(0, options_.inbound_per_pass);
  NoteStore(pending.status());
  if (!pending.ok()) {
    LogWarn("store.read_failed", {{"error", pending.status().ToString()}});
    return false;
  }
  if (pending->empty()) {
    inbound_may_be_new_ = false;
    return false;
  }
  std::vector<StepNote> notes(pending->size());
  store::Claims claims;
  const store::ClaimsAlong along = ClaimsRoom();
  auto results = store_->ApplySteps(
      pending->size(), [&](size_t i) { return Step((*pending)[i], notes[i]); },
      {.order_key = [&](size_t i) -> std::string_view { return (*pending)[i].source; },
       .along = along,
       .claimed = &claims});
  NoteClaimsAlong(along, claims);
  const bool progressed = AfterSteps(*pending, notes, results);
  SendClaims(std::move(claims));
  const bool full = static_cast<int>(pending->size()) == options_.inbound_per_pass;
  // Failed steps leave their MOs new, tried again (and in the end given up) by later passes.
  inbound_may_be_new_ = full || !inbound_failures_.empty() ||
                        std::any_of(results.begin(), results.end(),
                                    [](const Result<store::Applied>& r) { return !r.ok(); });
  return progressed && full;
}

// Metrics and logs of the steps of stored MOs; a failed one is counted against its MO, which
// is given up (consumed as "failed") after kMaxStepFailures failures a retry cannot cure.
// Whether any MO was consumed.
bool Core::AfterSteps(const std::vector<store::PendingMessage>& messages,
                      const std::vector<StepNote>& notes,
                      const std::vector<Result<store::Applied>>& results) {
  bool progressed = false;
  std::vector<int64_t> give_up;
  for (size_t i = 0; i < results.size(); ++i) {
    const store::PendingMessage& m = messages[i];
    if (results[i].ok()) {
      NoteStore(Status::OK());
      inbound_failures_.erase(m.id);
      progressed = true;
      metrics_.CountOutcome(notes[i].outcome);
      if (notes[i].outcome == "refused") metrics_.credential_refusals.Add();
      if (notes[i].outcome == "resend") metrics_.resend_hits.Add();
      if (notes[i].replied) {
        metrics_.mo_reply_seconds.Observe(std::max<int64_t>(0, store_->now() - m.received_at) /
                                          1000.0);
      }
      LogInfo("mo.processed", {{"inbound", m.id},
                               {"source", m.source},
                               {"outcome", notes[i].outcome},
                               {"reference", notes[i].reference}});
      continue;
    }
    NoteStore(results[i].status());
    metrics_.step_failures.Add();
    LogWarn("step.failed", {{"inbound", m.id}, {"error", results[i].status().ToString()}});
    // Kept in inbound_failures_ either way, so the core comes back to it within a second.
    int& failures = inbound_failures_[m.id];
    if (!RetryMayCure(results[i].status()) && ++failures >= kMaxStepFailures) {
      give_up.push_back(m.id);
    }
  }
  for (int64_t id : give_up) {
    // A poison message: consumed so the queue behind it moves; its text is not kept.
    store::Effects fx;
    fx.consume.emplace();
    fx.consume->inbound_id = id;
    fx.consume->outcome = "failed";
    fx.consume->redacted_text = "(not processed)";
    fx.actor = store::Actor::kSystem;
    LogError("mo.failed", {{"inbound", id}, {"attempts", kMaxStepFailures}});
    if (ApplyStep(fx, "give_up")) {
      inbound_failures_.erase(id);
      progressed = true;
    }
  }
  return progressed;
}

// Nothing is claimed while the backend says it takes no calls (its circuit open, or the probe
// out): a claim counts an attempt, and a call refused at once would spend it for nothing. When
// the pause is over one instruction goes as the probe, and the rest once it succeeded, in
// creation order (the store's claim order).
bool Core::DispatchInstructions() {
  if (!instructions_may_be_due_) return false;
  const int limit = InstructionClaimLimit();
  if (limit <= 0) return false;
  auto claimed = store_->ClaimInstructions(limit);
  NoteStore(claimed.status());
  if (!claimed.ok()) {
    LogWarn("store.claim_failed",
            {{"what", "instructions"}, {"error", claimed.status().ToString()}});
    return false;
  }
  const bool full = static_cast<int>(claimed->size()) == limit;
  instructions_may_be_due_ = full;
  SendClaimedInstructions(std::move(*claimed));
  return full;
}

// A probe's permit stands until the probe is sent, and the claim loop would take one
// instruction after another under it. Once as many are out as the permit allows, the next
// word comes with their answers (calls sent before the breaker opened count too: the probe
// waits for them).
bool Core::ProbeOut(const commands::SendPermit& permit) const {
  return permit.calls != commands::SendPermit::kAny && instructions_in_flight_ >= permit.calls;
}

bool Core::ProbeOut() {
  return instructions_in_flight_ > 0 && ProbeOut(backend_->MaySend());
}

int Core::InstructionClaimLimit() {
  const int room = options_.max_instructions_in_flight - instructions_in_flight_;
  if (room <= 0) return 0;
  const commands::SendPermit permit = backend_->MaySend();
  if (permit.calls <= 0) {
    if (!instructions_held_until_) {
      LogInfo("instructions.held", {{"ask_again_ms", permit.ask_again_in.count()}});
    }
    instructions_held_until_ =
        Clock::now() + std::max(permit.ask_again_in, std::chrono::milliseconds(1));
    return 0;
  }
  if (ProbeOut(permit)) {
    // Not held either: a hold past its time sets the due timer to fire at once, again and
    // again. The calls' answers bring the next pass.
    instructions_held_until_.reset();
    return 0;
  }
  if (instructions_held_until_) {
    LogInfo("instructions.resumed",
            {{"calls", permit.calls == commands::SendPermit::kAny ? std::string("any")
                                                                  : std::to_string(permit.calls)}});
    instructions_held_until_.reset();
  }
  return std::min({room, options_.claim_batch, permit.calls});
}

int Core::ReplyClaimLimit() const {
  const int room = std::max(
      0, std::min(options_.max_replies_in_flight - replies_in_flight_, options_.claim_batch));
  if (!replies_held_until_) return room;
  if (Clock::now() < *replies_held_until_ || replies_in_flight_ > 0) return 0;
  return std::min(room, 1);
}

void Core::NoteReplyBinds(const std::vector<store::ReplyResult>& results) {
  bool not_sent = false;
  bool reached = false;
  for (const store::ReplyResult& r : results) {
    (r.kind == store::ReplyResult::Kind::kRetry && !r.attempt_spent ? not_sent : reached) = true;
  }
  if (reached) {
    if (replies_held_until_) {
      LogInfo("replies.resumed");
      replies_held_until_.reset();
      MayBeDue();
    }
    return;
  }
  if (!not_sent) return;
  if (!replies_held_until_) {
    LogInfo("replies.held", {{"ask_again_ms", static_cast<int64_t>(options_.reply_hold.count())}});
  }
  replies_held_until_ = Clock::now() + options_.reply_hold;
}

store::ClaimsAlong Core::ClaimsRoom() {
  return {.instructions = InstructionClaimLimit(),
          .replies = ReplyClaimLimit(),
          .instructions_only_if_made = !instructions_may_be_due_,
          .replies_only_if_made = !replies_may_be_due_};
}

void Core::NoteClaimsAlong(const store::ClaimsAlong& along, const store::Claims& claims) {
  if (!claims.complete) return MayBeDue();
  // A kind not asked for (no room, the backend holding calls) may have been made unclaimed.
  instructions_may_be_due_ =
      along.instructions <= 0 || static_cast<int>(claims.instructions.size()) == along.instructions;
  replies_may_be_due_ =
      along.replies <= 0 || static_cast<int>(claims.replies.size()) == along.replies;
}

void Core::MayBeDue() {
  instructions_may_be_due_ = true;
  replies_may_be_due_ = true;
}

void Core::LookAgain() {
  MayBeDue();
  inbound_may_be_new_ = true;
}

void Core::SendClaims(store::Claims claims) {
  SendClaimedInstructions(std::move(claims.instructions));
  SendClaimedReplies(std::move(claims.replies));
}

void Core::SendClaimedInstructions(std::vector<store::ClaimedInstruction> claimed) {
  struct Sent {
    std::shared_ptr<store::ClaimedInstruction> claimed;
    std::shared_ptr<const commands::Request> request;  // kept for the answer's step
  };
  std::vector<commands::Instruction> batch;
  auto sent_claims = std::make_shared<std::vector<Sent>>();
  for (store::ClaimedInstruction& c : claimed) {
    std::shared_ptr<const commands::Request> request;
    auto instruction = engine_->ToBackend(c, &request);
    if (!instruction.ok()) {
      LogError("instruction.unreadable",
               {{"id", c.id}, {"error", instruction.status().ToString()}});
      store::Effects fx;
      fx.outcomes.push_back({c.id, store::InstructionOutcome::Kind::kRejected, "unreadable"});
      fx.actor = store::Actor::kSystem;
      ApplyStep(fx, "instruction_unreadable");
      continue;
    }
    ++instructions_in_flight_;
    LogDebug("instruction.sent",
             {{"id", c.id}, {"operation", c.operation}, {"attempt", c.attempt}});
    batch.push_back(std::move(*instruction));
    sent_claims->push_back(
        {std::make_shared<store::ClaimedInstruction>(std::move(c)), std::move(request)});
  }
  if (batch.empty()) return;
  // One call, so the embedded ledger commits the whole claim at once (one fsync). The
  // answers come on the ledger's thread (embedded) or on the io thread (HTTP): each is
  // handled in a handler of its own on this thread.
  const Clock::time_point sent = Clock::now();
  backend_->SubmitBatch(
      std::move(batch), [this, sent_claims, sent](size_t index, commands::BackendResult result) {
        metrics_.backend_seconds.Observe(Seconds(Clock::now() - sent));
        Post([this, sent = (*sent_claims)[index], result = std::move(result)]() mutable {
          OnBackendResult(std::move(sent.claimed), std::move(sent.request), std::move(result));
        });
      });
}

// An answer is queued, not applied: the answers that arrive together (a pass's worth from the
// embedded ledger, a burst from HTTP) become one transaction of engine steps in ApplyAnswers.
void Core::OnBackendResult(std::shared_ptr<store::ClaimedInstruction> claimed,
                           std::shared_ptr<const commands::Request> request,
                           commands::BackendResult result) {
  --instructions_in_flight_;
  if (stopped_) return;
  (result.accepted()   ? metrics_.instructions_accepted
   : result.rejected() ? metrics_.instructions_rejected
                       : metrics_.instructions_unavailable)
      .Add();
  LogInfo("instruction.answered", {{"id", claimed->id},
                                   {"operation", claimed->operation},
                                   {"attempt", claimed->attempt},
                                   {"outcome", result.accepted()   ? "accepted"
                                               : result.rejected() ? "rejected"
                                                                   : "unavailable"},
                                   {"reason", result.accepted()       ? std::string("-")
                                              : result.reason.empty() ? result.detail
                                                                      : result.reason},
                                   {"replayed", result.replayed}});
  answers_.push_back({std::move(claimed), std::move(result), std::move(request)});
  PostAnswers();
}

void Core::PostAnswers() {
  if (answers_posted_) return;
  answers_posted_ = true;
  Post([this] { ApplyAnswers(); });
}

// Up to inbound_per_pass queued answers: their engine steps in one transaction
// (Store::ApplySteps), where one failing step does not undo the others. Queued intake carries them
// in its commit: one commit for both, where each was one of its own (answers wait at most the group
// commit's delay for it). The rest of a long queue waits behind the handlers queued meanwhile, so
// acks are never starved.
void Core::ApplyAnswers() {
  answers_posted_ = false;
  if (stopped_) return answers_.clear();
  if (answers_ride_ && commit_waiting_ && engine_ && IntakeHoldsMessages()) {
    return;  // the commit timer's CommitNow takes them, or posts this again
  }
  CommitIfWaiting();
  if (answers_.empty()) return;
  ApplyAnswerBatch(/*claim=*/true);
  SchedulePass();
}

void Core::ApplyAnswerBatch(bool claim) {
  RidingWrites riders = TakeRiders(/*answers=*/true);
  answers_ride_ = true;
  AnswerBatch& batch = riders.answers;
  store::Claims claims;
  const store::ClaimsAlong along = claim ? ClaimsRoom() : store::ClaimsAlong{};
  Status results_status;
  auto results = store_->ApplySteps(batch.answers.size(), AnswerStep(batch),
                                    {.along = along,
                                     .claimed = &claims,
                                     .lazy = true,
                                     .reply_results = riders.reply_results,
                                     .reply_results_status = &results_status});
  if (claim) NoteClaimsAlong(along, claims);
  AfterReplyResults(riders.reply_results, results_status);
  AfterAnswers(batch, results);
  SendClaims(std::move(claims));
}

Core::RidingWrites Core::TakeRiders(bool answers) {
  RidingWrites riders;
  riders.reply_results = std::exchange(reply_results_, {});
  if (!answers) return riders;
  const size_t n =
      std::min(answers_.size(), static_cast<size_t>(std::max(1, options_.inbound_per_pass)));
  riders.answers.answers.assign(std::make_move_iterator(answers_.begin()),
                                std::make_move_iterator(answers_.begin() + n));
  answers_.erase(answers_.begin(), answers_.begin() + n);
  if (!answers_.empty()) PostAnswers();
  riders.answers.fate.assign(n, AnswerBatch::Fate::kStep);
  return riders;
}

void Core::Requeue(RidingWrites riders) {
  std::vector<Answer>& answers = riders.answers.answers;
  if (!answers.empty()) {
    // On their own next time: should they be what lost the transaction, they must not take
    // the next intake commit down with them.
    answers_ride_ = false;
    answers_.insert(answers_.begin(), std::make_move_iterator(answers.begin()),
                    std::make_move_iterator(answers.end()));
    PostAnswers();
  }
  if (!riders.reply_results.empty()) {
    reply_results_.insert(reply_results_.begin(),
                          std::make_move_iterator(riders.reply_results.begin()),
                          std::make_move_iterator(riders.reply_results.end()));
    FlushReplyResults();
  }
}

std::function<Result<store::Effects>(size_t)> Core::AnswerStep(AnswerBatch& batch) {
  return [this, &batch](size_t i) -> Result<store::Effects> {
    const Answer& a = batch.answers[i];
    // Not asked first whether a push answered it while the call was out (rare): the store
    // refuses the step's outcome then (AfterAnswers), which saves a read of every answer.
    auto effects = engine_->OnResult(*a.claimed, a.result, *view_, a.request);
    batch.fate[i] = effects.ok() ? AnswerBatch::Fate::kStep : AnswerBatch::Fate::kEngineFailed;
    return effects;
  };
}

void Core::AfterAnswers(const AnswerBatch& batch,
                        const std::vector<Result<store::Applied>>& results) {
  std::vector<const store::ClaimedInstruction*> failed;
  for (size_t i = 0; i < batch.answers.size(); ++i) {
    const store::ClaimedInstruction& c = *batch.answers[i].claimed;
    if (i >= results.size()) {
      failed.push_back(&c);
    } else if (batch.fate[i] == AnswerBatch::Fate::kEngineFailed) {
      LogWarn("step.engine_failed",
              {{"instruction", c.id}, {"error", results[i].status().ToString()}});
      failed.push_back(&c);
    } else if (AnsweredAlready(results[i].status(), c.id)) {
      // A push carried the answer while this call was out; the first answer stands. The
      // step's effects (the outcome, a reply, notices, a challenge re-offered) went with it:
      // the store rolls a refused step back to the batch's savepoint (StepGroup in
      // store/store_apply.cpp) and keeps only the steps that were written whole.
      LogDebug("instruction.answered_already", {{"id", c.id}});
    } else if (!StepApplied(results[i].status(), "result")) {
      failed.push_back(&c);
    }
  }
  if (failed.empty()) return;
  // Asked again later: the backend answers a repeated id with its stored answer. The failure
  // is ours, after the backend answered (an accepted answer has moved the money), so it spends
  // no attempt: counted, it made an instruction on its last attempt dead, with no reply. A
  // step that keeps failing asks again every kStepFailedRetryMs (within the retry policy's
  // ceiling) until an operator fixes it; `step.apply_failed` / `step.engine_failed` say so.
  MayBeDue();
  auto retried = store_->ApplySteps(
      failed.size(),
      [&](size_t k) -> Result<store::Effects> {
        store::Effects retry;
        retry.outcomes.push_back({failed[k]->id, store::InstructionOutcome::Kind::kRetry,
                                  "step failed", /*attempt_spent=*/false, kStepFailedRetryMs});
        retry.actor = store::Actor::kSystem;
        return retry;
      },
      {.lazy = true});
  for (size_t k = 0; k < failed.size(); ++k) {
    if (AnsweredAlready(retried[k].status(), failed[k]->id)) {
      // A push answered it after all (its engine step failed, say): nothing to ask again.
      LogDebug("instruction.answered_already", {{"id", failed[k]->id}});
    } else if (!StepApplied(retried[k].status(), "result_retry")) {
      LogError("instruction.stuck", {{"id", failed[k]->id}});  // back to pending at next start
    }
  }
}

// The store refuses an outcome for an instruction that has one with AlreadyExists. A step's
// other writes could fail so only on a broken constraint (a bug): the state, read on this rare
// path only, tells them apart, and such a step is retried as any failed step.
bool Core::AnsweredAlready(const Status& step, const std::string& instruction_id) {
  if (!step.IsAlreadyExists()) return false;
  Result<store::InstructionState> state = store_->GetInstructionState(instruction_id);
  return state.ok() &&
         (*state == store::InstructionState::kDone || *state == store::InstructionState::kRejected);
}

void Core::PushedResult(std::string instruction_id, commands::BackendResult result,
                        std::function<void(Result<PushOutcome>)> done) {
  Post([this, id = std::move(instruction_id), result = std::move(result),
        done = std::move(done)]() mutable {
    if (stopped_) return done(Status::Unavailable("stopping"));
    auto stored = store_->GetInstruction(id);
    if (!stored.ok()) return done(stored.status());
    if (stored->state == store::InstructionState::kDone ||
        stored->state == store::InstructionState::kRejected) {
      return done(PushOutcome::kDuplicate);
    }
    store::ClaimedInstruction claimed;
    claimed.id = stored->id;
    claimed.reference = stored->reference;
    claimed.msisdn = stored->msisdn;
    claimed.operation = stored->operation;
    claimed.payload = stored->payload;
    claimed.payload_hash = stored->payload_hash;
    claimed.attempt = std::max(1, stored->attempts);
    (result.accepted() ? metrics_.instructions_accepted : metrics_.instructions_rejected).Add();
    LogInfo("instruction.pushed", {{"id", id},
                                   {"operation", claimed.operation},
                                   {"outcome", result.accepted() ? "accepted" : "rejected"}});
    auto effects = engine_->OnResult(claimed, result, *view_);
    if (!effects.ok()) return done(effects.status());
    if (!ApplyStep(*effects, "pushed_result")) return done(Status::Unavailable("store"));
    done(PushOutcome::kQueued);
    SchedulePass();
  });
}

bool Core::DispatchReplies() {
  if (!replies_may_be_due_) return false;
  const int limit = ReplyClaimLimit();
  if (limit <= 0) return false;
  auto claimed = store_->ClaimReplies(limit);
  NoteStore(claimed.status());
  if (!claimed.ok()) {
    LogWarn("store.claim_failed", {{"what", "replies"}, {"error", claimed.status().ToString()}});
    return false;
  }
  const bool full = static_cast<int>(claimed->size()) == limit;
  replies_may_be_due_ = full;
  SendClaimedReplies(std::move(*claimed));
  return full;
}

void Core::SendClaimedReplies(std::vector<store::ClaimedReply> claimed) {
  if (claimed.empty()) return;
  replies_in_flight_ += static_cast<int>(claimed.size());
  send_replies_(std::move(claimed), [this](std::vector<store::ReplyResult> results) {
    Post([this, results = std::move(results)]() mutable { OnReplyResults(std::move(results)); });
  });
}

void Core::OnReplyResults(std::vector<store::ReplyResult> results) {
  replies_in_flight_ -= static_cast<int>(results.size());
  if (stopped_) return;
  NoteReplyBinds(results);
  for (const store::ReplyResult& r : results) {
    (r.kind == store::ReplyResult::Kind::kSent    ? metrics_.mt_sent
     : r.kind == store::ReplyResult::Kind::kRetry ? metrics_.mt_retry
                                                  : metrics_.mt_failed)
        .Add();
  }
  reply_results_.insert(reply_results_.end(), std::make_move_iterator(results.begin()),
                        std::make_move_iterator(results.end()));
  if (options_.group_commit_max_delay.count() <= 0) {
    FlushReplyResults();
  } else if (!results_timer_armed_) {
    results_timer_armed_ = true;
    results_timer_.expires_after(options_.group_commit_max_delay);
    results_timer_.async_wait([this](const boost::system::error_code& ec) {
      results_timer_armed_ = false;
      // A retry result makes its reply due later: the pass re-arms the due timer for it.
      if (!ec && !stopped_ && FlushReplyResults()) SchedulePass();
    });
  }
  SchedulePass();
}

bool Core::FlushReplyResults() {
  if (reply_results_.empty() || !store_) return false;
  std::vector<store::ReplyResult> results = std::exchange(reply_results_, {});
  AfterReplyResults(results, store_->RecordReplyResults(results));
  return true;
}

// Send results are recorded all or none: when a batch fails, each is tried on its own, so one
// that cannot be recorded (a reply no longer in flight) does not hold the others in flight.
void Core::AfterReplyResults(const std::vector<store::ReplyResult>& results,
                             const Status& recorded) {
  if (results.empty()) return;
  NoteStore(recorded);
  if (recorded.ok()) return;
  size_t lost = results.size();
  // Only a refusal of one result (not in flight, gone) is worth the rest trying alone; a busy
  // or failing store would refuse each in turn, each after its busy timeout.
  const bool one_refused = recorded.code() == Status::Code::kFailedPrecondition ||
                           recorded.code() == Status::Code::kNotFound;
  if (results.size() > 1 && one_refused) {
    lost = 0;
    for (const store::ReplyResult& r : results) {
      if (!store_->RecordReplyResults(std::span(&r, 1)).ok()) ++lost;
    }
  }
  if (lost == 0) return;
  // Those replies stay in flight until the next start puts them back to pending; the SMSC has
  // them already when they were sent, and a resend carries the same reference.
  metrics_.step_failures.Add();
  LogError("store.record_replies_failed",
           {{"results", static_cast<uint64_t>(lost)}, {"error", recorded.ToString()}});
}

// ---- Timers ----------------------------------------------------------------------------

void Core::ArmDueTimer() {
  // Only work the core can take now sets the timer. Instructions held back for the backend
  // wake it when the backend said to ask again (they are due already); instructions and
  // replies beyond their in-flight limits wake it when a call or an MT completes. Waking for
  // them here would spin: they are due, and the pass could take none.
  std::optional<int64_t> due;
  bool read_failed = false;
  auto consider = [&](Result<std::optional<int64_t>> at) {
    NoteStore(at.status());
    if (!at.ok()) {
      read_failed = true;
    } else if (at->has_value() && (!due || **at < *due)) {
      due = **at;
    }
  };
  if (!instructions_held_until_ && instructions_in_flight_ < options_.max_instructions_in_flight &&
      !ProbeOut()) {
    consider(store_->NextInstructionDueAt());
  }
  // Replies held for want of a bind wake it when the hold ends (no room to claim before); a
  // probe out, with its result.
  const bool replies_waiting = replies_held_until_ && Clock::now() < *replies_held_until_;
  if (ReplyClaimLimit() > 0) consider(store_->NextReplyDueAt());
  std::chrono::milliseconds wait = options_.max_sleep;
  if (due) {
    const int64_t in = *due - store_->now();
    wait = std::clamp(std::chrono::milliseconds(in), std::chrono::milliseconds(0), wait);
  }
  if (read_failed) wait = std::min(wait, std::chrono::milliseconds(1000));
  if (!inbound_failures_.empty()) wait = std::min(wait, std::chrono::milliseconds(1000));
  if (instructions_held_until_) {
    wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(std::max(
                              Clock::duration(0), *instructions_held_until_ - Clock::now())));
  }
  if (replies_waiting) {
    wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(
                              std::max(Clock::duration(0), *replies_held_until_ - Clock::now())));
  }
  due_timer_.expires_after(wait);
  due_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    LookAgain();
    SchedulePass();
  });
}

// Receipts that overtook their submit_sm_resp (the SMSC has their acks already), tried again
// together at each housekeeping until their send result has landed and they match, for
// kEarlyReceiptPatience; then, or when more than kMaxEarlyReceipts wait, the oldest are dropped
// and the reply stays "sent".
void Core::RetryEarlyReceipts() {
  if (early_receipts_.empty()) return;
  std::vector<EarlyReceipt> early;
  early.swap(early_receipts_);
  std::vector<store::ReceiptRecord> records;
  for (const EarlyReceipt& e : early) {
    records.push_back(
        {e.update.connection, e.update.smsc_message_id, e.update.delivered, e.update.stat});
  }
  auto recorded = store_->RecordReceipts(records);
  NoteStore(recorded.status());
  if (!recorded.ok()) {
    LogWarn("store.receipts_failed", {{"receipts", static_cast<uint64_t>(records.size())},
                                      {"error", recorded.status().ToString()}});
  }
  const Clock::time_point now = Clock::now();
  for (size_t i = 0; i < early.size(); ++i) {
    const ReceiptUpdate& r = early[i].update;
    if (recorded.ok() && (*recorded)[i]) {
      (r.delivered ? metrics_.mt_delivered : metrics_.mt_undeliverable).Add();
    } else if (now - early[i].since < kEarlyReceiptPatience) {
      early_receipts_.push_back(std::move(early[i]));
    } else {
      LogDebug("receipt.unmatched",
               {{"connection", r.connection}, {"message_id", r.smsc_message_id}});
    }
  }
  if (early_receipts_.size() > kMaxEarlyReceipts) {
    early_receipts_.erase(early_receipts_.begin(),
                          early_receipts_.end() - static_cast<std::ptrdiff_t>(kMaxEarlyReceipts));
  }
}

void Core::Housekeeping() {
  if (stopped_) return;
  auto expired = store_->ExpireChallenges(500);
  NoteStore(expired.status());
  ussd_.Expire(*store_, store_->now());
  RetryEarlyReceipts();
  auto depths = store_->Depths();  // a read: says nothing of whether the store takes writes
  if (depths.ok()) {
    metrics_.queue_inbound.Set(depths->inbound_new);
    metrics_.queue_instructions_pending.Set(depths->instructions_pending);
    metrics_.queue_replies_pending.Set(depths->replies_pending);
    metrics_.dead_letters.Set(depths->dead_letters);
  }
  NoteCheckpoints();
  // Items re-queued by another process (`smsgw ctl`) are found here, within one interval.
  LookAgain();
  SchedulePass();
  housekeeping_timer_.expires_after(options_.housekeeping_interval);
  housekeeping_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) Housekeeping();
  });
}

namespace {

// Adds what the checkpoints of one database did since `seen` to its counters.
void AddCheckpoints(const store::CheckpointStats& now, store::CheckpointStats& seen,
                    DaemonMetrics::CheckpointCounters& counters, const char* failed_event) {
  counters.wal_frames.Set(now.wal_frames);
  counters.background.Add(static_cast<uint64_t>(now.checkpoints - seen.checkpoints));
  counters.in_commit.Add(static_cast<uint64_t>(now.in_commit - seen.in_commit));
  if (now.failures > seen.failures) {
    const auto failed = static_cast<uint64_t>(now.failures - seen.failures);
    counters.failures.Add(failed);
    LogWarn(failed_event, {{"failures", failed}, {"error", now.last_error}});
  }
  seen = now;
}

}  // namespace

void Core::NoteCheckpoints() {
  AddCheckpoints(store_->checkpoint_stats(), checkpoints_seen_, metrics_.store_checkpoints,
                 "store.checkpoint_failed");
  if (options_.ledger_checkpoints) {
    AddCheckpoints(options_.ledger_checkpoints(), ledger_checkpoints_seen_,
                   metrics_.ledger_checkpoints, "ledger.checkpoint_failed");
  }
  if (const int64_t straight = store::WalFilesWritingStraight(); straight > wal_straight_seen_) {
    metrics_.wal_gathering_off.Add(static_cast<uint64_t>(straight - wal_straight_seen_));
    LogWarn("store.wal_gathering_off",
            {{"files", static_cast<uint64_t>(straight)},
             {"why",
              "SQLite appended a WAL frame in a shape the gathering does not know; "
              "commits are safe but cost two writes per page again"}});
    wal_straight_seen_ = straight;
  }
}

// ---- Drain -----------------------------------------------------------------------------

void Core::Drain(Clock::time_point deadline, std::function<void(bool)> done) {
  Post([this, deadline, done = std::move(done)]() mutable {
    drain_done_ = std::move(done);
    LookAgain();
    drain_timer_.expires_at(deadline);
    drain_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || !drain_done_) return;
      auto done = std::move(drain_done_);
      drain_done_ = nullptr;
      done(false);
    });
    SchedulePass();
  });
}

void Core::CheckDrained() {
  if (!drain_done_) return;
  if (FlushReplyResults()) return SchedulePass();  // a retry result re-arms the due timer
  {
    std::lock_guard<std::mutex> lock(intake_mu_);
    if (!intake_.empty()) return;
  }
  if (instructions_in_flight_ > 0 || !answers_.empty() || replies_in_flight_ > 0) return;
  auto pending = store_->PendingInbound(0, 1);
  if (!pending.ok() || !pending->empty()) return;
  auto next = store_->NextDueAt();
  if (!next.ok() || (next->has_value() && **next <= store_->now())) return;
  drain_timer_.cancel();
  auto done = std::move(drain_done_);
  drain_done_ = nullptr;
  done(true);
}

void Core::BillNotice(commands::BillNotice notice, std::string notice_id,
                      std::function<void(Status)> done) {
  Post([this, notice = std::move(notice), notice_id = std::move(notice_id),
        done = std::move(done)]() mutable {
    if (stopped_) return done(Status::Unavailable("stopping"));
    if (notice.short_code.empty()) notice.short_code = options_.default_short_code;
    auto effects = engine_->OnBillNotice(notice, *view_);
    if (!effects.ok()) {
      LogWarn("notice.refused", {{"notice", notice_id}, {"error", effects.status().ToString()}});
      return done(effects.status());
    }
    effects->notice_id = std::move(notice_id);
    MayBeDue();
    auto applied = store_->Apply(*effects);
    NoteStore(applied.status());
    done(applied.status());
    SchedulePass();
  });
}

}  // namespace smsgw::gateway
