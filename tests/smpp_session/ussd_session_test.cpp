// USSD dialogues between the simulator (the network) and an EsmeSession over loopback: what the
// ESME receives for a dial, an answer and a release in both dialogue modes, and how the
// simulator records and answers the screens. Loops are bounded in time.
#include <gtest/gtest.h>

#include "gateway/smpp/tlv.h"
#include "gateway/smpp/ussd.h"
#include "tests/smpp/pdu_bytes.h"
#include "tests/smpp_session/session_fixture.h"

namespace smsgw::smpp {
namespace {

using conf::UssdDialogue;
using UssdEnd = SmscSimulator::UssdEnd;

class UssdSessionTest : public SessionFixture {
 protected:
  void SetUp() override {
    StartSession(Config());
    ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  }

  // What the ESME read from the sink's n-th MO.
  UssdMessage Seen(size_t n, UssdDialogue mode) {
    const auto& d = std::get<DeliverSm>(sink_.seen.at(n).pdu.body);
    auto m = ReadUssd(d, mode);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? *m : UssdMessage{};
  }

  // Sends one screen through the session; returns its submit_sm_resp status.
  uint32_t Screen(const std::string& msisdn, const std::string& dialogue, const std::string& text,
                  bool end, UssdDialogue mode) {
    auto sm = MakeUssdSubmit({msisdn, "384", dialogue, text, end}, mode);
    EXPECT_TRUE(sm.ok());
    std::optional<uint32_t> status;
    EXPECT_TRUE(
        session_->Submit(std::move(*sm), [&](const SubmitResult& r) { status = r.status; }).ok());
    EXPECT_TRUE(RunUntil([&] { return status.has_value(); }));
    return status.value_or(0xFFFFFFFFu);
  }

  std::string Text(size_t n) {
    const auto& d = std::get<DeliverSm>(sink_.seen.at(n).pdu.body);
    return std::string(d.short_message.begin(), d.short_message.end());
  }
};

TEST_F(UssdSessionTest, WholeDialogueWithItsSessionInfo) {
  const size_t dlg = sim_.DialUssd("255700000001", "384", "*384*12#");
  ASSERT_TRUE(RunUntil([&] { return sink_.seen.size() == 1; }));
  UssdMessage open = Seen(0, UssdDialogue::kItsSessionInfo);
  EXPECT_EQ(open.kind, UssdKind::kOpen);
  EXPECT_EQ(Text(0), "*384*12#");
  const auto& first = std::get<DeliverSm>(sink_.seen[0].pdu.body);
  EXPECT_EQ(first.tlvs.ussd_service_op, ussd_op::kPssrIndication);
  EXPECT_EQ(first.destination.value, "384");
  ASSERT_TRUE(RunUntil([&] { return sim_.mos()[0].acked(); }));

  EXPECT_EQ(Screen("255700000001", open.dialogue, "1. Pay bill\n2. Balance", false,
                   UssdDialogue::kItsSessionInfo),
            0u);
  ASSERT_EQ(sim_.ussd_dialogues()[dlg].screens.size(), 1u);
  EXPECT_EQ(sim_.ussd_dialogues()[dlg].screens[0].text, "1. Pay bill\n2. Balance");
  EXPECT_EQ(sim_.ussd_dialogues()[dlg].screens[0].op, ussd_op::kUssrRequest);
  EXPECT_FALSE(sim_.ussd_dialogues()[dlg].screens[0].end);

  ASSERT_TRUE(sim_.AnswerUssd(dlg, "2"));
  ASSERT_TRUE(RunUntil([&] { return sink_.seen.size() == 2; }));
  UssdMessage answer = Seen(1, UssdDialogue::kItsSessionInfo);
  EXPECT_EQ(answer.kind, UssdKind::kAnswer);
  EXPECT_EQ(answer.dialogue, open.dialogue);
  EXPECT_EQ(Text(1), "2");

  EXPECT_EQ(
      Screen("255700000001", open.dialogue, "Balance: 1,500", true, UssdDialogue::kItsSessionInfo),
      0u);
  const auto& d = sim_.ussd_dialogues()[dlg];
  ASSERT_EQ(d.screens.size(), 2u);
  EXPECT_TRUE(d.screens[1].end);
  EXPECT_EQ(d.screens[1].op, ussd_op::kPssrResponse);
  EXPECT_EQ(d.end, UssdEnd::kByGateway);
  EXPECT_FALSE(sim_.AnswerUssd(dlg, "again"));  // the dialogue is over
}

TEST_F(UssdSessionTest, UserMessageReferenceModeAndVendorRelease) {
  sim_.config().ussd_dialogue = UssdDialogue::kUserMessageReference;
  const size_t a = sim_.DialUssd("255700000001", "384", "*384#");
  const size_t b = sim_.DialUssd("255700000002", "384", "*384#");
  ASSERT_TRUE(RunUntil([&] { return sink_.seen.size() == 2; }));
  UssdMessage first = Seen(0, UssdDialogue::kUserMessageReference);
  UssdMessage second = Seen(1, UssdDialogue::kUserMessageReference);
  EXPECT_NE(first.dialogue, second.dialogue);
  EXPECT_FALSE(std::get<DeliverSm>(sink_.seen[0].pdu.body).tlvs.its_session_info.has_value());

  ASSERT_TRUE(sim_.AbortUssd(a));
  ASSERT_TRUE(RunUntil([&] { return sink_.seen.size() == 3; }));
  UssdMessage release = Seen(2, UssdDialogue::kUserMessageReference);
  EXPECT_EQ(release.kind, UssdKind::kAbort);
  EXPECT_EQ(release.dialogue, first.dialogue);
  EXPECT_EQ(std::get<DeliverSm>(sink_.seen[2].pdu.body).tlvs.ussd_service_op,
            ussd_op::kVendorRelease);
  EXPECT_EQ(sim_.ussd_dialogues()[a].end, UssdEnd::kByNetwork);

  // A screen for the released dialogue is refused by the network; the other still lives.
  EXPECT_EQ(Screen("255700000001", first.dialogue, "too late", false,
                   UssdDialogue::kUserMessageReference),
            ToWire(CommandStatus::kRSubmitFail));
  EXPECT_EQ(
      Screen("255700000002", second.dialogue, "Menu", false, UssdDialogue::kUserMessageReference),
      0u);
  EXPECT_EQ(sim_.ussd_dialogues()[b].screens.size(), 1u);
  EXPECT_TRUE(sim_.ussd_dialogues()[a].screens.empty());
}

TEST_F(UssdSessionTest, ReleaseWithItsSessionInfoSetsTheEndBit) {
  const size_t dlg = sim_.DialUssd("255700000001", "384", "*384#");
  ASSERT_TRUE(sim_.AbortUssd(dlg));
  ASSERT_TRUE(RunUntil([&] { return sink_.seen.size() == 2; }));
  UssdMessage open = Seen(0, UssdDialogue::kItsSessionInfo);
  UssdMessage release = Seen(1, UssdDialogue::kItsSessionInfo);
  EXPECT_EQ(release.kind, UssdKind::kAbort);
  EXPECT_EQ(release.dialogue, open.dialogue);
  const auto& info = std::get<DeliverSm>(sink_.seen[1].pdu.body).tlvs.its_session_info;
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(*info & kItsSessionEnd, 1);
}

TEST_F(UssdSessionTest, RefusedDialIsNeverRedeliveredAndEndsTheDialogue) {
  sink_.status = ToWire(CommandStatus::kRxTAppn);
  const size_t dlg = sim_.DialUssd("255700000001", "384", "*384#");
  ASSERT_TRUE(RunUntil([&] { return sim_.ussd_dialogues()[dlg].end == UssdEnd::kRefused; }));
  EXPECT_EQ(sim_.ussd_dialogues()[dlg].refused_status, ToWire(CommandStatus::kRxTAppn));
  EXPECT_FALSE(sim_.AnswerUssd(dlg, "1"));

  // An SMS refused the same way is redelivered on the next bind; the USSD dial is not.
  sim_.PushMo(Mo("255700000001", "BAL"));
  ASSERT_TRUE(RunUntil([&] { return sink_.seen.size() == 2; }));
  sink_.status = 0;
  sim_.DropConnection();
  ASSERT_TRUE(RunUntil([&] { return sim_.mos()[1].acked(); }));
  EXPECT_EQ(sim_.mos()[0].deliveries, 1);
  EXPECT_EQ(sim_.mos()[1].deliveries, 2);
}

TEST_F(UssdSessionTest, ItsSessionInfoOfLengthThreeIsRefusedAndTheSessionLivesOn) {
  testing::Bytes body = testing::DeliverSmHead();
  body.U8(5).Raw("*384#");
  body.Tlv(tag::kUssdServiceOp, {ussd_op::kPssrIndication});
  body.Tlv(tag::kItsSessionInfo, {0x01, 0x00, 0x00});
  sim_.PushRaw(body.AsPdu(ToWire(CommandId::kDeliverSm), 91000));
  const size_t dlg = sim_.DialUssd("255700000001", "384", "*384#");
  ASSERT_TRUE(RunUntil([&] { return sink_.seen.size() == 1; }));
  bool refused = false;
  for (const Pdu& p : sim_.received()) {
    if (p.sequence_number == 91000 && std::holds_alternative<DeliverSmResp>(p.body)) {
      refused = p.command_status == ToWire(CommandStatus::kRInvParLen);
    }
  }
  EXPECT_TRUE(refused);
  EXPECT_EQ(sim_.connections(), 1);
  EXPECT_EQ(Seen(0, UssdDialogue::kItsSessionInfo).kind, UssdKind::kOpen);
  EXPECT_EQ(sim_.ussd_dialogues()[dlg].end, UssdEnd::kOpen);
}

}  // namespace
}  // namespace smsgw::smpp
