// EsmeSession when the SMSC's view of the bind changes under it: ESME_RINVBNDSTS on a submit,
// a dropped or refused bind with submits still queued, an unbind from the SMSC. Loops wait for
// a condition, bounded in time; nothing asserts on durations.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "gateway/smpp/encode.h"
#include "tests/smpp/pdu_bytes.h"
#include "tests/smpp_session/session_fixture.h"

namespace smsgw::smpp {
namespace {

class SessionLinkTest : public SessionFixture {
 protected:
  // The sequence number of the latest submit_sm the SMSC received.
  uint32_t LastSubmitSeq() const {
    uint32_t seq = 0;
    for (const Pdu& p : sim_.received()) {
      if (std::holds_alternative<SubmitSm>(p.body)) seq = p.sequence_number;
    }
    return seq;
  }

  // Three submits on a bind of window one whose SMSC answers none: the first written, the
  // other two queued behind it. `results` gets each one's outcome.
  void OneWrittenTwoQueued(std::vector<std::optional<SubmitResult>>& results) {
    sim_.config().answer_submits = false;
    SessionConfig c = Config();
    c.window = 1;
    StartSession(c);
    ASSERT_TRUE(RunUntil([&] { return Bound(); }));
    results.assign(3, std::nullopt);
    for (size_t i = 0; i < results.size(); ++i) {
      ASSERT_TRUE(session_
                      ->Submit(Mt("mt " + std::to_string(i)),
                               [&results, i](const SubmitResult& r) { results[i] = r; })
                      .ok());
    }
    ASSERT_TRUE(RunUntil([&] { return sim_.submits().size() == 1; }));
  }
};

TEST_F(SessionLinkTest, InvalidBindStatusOnSubmitBindsAgain) {
  sim_.config().answer_submits = false;
  StartSession(Config());
  ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  std::optional<SubmitResult> first;
  ASSERT_TRUE(session_->Submit(Mt("one"), [&](const SubmitResult& r) { first = r; }).ok());
  ASSERT_TRUE(RunUntil([&] { return sim_.submits().size() == 1; }));
  // The SMSC failed over behind the same TCP link and no longer knows our bind.
  sim_.PushRaw(smpp::testing::Bytes().AsPdu(ToWire(CommandId::kSubmitSmResp), LastSubmitSeq(),
                                            ToWire(CommandStatus::kRInvBndSts)));
  ASSERT_TRUE(RunUntil([&] { return first.has_value(); }));
  EXPECT_EQ(first->status, ToWire(CommandStatus::kRInvBndSts));
  EXPECT_EQ(first->consequence.status_class, StatusClass::kTemporary);
  EXPECT_FALSE(first->outcome_unknown);
  // A new connection and a new bind; submits flow on it.
  ASSERT_TRUE(RunUntil([&] { return sim_.connections() == 2 && sim_.binds() == 2 && Bound(); }))
      << LogText();
  EXPECT_TRUE(Logged("ESME_RINVBNDSTS")) << LogText();
  sim_.config().answer_submits = true;
  std::optional<SubmitResult> second;
  ASSERT_TRUE(session_->Submit(Mt("two"), [&](const SubmitResult& r) { second = r; }).ok());
  ASSERT_TRUE(RunUntil([&] { return second.has_value(); }));
  EXPECT_EQ(second->status, 0u);
  EXPECT_FALSE(second->message_id.empty());
}

TEST_F(SessionLinkTest, SubmitQueuedForARefusedBindIsReleasedAsNeverSent) {
  SessionConfig c = Config();
  c.password = "wrong";  // refused on every bind
  StartSession(c);
  std::optional<SubmitResult> result;
  ASSERT_TRUE(session_->Submit(Mt("x"), [&](const SubmitResult& r) { result = r; }).ok());
  ASSERT_TRUE(RunUntil([&] { return result.has_value(); })) << LogText();
  EXPECT_GE(session_->stats().bind_refusals, 1u);
  EXPECT_FALSE(result->outcome_unknown);
  EXPECT_EQ(result->status, ToWire(CommandStatus::kRSysErr));
  EXPECT_EQ(result->consequence.status_class, StatusClass::kTemporary);
  EXPECT_EQ(session_->queued_submits(), 0u);
  EXPECT_TRUE(sim_.submits().empty());
}

TEST_F(SessionLinkTest, DroppedLinkReleasesQueuedSubmitsAndLeavesWrittenOnesUnknown) {
  std::vector<std::optional<SubmitResult>> results;
  ASSERT_NO_FATAL_FAILURE(OneWrittenTwoQueued(results));
  EXPECT_EQ(session_->queued_submits(), 2u);
  sim_.DropConnection();
  ASSERT_TRUE(RunUntil([&] { return results[0] && results[1] && results[2]; })) << LogText();
  EXPECT_TRUE(results[0]->outcome_unknown);  // written: the SMSC may have it
  for (size_t i = 1; i < results.size(); ++i) {
    EXPECT_FALSE(results[i]->outcome_unknown) << i;
    EXPECT_EQ(results[i]->status, ToWire(CommandStatus::kRSysErr)) << i;
  }
  // Nothing is left to go out on the next bind.
  ASSERT_TRUE(RunUntil([&] { return sim_.binds() == 2 && Bound(); }));
  Settle();
  EXPECT_EQ(sim_.submits().size(), 1u);
  EXPECT_EQ(session_->queued_submits(), 0u);
}

TEST_F(SessionLinkTest, NoSubmitFollowsOurUnbindResp) {
  std::vector<std::optional<SubmitResult>> results;
  ASSERT_NO_FATAL_FAILURE(OneWrittenTwoQueued(results));
  // One read holds the SMSC's unbind and then the answer to the submit in flight, which frees
  // the window while the queue still holds two.
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(Encode(Pdu{0, 9000, Unbind{}}, &bytes).ok());
  Pdu resp = MakeResponse(ToWire(CommandId::kSubmitSm), LastSubmitSeq(), 0);
  std::get<SubmitSmResp>(resp.body).message_id = "ID1";
  ASSERT_TRUE(Encode(resp, &bytes).ok());
  sim_.PushRaw(bytes);
  ASSERT_TRUE(RunUntil([&] { return results[0] && results[1] && results[2]; })) << LogText();
  ASSERT_TRUE(RunUntil([&] { return sim_.binds() == 2 && Bound(); })) << LogText();
  Settle();
  // The answer read with the unbind still counts; the queued submits were never sent.
  EXPECT_EQ(results[0]->status, 0u);
  EXPECT_EQ(results[0]->message_id, "ID1");
  for (size_t i = 1; i < results.size(); ++i) {
    EXPECT_FALSE(results[i]->outcome_unknown) << i;
    EXPECT_EQ(results[i]->status, ToWire(CommandStatus::kRSysErr)) << i;
  }
  bool answered = false;
  for (const Pdu& p : sim_.received()) {
    if (std::holds_alternative<UnbindResp>(p.body)) answered = p.sequence_number == 9000;
    EXPECT_FALSE(answered && std::holds_alternative<SubmitSm>(p.body))
        << "submit_sm seq=" << p.sequence_number << " after our unbind_resp";
  }
  EXPECT_TRUE(answered);
  EXPECT_EQ(sim_.submits().size(), 1u);
}

}  // namespace
}  // namespace smsgw::smpp
