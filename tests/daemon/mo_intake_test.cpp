// MoIntake's concatenated MOs and MO sources, without a network: the test plays the session
// (Deliver, and the acks it gets back) and the core (each IntakeBatch, answered with the statuses
// it chooses).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <list>
#include <optional>
#include <string>
#include <vector>

#include "gateway/daemon/daemon_metrics.h"
#include "gateway/daemon/mo_intake.h"
#include "gateway/metrics.h"
#include "gateway/smpp/command_status.h"
#include "tests/support/phone_console_mo.h"

namespace smsgw::gateway {
namespace {

constexpr uint32_t kOk = 0;
constexpr uint32_t kRetryLater = smpp::ToWire(smpp::CommandStatus::kRxTAppn);
constexpr char kAmina[] = "254700000001";
constexpr char kShortCode[] = "20555";

// 200 characters: two GSM 7-bit parts (153 + 47).
const std::string kLong = "PAY KPLC 998877 1500 " + std::string(179, 'x');

class MoIntakeTest : public ::testing::Test {
 protected:
  MoIntakeTest()
      : metrics_(registry_),
        intake_(
            io_, {}, [this](IntakeBatch b) { batches_.push_back(std::move(b)); }, metrics_) {}

  // The parts of kLong from Amina; each carries its own message reference, as handsets send.
  std::vector<smpp::InboundMo> Parts(uint8_t reference = 7) {
    auto pdus = console::BuildMoParts(kAmina, kShortCode, kLong, reference);
    EXPECT_TRUE(pdus.ok()) << pdus.status().ToString();
    std::vector<smpp::InboundMo> out;
    uint16_t mr = 40;
    for (smpp::DeliverSm& d : *pdus) {
      d.tlvs.user_message_reference = mr++;
      out.push_back({"sim", smpp::Pdu{0, 0, std::move(d)}});
    }
    return out;
  }

  smpp::InboundMo Single(const std::string& text) { return From({1, 1, kAmina}, text); }

  // `text` from `source` as the SMSC addresses it.
  smpp::InboundMo From(const smpp::Address& source, const std::string& text,
                       const std::string& connection = "sim") {
    auto pdus = console::BuildMoParts(kAmina, kShortCode, text, 1);
    EXPECT_TRUE(pdus.ok() && pdus->size() == 1u);
    pdus->front().source = source;
    return {connection, smpp::Pdu{0, 0, std::move(pdus->front())}};
  }

  // Delivers `mos` as one read; the statuses the session would send, once they are all known.
  std::optional<std::vector<uint32_t>>* Deliver(std::vector<smpp::InboundMo> mos) {
    acks_.emplace_back();
    auto* slot = &acks_.back();
    intake_.Deliver(std::move(mos), [slot](std::vector<uint32_t> s) { *slot = std::move(s); });
    return slot;
  }

  // The next batch handed to the core, answered: messages with `message_status`, the rest OK.
  IntakeBatch Answer(uint32_t message_status = kOk) {
    EXPECT_FALSE(batches_.empty());
    if (batches_.empty()) return {};
    IntakeBatch b = std::move(batches_.front());
    batches_.erase(batches_.begin());
    b.done(std::vector<uint32_t>(b.messages.size(), message_status),
           std::vector<uint32_t>(b.receipts.size(), kOk), std::vector<uint32_t>(b.ussd.size(), kOk),
           std::vector<uint32_t>(b.parts.size(), kOk));
    io_.restart();
    io_.poll();  // the statuses come back through the io thread
    return b;
  }

  boost::asio::io_context io_;
  Registry registry_;
  DaemonMetrics metrics_;
  std::vector<IntakeBatch> batches_;
  std::list<std::optional<std::vector<uint32_t>>> acks_;
  MoIntake intake_;
};

// An SMSC that sends the next part only once the previous one is answered (a window of one)
// gets each part's answer as soon as the part is stored.
TEST_F(MoIntakeTest, APartIsStoredAndAcknowledgedOnItsOwn) {
  auto parts = Parts();
  ASSERT_EQ(parts.size(), 2u);
  auto* first = Deliver({parts[0]});
  ASSERT_EQ(batches_.size(), 1u) << "the first part goes to the store at once";
  EXPECT_TRUE(batches_.front().messages.empty());
  ASSERT_EQ(batches_.front().parts.size(), 1u);
  EXPECT_EQ(batches_.front().parts[0].seq, 1);
  EXPECT_EQ(batches_.front().parts[0].message_reference, 40);
  EXPECT_FALSE(first->has_value()) << "not acknowledged before it is stored";
  Answer();
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ(**first, std::vector<uint32_t>{kOk});

  auto* second = Deliver({parts[1]});
  ASSERT_EQ(batches_.size(), 1u);
  const IntakeBatch& b = batches_.front();
  ASSERT_EQ(b.messages.size(), 1u);
  EXPECT_TRUE(b.parts.empty()) << "the completing part is the message, not a part to keep";
  EXPECT_EQ(b.messages[0].text, kLong);
  EXPECT_EQ(b.messages[0].smsc_message_id, "mr:40") << "named by its first part";
  ASSERT_TRUE(b.messages[0].joined_from.has_value());
  EXPECT_EQ(b.messages[0].joined_from->source, kAmina);
  EXPECT_EQ(b.messages[0].joined_from->total, 2);
  EXPECT_FALSE(second->has_value());
  Answer();
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ(**second, std::vector<uint32_t>{kOk});
}

// A whole message read together with a part of another is answered when it is stored, not
// when the other message is complete.
TEST_F(MoIntakeTest, AMessageReadWithAnUnfinishedPartIsNotHeldBack) {
  auto parts = Parts();
  auto* ack = Deliver({parts[0], Single("BAL")});
  ASSERT_EQ(batches_.size(), 1u);
  EXPECT_EQ(batches_.front().messages.size(), 1u);
  EXPECT_EQ(batches_.front().parts.size(), 1u);
  Answer();
  ASSERT_TRUE(ack->has_value());
  EXPECT_EQ(**ack, (std::vector<uint32_t>{kOk, kOk}));
}

// The joined message's Accept failed: its part is answered "retry later", and when the SMSC
// delivers it again it completes the message again from the parts kept.
TEST_F(MoIntakeTest, AJoinedMessageNotStoredIsJoinedAgainWhenItsPartComesBack) {
  auto parts = Parts();
  Deliver({parts[0]});
  Answer();
  auto* failed = Deliver({parts[1]});
  Answer(kRetryLater);
  ASSERT_TRUE(failed->has_value());
  EXPECT_EQ(**failed, std::vector<uint32_t>{kRetryLater});

  auto* again = Deliver({parts[1]});
  ASSERT_EQ(batches_.size(), 1u);
  ASSERT_EQ(batches_.front().messages.size(), 1u);
  EXPECT_EQ(batches_.front().messages[0].text, kLong);
  Answer();
  EXPECT_EQ(again->value_or(std::vector<uint32_t>{}), std::vector<uint32_t>{kOk});
}

// After a restart the stored parts are put back: the next part completes the message.
TEST_F(MoIntakeTest, PartsHeldByTheStoreCompleteTheirMessageAfterARestart) {
  auto parts = Parts();
  Deliver({parts[0]});
  IntakeBatch stored = Answer();
  ASSERT_EQ(stored.parts.size(), 1u);
  store::InboundPart held = stored.parts[0];

  MoIntake restarted(
      io_, {}, [this](IntakeBatch b) { batches_.push_back(std::move(b)); }, metrics_);
  restarted.Restore({held});
  EXPECT_TRUE(batches_.empty()) << "an incomplete group waits for its other parts";
  restarted.Deliver({parts[1]}, [](std::vector<uint32_t>) {});
  ASSERT_EQ(batches_.size(), 1u);
  ASSERT_EQ(batches_.front().messages.size(), 1u);
  EXPECT_EQ(batches_.front().messages[0].text, kLong);
  EXPECT_EQ(batches_.front().messages[0].smsc_message_id, "mr:40");
  Answer();
}

// A group never completed is given up: its stored parts are to be deleted.
TEST_F(MoIntakeTest, AGroupGivenUpHasItsStoredPartsDropped) {
  auto parts = Parts();
  Deliver({parts[0]});
  Answer();
  intake_.Expire(std::chrono::steady_clock::now() + std::chrono::minutes(6));
  ASSERT_EQ(batches_.size(), 1u);
  ASSERT_EQ(batches_.front().dropped.size(), 1u);
  EXPECT_EQ(batches_.front().dropped[0].source, kAmina);
  EXPECT_EQ(batches_.front().dropped[0].reference, 7);
  Answer();
}

// A receipt the SMSC sends as data_sm is a receipt, not a subscriber's text; an SME's
// acknowledgement is neither, and is answered without reaching the store.
TEST_F(MoIntakeTest, ReceiptsInDataSmAndAcknowledgementsAreNotSubscriberText) {
  smpp::DataSm receipt;
  receipt.source = {1, 1, kAmina};
  receipt.destination = {0, 1, kShortCode};
  receipt.esm_class = smpp::kEsmDeliveryReceipt;
  receipt.tlvs.receipted_message_id = "m7";
  receipt.tlvs.message_state = 2;  // DELIVERED
  smpp::InboundMo ack = Single("id:9 stat:DELIVRD");
  std::get<smpp::DeliverSm>(ack.pdu.body).esm_class = 0x08;  // SME delivery acknowledgement
  auto* acked = Deliver({{"sim", smpp::Pdu{0, 0, receipt}}, ack});
  ASSERT_EQ(batches_.size(), 1u);
  const IntakeBatch& b = batches_.front();
  EXPECT_TRUE(b.messages.empty());
  ASSERT_EQ(b.receipts.size(), 1u);
  EXPECT_EQ(b.receipts[0].smsc_message_id, "m7");
  EXPECT_TRUE(b.receipts[0].delivered);
  Answer();
  EXPECT_EQ(acked->value_or(std::vector<uint32_t>{}), (std::vector<uint32_t>{kOk, kOk}));
}

parser::NumberPlan Kenya() {
  parser::NumberPlan p;
  p.country_code = "254";
  p.national_prefix = "0";
  p.national_number_length = 9;
  p.mobile_prefixes = {"7", "1"};
  return p;
}

// Accounts are registered under the international number: an MO is stored (and so deduplicated,
// processed and answered) under it whichever form the SMSC delivered its source in.
TEST_F(MoIntakeTest, ASourceInNationalFormIsStoredAsTheInternationalNumber) {
  intake_.SetNumberPlan(Kenya());
  const std::vector<smpp::Address> forms = {
      {1, 1, kAmina},      {1, 1, "+254700000001"},  {2, 1, "0700000001"},
      {2, 1, "700000001"}, {0, 1, "00254700000001"}, {0, 1, "254700000001"},
  };
  std::vector<smpp::InboundMo> mos;
  for (const smpp::Address& a : forms) mos.push_back(From(a, "BAL " + a.value));
  Deliver(std::move(mos));
  ASSERT_EQ(batches_.size(), 1u);
  ASSERT_EQ(batches_.front().messages.size(), forms.size());
  for (size_t i = 0; i < forms.size(); ++i) {
    EXPECT_EQ(batches_.front().messages[i].source, kAmina) << forms[i].value;
  }
  Answer();
  EXPECT_EQ(metrics_.mo_source_not_in_plan.value(), 0u);
}

// The parts of a concatenated message are grouped, stored and joined under the same number.
TEST_F(MoIntakeTest, PartsFromANationalSourceJoinUnderTheInternationalNumber) {
  intake_.SetNumberPlan(Kenya());
  auto parts = Parts();
  for (smpp::InboundMo& p : parts)
    std::get<smpp::DeliverSm>(p.pdu.body).source = {2, 1, "0700000001"};
  Deliver({parts[0]});
  ASSERT_EQ(batches_.size(), 1u);
  ASSERT_EQ(batches_.front().parts.size(), 1u);
  EXPECT_EQ(batches_.front().parts[0].group.source, kAmina);
  Answer();
  Deliver({parts[1]});
  ASSERT_EQ(batches_.size(), 1u);
  ASSERT_EQ(batches_.front().messages.size(), 1u);
  EXPECT_EQ(batches_.front().messages[0].source, kAmina);
  EXPECT_EQ(batches_.front().messages[0].text, kLong);
  Answer();
}

// A USSD dialogue is keyed by, and its menus act for, the same number as an SMS.
TEST_F(MoIntakeTest, AUssdEventFromANationalSourceNamesTheInternationalNumber) {
  intake_.SetNumberPlan(Kenya());
  smpp::InboundMo mo = From({2, 1, "0700000001"}, "*384#");
  auto& sm = std::get<smpp::DeliverSm>(mo.pdu.body);
  sm.tlvs.ussd_service_op = smpp::ussd_op::kPssrIndication;  // the subscriber dialled
  sm.tlvs.its_session_info = 0x0100;
  Deliver({mo});
  ASSERT_EQ(batches_.size(), 1u);
  ASSERT_EQ(batches_.front().ussd.size(), 1u);
  EXPECT_EQ(batches_.front().ussd[0].msisdn, kAmina);
  EXPECT_EQ(batches_.front().ussd[0].service, kShortCode) << "the service code is not a subscriber";
  Answer();
}

// A source the plan cannot read is kept as it came, without "+"; each is counted, the first of a
// connection logged without the number; alphanumeric sources are no number at all.
TEST_F(MoIntakeTest, ASourceThePlanCannotReadIsKeptCountedAndLoggedOnce) {
  intake_.SetNumberPlan(Kenya());
  ::testing::internal::CaptureStderr();
  Deliver({From({2, 1, "+0212345678"}, "BAL 1"), From({2, 1, "0212345679"}, "BAL 2"),
           From({5, 0, "MyBank"}, "BAL 3"), From({2, 1, "0212345670"}, "BAL 4", "other")});
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_EQ(batches_.size(), 1u);
  const auto& m = batches_.front().messages;
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0].source, "0212345678");
  EXPECT_EQ(m[1].source, "0212345679");
  EXPECT_EQ(m[2].source, "MyBank");
  EXPECT_EQ(m[3].source, "0212345670");
  Answer();
  EXPECT_EQ(metrics_.mo_source_not_in_plan.value(), 3u);
  size_t lines = 0;
  for (size_t at = log.find("mo.source_not_in_plan"); at != std::string::npos;
       at = log.find("mo.source_not_in_plan", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 2u) << "once per connection:\n" << log;
  EXPECT_EQ(log.find("212345"), std::string::npos) << "no number in the log:\n" << log;
}

// A reloaded grammar's plan reads the next MO.
TEST_F(MoIntakeTest, TheNumberPlanFollowsAReload) {
  parser::NumberPlan landlines_only = Kenya();
  landlines_only.mobile_prefixes = {"2"};
  intake_.SetNumberPlan(landlines_only);
  Deliver({From({2, 1, "0700000001"}, "BAL 1")});
  ASSERT_EQ(batches_.size(), 1u);
  EXPECT_EQ(batches_.front().messages[0].source, "0700000001");
  Answer();
  intake_.SetNumberPlan(Kenya());
  Deliver({From({2, 1, "0700000001"}, "BAL 2")});
  ASSERT_EQ(batches_.size(), 1u);
  EXPECT_EQ(batches_.front().messages[0].source, kAmina);
  Answer();
}

}  // namespace
}  // namespace smsgw::gateway
