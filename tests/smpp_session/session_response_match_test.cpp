// EsmeSession when a response comes under the sequence number of a request it does not answer
// (SMPP 3.4 §5.1.2.1: the response's command_id is the request's with the top bit set, or
// generic_nack). Loops wait for a condition, bounded in time; nothing asserts on durations.
#include <gtest/gtest.h>

#include <optional>

#include "gateway/smpp/encode.h"
#include "tests/smpp/pdu_bytes.h"
#include "tests/smpp_session/session_fixture.h"

namespace smsgw::smpp {
namespace {

class SessionResponseMatchTest : public SessionFixture {
 protected:
  // Binds, sends one submit the SMSC holds unanswered; its sequence number.
  uint32_t SubmitOne(SessionConfig c) {
    sim_.config().answer_submits = false;
    StartSession(std::move(c));
    EXPECT_TRUE(RunUntil([&] { return Bound(); }));
    EXPECT_TRUE(session_->Submit(Mt("x"), [&](const SubmitResult& r) { result_ = r; }).ok());
    EXPECT_TRUE(RunUntil([&] { return sim_.submits().size() == 1; }));
    uint32_t seq = 0;
    for (const Pdu& p : sim_.received()) {
      if (std::holds_alternative<SubmitSm>(p.body)) seq = p.sequence_number;
    }
    return seq;
  }

  // Whether the session sent a generic_nack (a response is never answered).
  bool AnsweredTheStray() const {
    for (const Pdu& p : sim_.received()) {
      if (std::holds_alternative<GenericNack>(p.body)) return true;
    }
    return false;
  }

  std::optional<SubmitResult> result_;
};

TEST_F(SessionResponseMatchTest, DeliverSmRespUnderASubmitsNumberLeavesTheSubmitWaiting) {
  const uint32_t seq = SubmitOne(Config());
  sim_.PushRaw(smpp::testing::Bytes().CStr("").AsPdu(ToWire(CommandId::kDeliverSmResp), seq, 0));
  ASSERT_TRUE(RunUntil([&] { return session_->stats().responses_unmatched == 1; })) << LogText();
  Settle();
  EXPECT_FALSE(result_.has_value());
  EXPECT_EQ(session_->outstanding(), 1u);
  EXPECT_TRUE(Bound());
  EXPECT_TRUE(Logged("deliver_sm_resp seq=" + std::to_string(seq) +
                     " does not answer our "
                     "submit_sm"))
      << LogText();
  EXPECT_FALSE(AnsweredTheStray());
  // Its own response still completes it.
  Pdu resp = MakeResponse(ToWire(CommandId::kSubmitSm), seq, 0);
  std::get<SubmitSmResp>(resp.body).message_id = "REAL1";
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(Encode(resp, &bytes).ok());
  sim_.PushRaw(bytes);
  ASSERT_TRUE(RunUntil([&] { return result_.has_value(); }));
  EXPECT_EQ(result_->status, 0u);
  EXPECT_EQ(result_->message_id, "REAL1");
  EXPECT_FALSE(result_->outcome_unknown);
}

// An error status in the stray response is no refusal of the submit either; with no answer of
// its own the submit's deadline ends it as outcome unknown.
TEST_F(SessionResponseMatchTest, StrayRefusalIsNotTheSubmitsAndItsDeadlineStillApplies) {
  SessionConfig c = Config();
  c.response_timeout = Millis(300);
  c.enquire_link_interval = Millis(10000);
  const uint32_t seq = SubmitOne(c);
  sim_.PushRaw(smpp::testing::Bytes().AsPdu(ToWire(CommandId::kBindTransceiverResp), seq,
                                            ToWire(CommandStatus::kRInvDstAdr)));
  ASSERT_TRUE(RunUntil([&] { return result_.has_value(); })) << LogText();
  EXPECT_TRUE(result_->outcome_unknown);
  EXPECT_NE(result_->consequence.status_class, StatusClass::kPermanent);
  EXPECT_EQ(session_->stats().responses_unmatched, 1u);
  EXPECT_FALSE(AnsweredTheStray());
}

// A stray response whose body does not decode is not the submit's answer either (it would be
// taken as no answer at all: outcome unknown, and the message sent again).
TEST_F(SessionResponseMatchTest, MalformedStrayResponseLeavesTheSubmitWaiting) {
  const uint32_t seq = SubmitOne(Config());
  // deliver_sm_resp's message_id without its NUL.
  sim_.PushRaw(smpp::testing::Bytes().Raw("junk").AsPdu(ToWire(CommandId::kDeliverSmResp), seq));
  ASSERT_TRUE(RunUntil([&] { return session_->stats().responses_unmatched == 1; })) << LogText();
  Settle();
  EXPECT_EQ(session_->stats().pdus_refused, 1u);  // the decoder refused its body
  EXPECT_FALSE(result_.has_value());
  EXPECT_EQ(session_->outstanding(), 1u);
  EXPECT_TRUE(Bound());
  sim_.ReleaseHeldSubmits();
  ASSERT_TRUE(RunUntil([&] { return result_.has_value(); }));
  EXPECT_EQ(result_->status, 0u);
  EXPECT_FALSE(result_->message_id.empty());
}

// A response under a number nothing waits for is counted and dropped as well.
TEST_F(SessionResponseMatchTest, ResponseToNoRequestIsCounted) {
  StartSession(Config());
  ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  sim_.PushRaw(smpp::testing::Bytes().CStr("ID").AsPdu(ToWire(CommandId::kSubmitSmResp), 4242, 0));
  ASSERT_TRUE(RunUntil([&] { return session_->stats().responses_unmatched == 1; })) << LogText();
  EXPECT_TRUE(Bound());
  EXPECT_FALSE(AnsweredTheStray());
}

// SMPP 3.4: a response is never answered. One whose command_id the gateway does not know
// (query_sm_resp, replace_sm_resp, a vendor's *_resp) is dropped, not nacked: a generic_nack
// under a pending request's number would invite the SMSC's own generic_nack back under that
// number, which would then be taken as the request's answer.
TEST_F(SessionResponseMatchTest, UnknownResponseUnderASubmitsNumberIsDroppedNotNacked) {
  const uint32_t seq = SubmitOne(Config());
  // query_sm_resp: message_id, final_date, message_state, error_code.
  sim_.PushRaw(smpp::testing::Bytes().CStr("ID1").CStr("").U8(2).U8(0).AsPdu(0x80000003u, seq, 0));
  ASSERT_TRUE(RunUntil([&] {
    return session_->stats().responses_unmatched == 1 || AnsweredTheStray();
  })) << LogText();
  Settle();
  EXPECT_FALSE(AnsweredTheStray());
  EXPECT_EQ(session_->stats().responses_unmatched, 1u);
  EXPECT_FALSE(result_.has_value());
  EXPECT_EQ(session_->outstanding(), 1u);
  EXPECT_TRUE(Bound());
  EXPECT_TRUE(Logged("command 0x80000003 seq=" + std::to_string(seq) + " status=ESME_ROK"))
      << LogText();
  // Its own response still completes it.
  sim_.ReleaseHeldSubmits();
  ASSERT_TRUE(RunUntil([&] { return result_.has_value(); }));
  EXPECT_EQ(result_->status, 0u);
  EXPECT_FALSE(result_->message_id.empty());
}

TEST_F(SessionResponseMatchTest, UnknownResponseToNoRequestIsDroppedNotNacked) {
  StartSession(Config());
  ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  for (uint32_t id : {0x80000007u /* replace_sm_resp */, 0x80000042u, 0x80010200u}) {
    sim_.PushRaw(smpp::testing::Bytes().AsPdu(id, 4242, ToWire(CommandStatus::kRSysErr)));
  }
  ASSERT_TRUE(RunUntil([&] {
    return session_->stats().responses_unmatched == 3 || AnsweredTheStray();
  })) << LogText();
  Settle();
  EXPECT_FALSE(AnsweredTheStray());
  EXPECT_EQ(session_->stats().responses_unmatched, 3u);
  EXPECT_EQ(session_->stats().pdus_refused, 0u);
  EXPECT_TRUE(Bound());
}

// An unknown request still gets generic_nack ESME_RINVCMDID, and the session goes on.
TEST_F(SessionResponseMatchTest, UnknownRequestStillGetsGenericNack) {
  StartSession(Config());
  ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  sim_.PushRaw(smpp::testing::Bytes()
                   .CStr("")
                   .U8(1)
                   .U8(1)
                   .CStr("255700000001")
                   .AsPdu(0x00000003u /* query_sm */, 4243));
  ASSERT_TRUE(RunUntil([&] { return AnsweredTheStray(); })) << LogText();
  for (const Pdu& p : sim_.received()) {
    if (!std::holds_alternative<GenericNack>(p.body)) continue;
    EXPECT_EQ(p.sequence_number, 4243u);
    EXPECT_EQ(p.command_status, ToWire(CommandStatus::kRInvCmdId));
  }
  EXPECT_EQ(session_->stats().responses_unmatched, 0u);
  EXPECT_TRUE(Bound());
}

}  // namespace
}  // namespace smsgw::smpp
