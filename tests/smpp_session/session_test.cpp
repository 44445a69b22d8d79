// EsmeSession against the SMSC simulator over loopback (ports chosen at run time). Loops wait
// for a condition, bounded in time; nothing asserts on durations.
#include <gtest/gtest.h>

#include <optional>

#include "gateway/smpp/delivery_receipt.h"
#include "gateway/smpp/encode.h"
#include "tests/smpp/pdu_bytes.h"
#include "tests/smpp_session/session_fixture.h"

namespace smsgw::smpp {
namespace {

class SessionTest : public SessionFixture {};

TEST_F(SessionTest, MoAcknowledgedOnlyAfterTheSinkAcknowledges) {
  sink_.hold = true;
  StartSession(Config());
  ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  sim_.PushMo(Mo("255700000001", "PAY KPLC 123456 1500"));
  ASSERT_TRUE(RunUntil([&] { return sink_.seen.size() == 1; }));
  Settle();
  EXPECT_EQ(sim_.mos()[0].last_status, 0xFFFFFFFFu);  // no deliver_sm_resp yet
  const auto& d = std::get<DeliverSm>(sink_.seen[0].pdu.body);
  EXPECT_EQ(d.source.value, "255700000001");
  EXPECT_EQ(sink_.seen[0].connection, "sim");
  sink_.Release();
  ASSERT_TRUE(RunUntil([&] { return sim_.mos()[0].acked(); }));
  EXPECT_EQ(session_->stats().mos_acked_ok, 1u);
}

TEST_F(SessionTest, StoreFailureAnsweredWithTemporaryError) {
  sink_.status = ToWire(CommandStatus::kRxTAppn);
  StartSession(Config());
  ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  sim_.PushMo(Mo("255700000001", "BAL"));
  ASSERT_TRUE(RunUntil([&] { return sim_.mos()[0].last_status != 0xFFFFFFFFu; }));
  EXPECT_EQ(sim_.mos()[0].last_status, ToWire(CommandStatus::kRxTAppn));
  EXPECT_TRUE(Bound());
}

TEST_F(SessionTest, RefusedBindBacksOffAndSaysWhy) {
  std::vector<std::string> log;
  SessionConfig c = Config();
  c.password = "wrong";
  c.log = [&](const std::string& line) { log.push_back(line); };
  StartSession(c);
  ASSERT_TRUE(RunUntil([&] { return session_->stats().bind_refusals >= 1; }));
  EXPECT_EQ(session_->state(), SessionState::kWaiting);
  EXPECT_EQ(sim_.binds(), 0);
  bool said_why = false;
  for (const auto& l : log) said_why |= l.find("ESME_RINVPASWD") != std::string::npos;
  EXPECT_TRUE(said_why);
}

TEST_F(SessionTest, WindowCapsRequestsInFlight) {
  sim_.config().answer_submits = false;
  SessionConfig c = Config();
  c.window = 10;
  StartSession(c);
  ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  int done = 0;
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(session_
                    ->Submit(Mt("reply " + std::to_string(i)),
                             [&](const SubmitResult& r) {
                               EXPECT_EQ(r.status, 0u);
                               EXPECT_FALSE(r.message_id.empty());
                               ++done;
                             })
                    .ok());
  }
  ASSERT_TRUE(RunUntil([&] { return sim_.submits().size() == 10; }));
  Settle();
  EXPECT_EQ(sim_.submits().size(), 10u);
  EXPECT_EQ(session_->outstanding(), 10u);
  ASSERT_TRUE(RunUntil([&] {
    sim_.ReleaseHeldSubmits();
    return done == 50;
  }));
  EXPECT_LE(sim_.max_submits_in_flight(), 10u);
  for (int i = 0; i < 50; ++i) {  // window order is submission order here
    EXPECT_EQ(
        std::string(sim_.submits()[i].short_message.begin(), sim_.submits()[i].short_message.end()),
        "reply " + std::to_string(i));
  }
}

TEST_F(SessionTest, EightyVendorTlvsAnsweredWithAnErrorWhileTheSessionStays) {
  StartSession(Config());
  ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  smpp::testing::Bytes body = smpp::testing::DeliverSmHead();
  body.U8(2).Raw("hi");
  for (int i = 0; i < 80; ++i) body.Tlv(0x1400, {});
  sim_.PushRaw(body.AsPdu(ToWire(CommandId::kDeliverSm), 90000));
  sim_.PushMo(Mo("255700000002", "after"));
  ASSERT_TRUE(RunUntil([&] { return sim_.mos()[0].acked(); }));
  bool refused = false;
  for (const Pdu& p : sim_.received()) {
    if (p.sequence_number == 90000 && std::holds_alternative<DeliverSmResp>(p.body)) {
      refused = p.command_status == ToWire(CommandStatus::kRInvOptParStream);
    }
  }
  EXPECT_TRUE(refused);
  EXPECT_EQ(session_->stats().pdus_refused, 1u);
  EXPECT_EQ(sim_.connections(), 1);
  ASSERT_EQ(sink_.seen.size(), 1u);  // only the good MO reached the sink
}

TEST_F(SessionTest, CommandLengthTooShortGetsGenericNackThenReconnect) {
  StartSession(Config());
  ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  sim_.PushRaw(smpp::testing::Bytes().U32(8).U32(5).U32(0).U32(77).bytes());
  ASSERT_TRUE(RunUntil([&] { return sim_.binds() == 2 && Bound(); }));
  bool nacked = false;
  for (const Pdu& p : sim_.received()) {
    nacked |= std::holds_alternative<GenericNack>(p.body) && p.sequence_number == 77 &&
              p.command_status == ToWire(CommandStatus::kRInvCmdLen);
  }
  EXPECT_TRUE(nacked);
}

TEST_F(SessionTest, LinkDroppedMidWindowLosesNoMo) {
  sink_.hold = true;
  StartSession(Config());
  ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  for (int i = 0; i < 5; ++i) sim_.PushMo(Mo("25570000010" + std::to_string(i), "m"));
  ASSERT_TRUE(RunUntil([&] { return sink_.seen.size() == 5; }));
  sim_.DropConnection();
  // The SMSC redelivers what was never acknowledged on the new bind.
  ASSERT_TRUE(RunUntil([&] { return sim_.binds() == 2 && sink_.seen.size() == 10; }));
  // Acks for the first connection are dropped, those for the second answered.
  sink_.Release();
  ASSERT_TRUE(RunUntil([&] {
    for (const auto& m : sim_.mos()) {
      if (!m.acked()) return false;
    }
    return true;
  }));
  for (const auto& m : sim_.mos()) EXPECT_EQ(m.deliveries, 2);
  EXPECT_EQ(session_->stats().mos_acked_ok, 5u);
}

TEST_F(SessionTest, SilentSmscIsDetectedByEnquireLink) {
  sim_.config().answer_enquire_link = false;
  SessionConfig c = Config();
  c.enquire_link_interval = Millis(30);
  c.response_timeout = Millis(60);
  StartSession(c);
  ASSERT_TRUE(RunUntil([&] { return sim_.connections() >= 2; }));
  EXPECT_GE(session_->stats().enquire_links_sent, 1u);
}

TEST_F(SessionTest, SmscUnbindIsAnsweredAndTheSessionRebinds) {
  StartSession(Config());
  ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  sim_.SendUnbind();
  ASSERT_TRUE(RunUntil([&] { return sim_.binds() == 2 && Bound(); }));
  bool answered = false;
  for (const Pdu& p : sim_.received()) answered |= std::holds_alternative<UnbindResp>(p.body);
  EXPECT_TRUE(answered);
}

TEST_F(SessionTest, StopDrainsThenUnbinds) {
  sink_.hold = true;
  StartSession(Config());
  ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  sim_.PushMo(Mo("255700000001", "BAL"));
  ASSERT_TRUE(RunUntil([&] { return sink_.seen.size() == 1; }));
  bool stopped = false;
  session_->Stop([&] { stopped = true; });
  EXPECT_FALSE(session_->Submit(Mt("late"), nullptr).ok());
  Settle();
  for (const Pdu& p : sim_.received()) EXPECT_FALSE(std::holds_alternative<Unbind>(p.body));
  sink_.Release();  // the in-flight MO is acknowledged before the unbind
  ASSERT_TRUE(RunUntil([&] { return stopped; }));
  EXPECT_TRUE(sim_.mos()[0].acked());
  bool unbound = false;
  for (const Pdu& p : sim_.received()) unbound |= std::holds_alternative<Unbind>(p.body);
  EXPECT_TRUE(unbound);
  EXPECT_EQ(session_->state(), SessionState::kStopped);
}

// A second Stop() (a second signal, say) used to take the first caller's callback away, and its
// caller then waited for ever.
TEST_F(SessionTest, ASecondStopWhileStoppingKeepsTheFirstCallersCallback) {
  sink_.hold = true;
  StartSession(Config());
  ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  sim_.PushMo(Mo("255700000001", "BAL"));
  ASSERT_TRUE(RunUntil([&] { return sink_.seen.size() == 1; }));
  std::vector<std::string> stopped;
  session_->Stop([&] { stopped.push_back("first"); });
  session_->Stop([&] { stopped.push_back("second"); });
  Settle();
  EXPECT_TRUE(stopped.empty()) << "the held MO is still to be acknowledged";
  sink_.Release();
  ASSERT_TRUE(RunUntil([&] { return stopped.size() == 2; }));
  EXPECT_EQ(stopped, (std::vector<std::string>{"first", "second"}));
  int unbinds = 0;
  for (const Pdu& p : sim_.received()) unbinds += std::holds_alternative<Unbind>(p.body);
  EXPECT_EQ(unbinds, 1);
  EXPECT_EQ(session_->state(), SessionState::kStopped);
}

// A submit in flight at Stop() is waited for up to its own deadline, even when stop_timeout is
// shorter: cut off at stop_timeout, it ended with an unknown outcome though the SMSC was about
// to accept it, and its reply was sent again after the restart.
TEST_F(SessionTest, StopWaitsForASubmitInFlightPastAShorterStopTimeout) {
  sim_.config().answer_submits = false;
  SessionConfig c = Config();
  c.response_timeout = Millis(2000);
  c.stop_timeout = Millis(100);
  c.enquire_link_interval = Millis(10000);
  StartSession(c);
  ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  std::optional<SubmitResult> result;
  ASSERT_TRUE(session_->Submit(Mt("x"), [&](const SubmitResult& r) { result = r; }).ok());
  ASSERT_TRUE(RunUntil([&] { return sim_.submits().size() == 1; }));
  bool stopped = false;
  session_->Stop([&] { stopped = true; });
  io_.run_for(Millis(400));  // past stop_timeout, well before the submit's deadline
  EXPECT_FALSE(result.has_value()) << LogText();
  EXPECT_FALSE(stopped);
  sim_.ReleaseHeldSubmits();
  ASSERT_TRUE(RunUntil([&] { return stopped; })) << LogText();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status, 0u);
  EXPECT_FALSE(result->outcome_unknown);
  bool unbound = false;
  for (const Pdu& p : sim_.received()) unbound |= std::holds_alternative<Unbind>(p.body);
  EXPECT_TRUE(unbound);
}

TEST_F(SessionTest, MoWhileOurUnbindIsOnItsWayIsToBeRetriedLater) {
  sink_.hold = true;
  SessionConfig c = Config();
  c.max_unacked_mos = 1;  // the second MO stays unread until the first is acknowledged
  StartSession(c);
  ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  sim_.PushMo(Mo("255700000001", "BAL"));
  ASSERT_TRUE(RunUntil([&] { return sink_.seen.size() == 1; }));
  sim_.PushMo(Mo("255700000002", "BAL"));
  ASSERT_TRUE(RunUntil([&] { return sim_.mos()[1].deliveries == 1; }));
  bool stopped = false;
  session_->Stop([&] { stopped = true; });
  // The ack sends the unbind at once; the second MO is read after it.
  sink_.Release();
  ASSERT_TRUE(RunUntil([&] { return stopped; }));
  EXPECT_TRUE(sim_.mos()[0].acked());
  EXPECT_EQ(sim_.mos()[1].last_status, ToWire(CommandStatus::kRxTAppn));
  EXPECT_EQ(sink_.seen.size(), 1u);
}

TEST_F(SessionTest, AlertNotificationIsIgnored) {
  StartSession(Config());
  ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  sim_.PushRaw(smpp::testing::Bytes()
                   .U8(1)
                   .U8(1)
                   .CStr("255700000003")
                   .U8(0)
                   .U8(0)
                   .CStr("15555")
                   .AsPdu(0x00000102, 4242));
  sim_.PushMo(Mo("255700000001", "after"));
  ASSERT_TRUE(RunUntil([&] { return sim_.mos()[0].acked(); }));
  for (const Pdu& p : sim_.received()) {
    EXPECT_NE(p.sequence_number, 4242u) << "answered with " << Describe(p);
  }
  EXPECT_TRUE(Logged("alert_notification seq=4242 ignored")) << LogText();
  EXPECT_EQ(session_->stats().pdus_refused, 0u);
  EXPECT_EQ(sim_.connections(), 1);
}

TEST_F(SessionTest, ReceiptMatchesTheSubmitResponseId) {
  sim_.config().send_receipts = true;
  StartSession(Config());
  ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  SubmitSm mt = Mt("Paid KES 1,500");
  mt.registered_delivery = 1;
  std::string id;
  ASSERT_TRUE(session_->Submit(mt, [&](const SubmitResult& r) { id = r.message_id; }).ok());
  ASSERT_TRUE(RunUntil([&] { return !id.empty() && sink_.seen.size() == 1; }));
  const auto& dlr = std::get<DeliverSm>(sink_.seen[0].pdu.body);
  ASSERT_TRUE(IsDeliveryReceipt(dlr.esm_class));
  Result<DeliveryReceipt> r = ParseDeliveryReceipt(dlr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(NormalizeMessageId(r->message_id, MessageIdBase::kHex),
            NormalizeMessageId(id, MessageIdBase::kHex));
  EXPECT_EQ(r->state, MessageState::kDelivered);
}

TEST_F(SessionTest, ThroughputCapSpacesSubmits) {
  SessionConfig c = Config();
  c.max_submits_per_second = 0.1;  // one per 10 s: the second cannot leave during this test
  StartSession(c);
  ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(session_->Submit(Mt("x"), nullptr).ok());
  ASSERT_TRUE(RunUntil([&] { return sim_.submits().size() == 1; }));
  Settle();
  EXPECT_EQ(sim_.submits().size(), 1u);
  EXPECT_EQ(session_->queued_submits(), 2u);
}

// An accepted submit_sm_resp whose body does not decode is still an acceptance: resending it
// (outcome unknown) would give the subscriber the same SMS again on every retry.
class MalformedSubmitResponseTest : public SessionFixture {
 protected:
  // Sends one submit and answers it with `body` and `status`; the submit's result.
  SubmitResult Answer(const smpp::testing::Bytes& body, uint32_t status) {
    sim_.config().answer_submits = false;
    StartSession(Config());
    EXPECT_TRUE(RunUntil([&] { return Bound(); }));
    std::optional<SubmitResult> result;
    EXPECT_TRUE(session_->Submit(Mt("x"), [&](const SubmitResult& r) { result = r; }).ok());
    EXPECT_TRUE(RunUntil([&] { return sim_.submits().size() == 1; }));
    // The sequence number of the only request in flight, from what the SMSC received.
    uint32_t seq = 0;
    for (const Pdu& p : sim_.received()) {
      if (std::holds_alternative<SubmitSm>(p.body)) seq = p.sequence_number;
    }
    sim_.PushRaw(body.AsPdu(ToWire(CommandId::kSubmitSmResp), seq, status));
    EXPECT_TRUE(RunUntil([&] { return result.has_value(); }));
    EXPECT_EQ(session_->outstanding(), 0u);
    EXPECT_TRUE(Bound());
    EXPECT_EQ(session_->stats().pdus_refused, 1u);  // the decoder's verdict, logged
    EXPECT_TRUE(Logged("the unreadable rest ignored")) << LogText();
    return result.value_or(SubmitResult{});
  }
};

TEST_F(MalformedSubmitResponseTest, MessageIdWithoutItsNulIsReadToTheEndOfTheBody) {
  SubmitResult r = Answer(smpp::testing::Bytes().Raw("1A2B3C"), 0);
  EXPECT_FALSE(r.outcome_unknown);
  EXPECT_EQ(r.status, 0u);
  EXPECT_EQ(r.consequence.status_class, StatusClass::kOk);
  EXPECT_EQ(r.message_id, "1A2B3C");
}

TEST_F(MalformedSubmitResponseTest, UnreadableTlvIsIgnored) {
  // user_message_reference (0x0204) must be 2 octets long.
  SubmitResult r = Answer(smpp::testing::Bytes().CStr("1A2B3D").Tlv(0x0204, {7}), 0);
  EXPECT_FALSE(r.outcome_unknown);
  EXPECT_EQ(r.status, 0u);
  EXPECT_EQ(r.message_id, "1A2B3D");
}

TEST_F(MalformedSubmitResponseTest, RefusalWithABadBodyKeepsItsStatus) {
  SubmitResult r = Answer(smpp::testing::Bytes().Raw("junk"), ToWire(CommandStatus::kRInvDstAdr));
  EXPECT_FALSE(r.outcome_unknown);
  EXPECT_EQ(r.status, ToWire(CommandStatus::kRInvDstAdr));
  EXPECT_EQ(r.consequence.status_class, StatusClass::kPermanent);
}

// A generic_nack to a submit, even with status 0, is not an acceptance: the message is to be
// sent again, not recorded as sent with no id.
TEST_F(SessionTest, GenericNackWithStatusZeroToASubmitIsNoAcceptance) {
  sim_.config().answer_submits = false;
  StartSession(Config());
  ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  std::optional<SubmitResult> result;
  ASSERT_TRUE(session_->Submit(Mt("x"), [&](const SubmitResult& r) { result = r; }).ok());
  ASSERT_TRUE(RunUntil([&] { return sim_.submits().size() == 1; }));
  uint32_t seq = 0;
  for (const Pdu& p : sim_.received()) {
    if (std::holds_alternative<SubmitSm>(p.body)) seq = p.sequence_number;
  }
  sim_.PushRaw(smpp::testing::Bytes().AsPdu(ToWire(CommandId::kGenericNack), seq, 0));
  ASSERT_TRUE(RunUntil([&] { return result.has_value(); }));
  EXPECT_EQ(result->consequence.status_class, StatusClass::kTemporary);
  EXPECT_TRUE(result->message_id.empty());
}

TEST_F(SessionTest, BlackHoleSubmitTimesOutWithUnknownOutcome) {
  sim_.config().answer_submits = false;
  SessionConfig c = Config();
  c.response_timeout = Millis(50);
  c.enquire_link_interval = Millis(10000);
  StartSession(c);
  ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  std::optional<SubmitResult> result;
  ASSERT_TRUE(session_->Submit(Mt("x"), [&](const SubmitResult& r) { result = r; }).ok());
  ASSERT_TRUE(RunUntil([&] { return result.has_value(); }));
  EXPECT_TRUE(result->outcome_unknown);
  EXPECT_TRUE(Bound());
}

}  // namespace
}  // namespace smsgw::smpp
