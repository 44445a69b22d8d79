// MtSender writes each MT as its connection's options say: the alphabet the SMSC gives
// data_coding 0, for SMS replies and USSD screens alike. Over a real session and the SMSC
// simulator, in one process; loops are bounded in time.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "gateway/daemon/daemon_metrics.h"
#include "gateway/daemon/mo_intake.h"
#include "gateway/daemon/mt_sender.h"
#include "gateway/metrics.h"
#include "gateway/smpp/session.h"
#include "gateway/smpp/text_codec.h"
#include "tests/support/smsc_simulator.h"

namespace smsgw::gateway {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<uint8_t>;

class MtSenderOptionsTest : public ::testing::Test {
 protected:
  MtSenderOptionsTest() : sim_(io_, smpp::testing::SmscSimConfig{}), metrics_(registry_) {}

  // Receipts the intake hands over are kept in receipts_ (and acknowledged).
  void Start(MtOptions options, MoIntake::Options intake = {}) {
    intake_ = std::make_unique<MoIntake>(
        io_, std::move(intake),
        [this](IntakeBatch b) {
          receipts_.insert(receipts_.end(), b.receipts.begin(), b.receipts.end());
          b.done(std::vector<uint32_t>(b.messages.size(), 0),
                 std::vector<uint32_t>(b.receipts.size(), 0),
                 std::vector<uint32_t>(b.ussd.size(), 0), std::vector<uint32_t>(b.parts.size(), 0));
        },
        metrics_);
    smpp::SessionConfig c;
    c.name = "sim";
    c.port = sim_.port();
    c.system_id = "smsgw";
    c.password = "secret";
    c.reconnect_min = 10ms;
    c.reconnect_max = 50ms;
    session_ = smpp::EsmeSession::Create(io_, c, *intake_);
    sender_.AddSession("sim", session_, {}, std::move(options));
    session_->Start();
    ASSERT_TRUE(
        RunUntil([&] { return sim_.bound() && session_->state() == smpp::SessionState::kBound; }));
  }

  void TearDown() override {
    if (!session_) return;
    bool stopped = false;
    session_->Stop([&] { stopped = true; });
    RunUntil([&] { return stopped; });
  }

  template <typename Pred>
  bool RunUntil(Pred pred) {
    const auto end = std::chrono::steady_clock::now() + 10s;
    while (!pred() && std::chrono::steady_clock::now() < end) io_.run_for(2ms);
    return pred();
  }

  // Sends one reply and returns its result and the submit_sm the SMSC got.
  std::pair<store::ReplyResult, smpp::SubmitSm> SendReply(const std::string& text) {
    store::ClaimedReply r;
    r.id = ++next_id_;
    r.source = "4040";
    r.destination = "254700100200";
    r.text = store::SecretBytes(text);
    r.attempt = 1;
    const size_t before = sim_.submits().size();
    std::optional<store::ReplyResult> result;
    std::vector<store::ClaimedReply> replies;
    replies.push_back(std::move(r));
    sender_.Send(std::move(replies), [&](std::vector<store::ReplyResult> results) {
      if (!results.empty()) result = results.front();
    });
    EXPECT_TRUE(RunUntil([&] { return result.has_value(); }));
    EXPECT_EQ(sim_.submits().size(), before + 1);
    if (!result || sim_.submits().size() != before + 1) return {};
    return {*result, sim_.submits().back()};
  }

  // Sends one USSD screen and returns the submit_sm that went on the wire (the simulator
  // refuses it, having no such dialogue, but has read it).
  smpp::SubmitSm SendScreen(const std::string& text) {
    bool done = false;
    sender_.SendUssd("sim", {"254700100200", "384", "7", text, false},
                     [&](const smpp::SubmitResult&) { done = true; });
    EXPECT_TRUE(RunUntil([&] { return done; }));
    for (auto it = sim_.received().rbegin(); it != sim_.received().rend(); ++it) {
      if (const auto* sm = std::get_if<smpp::SubmitSm>(&it->body)) return *sm;
    }
    ADD_FAILURE() << "no submit_sm";
    return {};
  }

  static MtOptions Dcs0(smpp::Dcs0Charset charset) {
    MtOptions o;
    o.text.dcs0 = charset;
    return o;
  }

  boost::asio::io_context io_;
  smpp::testing::SmscSimulator sim_;
  Registry registry_;
  DaemonMetrics metrics_;
  std::unique_ptr<MoIntake> intake_;
  MtSender sender_{io_};
  std::shared_ptr<smpp::EsmeSession> session_;
  std::vector<ReceiptUpdate> receipts_;
  int64_t next_id_ = 0;
};

TEST_F(MtSenderOptionsTest, Latin1UnderDcs0WritesLatin1OctetsNotGsmSeptets) {
  Start(Dcs0(smpp::Dcs0Charset::kLatin1));
  auto [result, sm] = SendReply("Pay @ $5");
  EXPECT_EQ(result.kind, store::ReplyResult::Kind::kSent);
  EXPECT_EQ(sm.data_coding, smpp::kDcsDefault);
  // GSM 03.38 would give '@' 0x00 and '$' 0x02.
  EXPECT_EQ(sm.short_message, (Bytes{'P', 'a', 'y', ' ', 0x40, ' ', 0x24, '5'}));

  // Not in Latin-1: UCS-2, where GSM would have used an escape pair (1B 65).
  std::tie(result, sm) = SendReply("5\xE2\x82\xAC");  // "5€"
  EXPECT_EQ(sm.data_coding, smpp::kDcsUcs2);
  EXPECT_EQ(sm.short_message, (Bytes{0x00, '5', 0x20, 0xAC}));
}

TEST_F(MtSenderOptionsTest, Ucs2UnderDcs0AlwaysSendsUcs2) {
  Start(Dcs0(smpp::Dcs0Charset::kUcs2));
  auto [result, sm] = SendReply("Ok @");
  EXPECT_EQ(result.kind, store::ReplyResult::Kind::kSent);
  EXPECT_EQ(sm.data_coding, smpp::kDcsUcs2);
  EXPECT_EQ(sm.short_message, (Bytes{0, 'O', 0, 'k', 0, ' ', 0, '@'}));
}

TEST_F(MtSenderOptionsTest, Gsm7StaysTheDefault) {
  Start({});
  auto [result, sm] = SendReply("Pay @ $5");
  EXPECT_EQ(sm.data_coding, smpp::kDcsDefault);
  EXPECT_EQ(sm.short_message, (Bytes{'P', 'a', 'y', ' ', 0x00, ' ', 0x02, '5'}));
}

TEST_F(MtSenderOptionsTest, UssdScreensFollowTheConnectionsDcs0Too) {
  Start(Dcs0(smpp::Dcs0Charset::kLatin1));
  smpp::SubmitSm sm = SendScreen("1. @home");
  EXPECT_EQ(sm.data_coding, smpp::kDcsDefault);
  EXPECT_EQ(sm.short_message, (Bytes{'1', '.', ' ', 0x40, 'h', 'o', 'm', 'e'}));
}

TEST_F(MtSenderOptionsTest, UssdScreensInUcs2WhenDcs0IsUcs2) {
  Start(Dcs0(smpp::Dcs0Charset::kUcs2));
  smpp::SubmitSm sm = SendScreen("1. Pay");
  EXPECT_EQ(sm.data_coding, smpp::kDcsUcs2);
  EXPECT_EQ(sm.short_message, (Bytes{0, '1', 0, '.', 0, ' ', 0, 'P', 0, 'a', 0, 'y'}));
}

TEST_F(MtSenderOptionsTest, AddressesAreWrittenWithTheConnectionsTonAndNpi) {
  MtOptions options;
  options.addressing = {5, 0, 2, 8};  // alphanumeric sender; national number, national plan
  Start(options);
  auto [result, sm] = SendReply("Paid");
  EXPECT_EQ(result.kind, store::ReplyResult::Kind::kSent);
  EXPECT_EQ(sm.source, (smpp::Address{5, 0, "4040"}));
  EXPECT_EQ(sm.destination, (smpp::Address{2, 8, "254700100200"}));

  smpp::SubmitSm screen = SendScreen("1. Pay");
  EXPECT_EQ(screen.source, (smpp::Address{5, 0, "384"}));
  EXPECT_EQ(screen.destination, (smpp::Address{2, 8, "254700100200"}));
}

TEST_F(MtSenderOptionsTest, DefaultAddressingIsShortCodeUnknownToInternational) {
  Start({});
  auto [result, sm] = SendReply("Paid");
  EXPECT_EQ(sm.source, (smpp::Address{0, 1, "4040"}));
  EXPECT_EQ(sm.destination, (smpp::Address{1, 1, "254700100200"}));
}

// The simulator answers submit_sm_resp with hex ids ("1000") and reports them in decimal in
// receipts ("4096"), as many SMSCs do. With each base declared, the id the sender records and
// the one the intake reads from the receipt are the same, as the store matches them.
TEST_F(MtSenderOptionsTest, SubmitAndReceiptIdsInDifferentBasesMeet) {
  sim_.config().send_receipts = true;
  sim_.config().receipt_ids_in_decimal = true;
  MtOptions options;
  options.submit_id_base = smpp::MessageIdBase::kHex;
  MoIntake::Options intake;
  intake.connections["sim"].receipt_id_base = smpp::MessageIdBase::kDecimal;
  Start(options, intake);
  auto [result, sm] = SendReply("Paid");
  ASSERT_EQ(result.kind, store::ReplyResult::Kind::kSent);
  EXPECT_EQ(result.connection, "sim");
  ASSERT_TRUE(RunUntil([&] { return receipts_.size() == 1; }));
  EXPECT_EQ(receipts_[0].connection, "sim");
  EXPECT_EQ(result.smsc_message_id, "1000");
  EXPECT_EQ(receipts_[0].smsc_message_id, result.smsc_message_id);
}

TEST_F(MtSenderOptionsTest, HexIdsAreRecordedInOneCase) {
  MtOptions options;
  options.submit_id_base = smpp::MessageIdBase::kHex;
  Start(options);
  std::string last;
  for (int i = 0; i < 11; ++i) last = SendReply("r").first.smsc_message_id;
  EXPECT_EQ(last, "100a");  // the simulator says "100A"
}

}  // namespace
}  // namespace smsgw::gateway
