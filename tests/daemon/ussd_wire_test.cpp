// The daemon's USSD wire path in one process over loopback: simulator (the network) ->
// EsmeSession -> MoIntake (USSD events in the per-read batch, each acknowledged with the status
// the core gives) and MtSender::SendUssd -> EsmeSession -> simulator. The core is played by the
// test: it holds each batch and answers it. Loops are bounded in time.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/daemon/daemon_metrics.h"
#include "gateway/daemon/mo_intake.h"
#include "gateway/daemon/mt_sender.h"
#include "gateway/metrics.h"
#include "gateway/smpp/command_status.h"
#include "gateway/smpp/session.h"
#include "tests/support/smsc_simulator.h"

namespace smsgw::gateway {
namespace {

using conf::UssdDialogue;
using smpp::testing::SmscSimulator;
using UssdEnd = SmscSimulator::UssdEnd;

constexpr uint32_t kRetryLater = smpp::ToWire(smpp::CommandStatus::kRxTAppn);

class UssdWireTest : public ::testing::TestWithParam<UssdDialogue> {
 protected:
  UssdWireTest() : sim_(io_, SimConfig()), metrics_(registry_) {}

  static smpp::testing::SmscSimConfig SimConfig() {
    smpp::testing::SmscSimConfig c;
    c.ussd_dialogue = GetParam();
    return c;
  }

  void Start() {
    MoIntake::Options options;
    options.connections["sim"].ussd_dialogue = GetParam();
    intake_ = std::make_unique<MoIntake>(
        io_, options, [this](IntakeBatch b) { batches_.push_back(std::move(b)); }, metrics_);
    smpp::SessionConfig c;
    c.name = "sim";
    c.port = sim_.port();
    c.system_id = "smsgw";
    c.password = "secret";
    c.response_timeout = std::chrono::milliseconds(1000);
    c.reconnect_min = std::chrono::milliseconds(10);
    c.reconnect_max = std::chrono::milliseconds(50);
    session_ = smpp::EsmeSession::Create(io_, c, *intake_);
    MtOptions mt;
    mt.ussd_dialogue = GetParam();
    sender_.AddSession("sim", session_, {}, mt);
    session_->Start();
    // The session must have read the bind_resp too, not only the simulator sent it.
    ASSERT_TRUE(
        RunUntil([&] { return sim_.bound() && session_->state() == smpp::SessionState::kBound; }));
  }

  void TearDown() override {
    if (session_) {
      bool stopped = false;
      session_->Stop([&] { stopped = true; });
      RunUntil([&] { return stopped; });
    }
  }

  template <typename Pred>
  bool RunUntil(Pred pred) {
    const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!pred() && std::chrono::steady_clock::now() < limit) {
      io_.run_for(std::chrono::milliseconds(2));
    }
    return pred();
  }

  // Waits for the next batch and answers every USSD event in it with `status`.
  IntakeBatch NextBatch(uint32_t status = 0) {
    EXPECT_TRUE(RunUntil([&] { return !batches_.empty(); }));
    if (batches_.empty()) return {};
    IntakeBatch b = std::move(batches_.front());
    batches_.erase(batches_.begin());
    b.done({}, {}, std::vector<uint32_t>(b.ussd.size(), status), {});
    return b;
  }

  smpp::SubmitResult Send(smpp::UssdScreen screen, const std::string& connection = "sim") {
    std::optional<smpp::SubmitResult> result;
    sender_.SendUssd(connection, std::move(screen),
                     [&](const smpp::SubmitResult& r) { result = r; });
    EXPECT_TRUE(RunUntil([&] { return result.has_value(); }));
    return result.value_or(smpp::SubmitResult{});
  }

  boost::asio::io_context io_;
  SmscSimulator sim_;
  Registry registry_;
  DaemonMetrics metrics_;
  std::unique_ptr<MoIntake> intake_;
  MtSender sender_{io_};
  std::shared_ptr<smpp::EsmeSession> session_;
  std::vector<IntakeBatch> batches_;
};

TEST_P(UssdWireTest, DialAnswerAndEndAsUssdEventsNeverAsSms) {
  Start();
  const size_t dlg = sim_.DialUssd("255700000001", "384", "*384*12#");
  IntakeBatch open = NextBatch();
  EXPECT_TRUE(open.messages.empty());
  EXPECT_TRUE(open.receipts.empty());
  ASSERT_EQ(open.ussd.size(), 1u);
  const UssdEvent& e = open.ussd[0];
  EXPECT_EQ(e.connection, "sim");
  EXPECT_EQ(e.msisdn, "255700000001");
  EXPECT_EQ(e.service, "384");
  EXPECT_EQ(e.kind, smpp::UssdKind::kOpen);
  EXPECT_EQ(e.text, "*384*12#");
  ASSERT_TRUE(RunUntil([&] { return sim_.mos()[0].acked(); }));

  smpp::SubmitResult r = Send({e.msisdn, e.service, e.dialogue, "1. Lipa bili\n2. Salio", false});
  EXPECT_EQ(r.status, 0u);
  EXPECT_FALSE(r.outcome_unknown);
  ASSERT_EQ(sim_.ussd_dialogues()[dlg].screens.size(), 1u);
  EXPECT_EQ(sim_.ussd_dialogues()[dlg].screens[0].text, "1. Lipa bili\n2. Salio");

  ASSERT_TRUE(sim_.AnswerUssd(dlg, "2"));
  IntakeBatch answer = NextBatch();
  ASSERT_EQ(answer.ussd.size(), 1u);
  EXPECT_EQ(answer.ussd[0].kind, smpp::UssdKind::kAnswer);
  EXPECT_EQ(answer.ussd[0].dialogue, e.dialogue);
  EXPECT_EQ(answer.ussd[0].text, "2");

  // A UCS-2 last screen.
  r = Send({e.msisdn, e.service, e.dialogue, "Salio: KSh 1,500 ✓", true});
  EXPECT_EQ(r.status, 0u);
  const auto& d = sim_.ussd_dialogues()[dlg];
  ASSERT_EQ(d.screens.size(), 2u);
  EXPECT_EQ(d.screens[1].text, "Salio: KSh 1,500 ✓");
  EXPECT_TRUE(d.screens[1].end);
  EXPECT_EQ(d.end, UssdEnd::kByGateway);
  // Nothing asked for a receipt, nothing became an SMS.
  for (const smpp::SubmitSm& sm : sim_.submits()) EXPECT_EQ(sm.registered_delivery, 0);
}

TEST_P(UssdWireTest, NetworkAbortIsAnAbortEvent) {
  Start();
  const size_t dlg = sim_.DialUssd("255700000001", "384", "*384#");
  IntakeBatch open = NextBatch();
  ASSERT_TRUE(sim_.AbortUssd(dlg));
  IntakeBatch abort = NextBatch();
  ASSERT_EQ(abort.ussd.size(), 1u);
  EXPECT_EQ(abort.ussd[0].kind, smpp::UssdKind::kAbort);
  EXPECT_EQ(abort.ussd[0].dialogue, open.ussd.at(0).dialogue);
}

TEST_P(UssdWireTest, NotTakenIsAcknowledgedWithTheCoresStatus) {
  Start();
  const size_t dlg = sim_.DialUssd("255700000001", "384", "*384#");
  NextBatch(kRetryLater);
  ASSERT_TRUE(RunUntil([&] { return sim_.ussd_dialogues()[dlg].end == UssdEnd::kRefused; }));
  EXPECT_EQ(sim_.ussd_dialogues()[dlg].refused_status, kRetryLater);
}

TEST_P(UssdWireTest, StoppingAnswersUssdRetryLaterWithoutAHandoff) {
  Start();
  intake_->StopTaking();
  const size_t dlg = sim_.DialUssd("255700000001", "384", "*384#");
  ASSERT_TRUE(RunUntil([&] { return sim_.ussd_dialogues()[dlg].end == UssdEnd::kRefused; }));
  EXPECT_EQ(sim_.ussd_dialogues()[dlg].refused_status, kRetryLater);
  EXPECT_TRUE(batches_.empty());
}

TEST_P(UssdWireTest, SmsAndUssdEachGetTheirOwnStatus) {
  Start();
  smpp::DeliverSm sms;
  sms.source = {1, 1, "255700000002"};
  sms.destination = {0, 1, "20555"};
  sms.short_message = {'B', 'A', 'L'};
  const size_t sms_index = sim_.PushMo(sms);
  sim_.DialUssd("255700000001", "384", "*384#");
  size_t messages = 0;
  size_t ussd = 0;
  std::vector<IntakeBatch> seen;
  ASSERT_TRUE(RunUntil([&] {
    for (IntakeBatch& b : batches_) {
      messages += b.messages.size();
      ussd += b.ussd.size();
      b.done(std::vector<uint32_t>(b.messages.size(), 0), {},
             std::vector<uint32_t>(b.ussd.size(), kRetryLater), {});
      seen.push_back(std::move(b));
    }
    batches_.clear();
    return messages == 1 && ussd == 1;
  }));
  ASSERT_TRUE(RunUntil([&] { return sim_.mos()[sms_index].acked(); }));
  ASSERT_TRUE(RunUntil([&] { return sim_.ussd_dialogues()[0].end == UssdEnd::kRefused; }));
  EXPECT_EQ(sim_.mos()[sms_index].deliveries, 1);
}

TEST_P(UssdWireTest, ScreensThatCannotGoAreRefusedBeforeTheWire) {
  Start();
  const size_t before = sim_.received().size();
  smpp::SubmitResult too_long = Send({"255700000001", "384", "1", std::string(183, 'a'), false});
  EXPECT_EQ(too_long.status, smpp::ToWire(smpp::CommandStatus::kRInvMsgLen));
  smpp::SubmitResult bad_id = Send({"255700000001", "384", "70000", "Menu", false});
  EXPECT_EQ(bad_id.status, smpp::ToWire(smpp::CommandStatus::kRInvMsgLen));
  smpp::SubmitResult no_bind = Send({"255700000001", "384", "1", "Menu", false}, "other");
  EXPECT_EQ(no_bind.status, smpp::ToWire(smpp::CommandStatus::kRSysErr));
  EXPECT_FALSE(no_bind.outcome_unknown);
  io_.run_for(std::chrono::milliseconds(20));
  EXPECT_EQ(sim_.received().size(), before);  // nothing reached the SMSC
}

INSTANTIATE_TEST_SUITE_P(BothModes, UssdWireTest,
                         ::testing::Values(UssdDialogue::kItsSessionInfo,
                                           UssdDialogue::kUserMessageReference),
                         [](const auto& info) {
                           return info.param == UssdDialogue::kItsSessionInfo
                                      ? std::string("ItsSessionInfo")
                                      : std::string("UserMessageReference");
                         });

}  // namespace
}  // namespace smsgw::gateway
