// EsmeSession after ESME_RINVBNDSTS with other submits in flight: it sends nothing more, waits
// for their responses (each bounded by its own deadline) so that none the SMSC took is sent
// again, then binds again. Loops wait for a condition, bounded in time; nothing asserts on
// durations.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "gateway/smpp/encode.h"
#include "tests/smpp_session/session_fixture.h"

namespace smsgw::smpp {
namespace {

class SessionRebindTest : public SessionFixture {
 protected:
  // Binds with the SMSC holding every submit, and submits `n`; their results land in results_.
  void SubmitHeld(SessionConfig c, size_t n) {
    sim_.config().answer_submits = false;
    StartSession(std::move(c));
    ASSERT_TRUE(RunUntil([&] { return Bound(); }));
    results_.resize(n);
    for (size_t i = 0; i < n; ++i) {
      ASSERT_TRUE(session_
                      ->Submit(Mt("mt " + std::to_string(i)),
                               [this, i](const SubmitResult& r) { results_[i] = r; })
                      .ok());
    }
  }

  // The sequence numbers of the submit_sm the SMSC received, in order.
  std::vector<uint32_t> SubmitSeqs() const {
    std::vector<uint32_t> seqs;
    for (const Pdu& p : sim_.received()) {
      if (std::holds_alternative<SubmitSm>(p.body)) seqs.push_back(p.sequence_number);
    }
    return seqs;
  }

  // The SMSC's submit_sm_resp to `seq`, with a message id when accepted.
  void Answer(uint32_t seq, CommandStatus status, const std::string& id = "") {
    Pdu resp = MakeResponse(ToWire(CommandId::kSubmitSm), seq, ToWire(status));
    std::get<SubmitSmResp>(resp.body).message_id = id;
    std::vector<uint8_t> bytes;
    ASSERT_TRUE(Encode(resp, &bytes).ok());
    sim_.PushRaw(bytes);
  }

  std::vector<std::optional<SubmitResult>> results_;
};

TEST_F(SessionRebindTest, SubmitsInFlightKeepTheirAnswersAcrossTheRebind) {
  SessionConfig c = Config();
  c.window = 3;
  ASSERT_NO_FATAL_FAILURE(SubmitHeld(c, 4));  // three in flight, one queued
  ASSERT_TRUE(RunUntil([&] { return sim_.submits().size() == 3; }));
  const std::vector<uint32_t> seqs = SubmitSeqs();
  // The SMSC lost our bind: it refuses the first; the other two were taken before, or not.
  Answer(seqs[0], CommandStatus::kRInvBndSts);
  ASSERT_TRUE(RunUntil([&] { return results_[0] && results_[3]; })) << LogText();
  EXPECT_EQ(results_[0]->status, ToWire(CommandStatus::kRInvBndSts));
  EXPECT_FALSE(results_[0]->outcome_unknown);
  // The queued one goes back to the sender at once, as never sent, for another bind.
  EXPECT_TRUE(results_[3]->never_sent);
  Settle();
  // Still on the first connection, sending nothing, waiting for the two in flight.
  EXPECT_FALSE(results_[1] || results_[2]);
  EXPECT_EQ(session_->state(), SessionState::kUnbinding);
  EXPECT_EQ(sim_.connections(), 1);
  EXPECT_EQ(sim_.submits().size(), 3u);
  EXPECT_TRUE(Logged("waiting for 2 submit response(s)")) << LogText();

  Answer(seqs[1], CommandStatus::kROk, "TAKEN2");
  Answer(seqs[2], CommandStatus::kRInvBndSts);
  ASSERT_TRUE(RunUntil([&] { return results_[1] && results_[2]; })) << LogText();
  // Accepted before the SMSC lost the bind: known, so never sent twice.
  EXPECT_EQ(results_[1]->status, 0u);
  EXPECT_EQ(results_[1]->message_id, "TAKEN2");
  EXPECT_FALSE(results_[1]->outcome_unknown);
  // Refused with ESME_RINVBNDSTS: known not taken, safe to send again.
  EXPECT_EQ(results_[2]->status, ToWire(CommandStatus::kRInvBndSts));
  EXPECT_FALSE(results_[2]->outcome_unknown);
  // Then a new connection and a new bind.
  ASSERT_TRUE(RunUntil([&] { return sim_.connections() == 2 && sim_.binds() == 2 && Bound(); }))
      << LogText();
  EXPECT_EQ(sim_.submits().size(), 3u);
}

// The wait is bounded by the submits' own deadlines: one the SMSC never answers ends as
// outcome unknown, and the session binds again.
TEST_F(SessionRebindTest, UnansweredSubmitEndsTheWaitAtItsDeadline) {
  SessionConfig c = Config();
  c.window = 2;
  c.response_timeout = Millis(300);
  c.enquire_link_interval = Millis(10000);
  ASSERT_NO_FATAL_FAILURE(SubmitHeld(c, 2));
  ASSERT_TRUE(RunUntil([&] { return sim_.submits().size() == 2; }));
  Answer(SubmitSeqs()[0], CommandStatus::kRInvBndSts);
  ASSERT_TRUE(RunUntil([&] { return results_[1].has_value(); })) << LogText();
  EXPECT_TRUE(results_[1]->outcome_unknown);
  ASSERT_TRUE(RunUntil([&] { return sim_.connections() == 2 && Bound(); })) << LogText();
}

// Stop() during the wait waits for the same submits, as a Stop() while bound waits for its
// requests: closing at once made each outcome unknown, and every one the SMSC had accepted was
// sent again after the restart.
TEST_F(SessionRebindTest, StopDuringTheWaitWaitsForTheSubmitsInFlight) {
  SessionConfig c = Config();
  c.window = 3;
  c.response_timeout = Millis(5000);
  c.stop_timeout = Millis(5000);
  ASSERT_NO_FATAL_FAILURE(SubmitHeld(c, 3));
  ASSERT_TRUE(RunUntil([&] { return sim_.submits().size() == 3; }));
  const std::vector<uint32_t> seqs = SubmitSeqs();
  Answer(seqs[0], CommandStatus::kRInvBndSts);
  ASSERT_TRUE(RunUntil([&] { return results_[0].has_value(); })) << LogText();
  ASSERT_EQ(session_->state(), SessionState::kUnbinding);
  bool stopped = false;
  session_->Stop([&] { stopped = true; });
  Settle();
  EXPECT_FALSE(stopped);
  EXPECT_FALSE(results_[1] || results_[2]);
  EXPECT_EQ(session_->state(), SessionState::kUnbinding);

  Answer(seqs[1], CommandStatus::kROk, "TAKEN2");
  Answer(seqs[2], CommandStatus::kRInvBndSts);
  ASSERT_TRUE(RunUntil([&] { return stopped; })) << LogText();
  ASSERT_TRUE(results_[1] && results_[2]);
  EXPECT_EQ(results_[1]->status, 0u);
  EXPECT_EQ(results_[1]->message_id, "TAKEN2");
  EXPECT_FALSE(results_[1]->outcome_unknown);
  EXPECT_EQ(results_[2]->status, ToWire(CommandStatus::kRInvBndSts));
  EXPECT_FALSE(results_[2]->outcome_unknown);
  EXPECT_EQ(session_->state(), SessionState::kStopped);
  // Stopping: no new connection, no new bind.
  Settle();
  EXPECT_EQ(sim_.connections(), 1);
  EXPECT_EQ(sim_.binds(), 1);
}

// Stop() during the wait, with the bounds given: two submits out, the first answered
// ESME_RINVBNDSTS, the second not (yet).
class SessionRebindStopTest : public SessionRebindTest {
 protected:
  void StopWhileTheSecondIsUnanswered(Millis response_timeout, Millis stop_timeout) {
    SessionConfig c = Config();
    c.window = 2;
    c.response_timeout = response_timeout;
    c.enquire_link_interval = Millis(30000);
    c.stop_timeout = stop_timeout;
    ASSERT_NO_FATAL_FAILURE(SubmitHeld(c, 2));
    ASSERT_TRUE(RunUntil([&] { return sim_.submits().size() == 2; }));
    Answer(SubmitSeqs()[0], CommandStatus::kRInvBndSts);
    ASSERT_TRUE(RunUntil([&] { return results_[0].has_value(); })) << LogText();
    session_->Stop([&] { stopped_ = true; });
  }

  bool stopped_ = false;
};

// A stop_timeout shorter than the submits' deadlines does not cut the wait short: the SMSC's
// answer that comes after it still decides the submit's outcome.
TEST_F(SessionRebindStopTest, StopDuringTheWaitOutlastsAShorterStopTimeout) {
  ASSERT_NO_FATAL_FAILURE(StopWhileTheSecondIsUnanswered(Millis(2000), Millis(100)));
  io_.run_for(Millis(400));  // past stop_timeout, well before the submit's deadline
  EXPECT_FALSE(results_[1].has_value()) << LogText();
  Answer(SubmitSeqs()[1], CommandStatus::kROk, "TAKEN2");
  ASSERT_TRUE(RunUntil([&] { return stopped_; })) << LogText();
  ASSERT_TRUE(results_[1].has_value());
  EXPECT_EQ(results_[1]->status, 0u);
  EXPECT_EQ(results_[1]->message_id, "TAKEN2");
  EXPECT_FALSE(results_[1]->outcome_unknown);
  EXPECT_EQ(sim_.connections(), 1);
}

// One never answered ends the wait at its own deadline, as outcome unknown.
TEST_F(SessionRebindStopTest, StopDuringTheWaitEndsAtTheSubmitsDeadline) {
  ASSERT_NO_FATAL_FAILURE(StopWhileTheSecondIsUnanswered(Millis(300), Millis(30000)));
  ASSERT_TRUE(RunUntil([&] { return stopped_; })) << LogText();
  ASSERT_TRUE(results_[1].has_value());
  EXPECT_TRUE(results_[1]->outcome_unknown);
  EXPECT_EQ(sim_.connections(), 1);
  EXPECT_FALSE(Logged("did not come in time")) << LogText();
}

}  // namespace
}  // namespace smsgw::smpp
