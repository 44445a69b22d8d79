#include <gtest/gtest.h>

#include "tests/support/store_fixture.h"

namespace smsgw::store::testing {
namespace {

class DedupTest : public StoreTest {
 protected:
  void SetUp() override { Open(); }

  // Marks a message processed with the normalised command it carried.
  void Process(int64_t id, const std::string& command, const std::string& reference) {
    Effects e;
    e.consume = ConsumeInbound{id, "instruction", command, reference, command};
    auto r = store().Apply(e);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  // How many messages wait for the engine.
  std::size_t PendingCount() {
    auto pending = store().PendingInbound(0, 100);
    EXPECT_TRUE(pending.ok()) << pending.status().ToString();
    return pending.ok() ? pending->size() : 0;
  }
};

TEST_F(DedupTest, RedeliveryInsideTheWindowIsADuplicateOfTheOriginal) {
  AcceptResult first = AcceptOne(Mo("254700000001", "PAY KPLC 123 500", "smsc1", "7F3A11"));
  EXPECT_FALSE(first.duplicate);
  clock_->Advance(23 * kHour);
  AcceptResult again = AcceptOne(Mo("254700000001", "PAY KPLC 123 500", "smsc1", "7F3A11"));
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.id, first.id);
  EXPECT_EQ(PendingCount(), 1u);
}

TEST_F(DedupTest, RedeliveryOutsideTheWindowIsNew) {
  const InboundMessage bal = Mo("254700000001", "BAL", "smsc1", "7F3A12");
  AcceptResult first = AcceptOne(bal);
  clock_->Advance(24 * kHour + 1);
  AcceptResult later = AcceptOne(bal);
  EXPECT_FALSE(later.duplicate);
  EXPECT_GT(later.id, first.id);
  // The newer copy now opens its own window.
  clock_->Advance(kHour);
  AcceptResult third = AcceptOne(bal);
  EXPECT_TRUE(third.duplicate);
  EXPECT_EQ(third.id, later.id);
}

TEST_F(DedupTest, EveryKeyFieldCounts) {
  const InboundMessage base = Mo("254700000001", "BAL", "smsc1", "m-1");
  AcceptResult first = AcceptOne(base);
  std::vector<InboundMessage> variants(5, base);
  variants[0].connection = "smsc2";
  variants[1].source = "254700000002";
  variants[2].destination = "5050";
  variants[3].text = "BAL ";
  variants[4].smsc_message_id = std::nullopt;
  for (const auto& v : variants) {
    AcceptResult r = AcceptOne(v);
    EXPECT_FALSE(r.duplicate) << v.connection << " " << v.source << " " << v.destination << " '"
                              << v.text << "'";
    EXPECT_NE(r.id, first.id);
  }
  // data_coding is not part of the key.
  InboundMessage dc = base;
  dc.data_coding = 8;
  EXPECT_TRUE(AcceptOne(dc).duplicate);
}

TEST_F(DedupTest, ARepeatInsideOneBatchIsADuplicateOfItsFirstCopy) {
  std::vector<InboundMessage> batch = {Mo("254700000001", "A"), Mo("254700000002", "B"),
                                       Mo("254700000001", "A")};
  auto r = store().Accept(batch);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE((*r)[0].duplicate);
  EXPECT_FALSE((*r)[1].duplicate);
  EXPECT_TRUE((*r)[2].duplicate);
  EXPECT_EQ((*r)[2].id, (*r)[0].id);
  EXPECT_LT((*r)[0].id, (*r)[1].id);
}

TEST_F(DedupTest, TheWindowSurvivesARestartAndStillExpires) {
  const InboundMessage bal = Mo("254700000001", "BAL", "smsc1", "0A1B2C");
  AcceptResult first = AcceptOne(bal);
  clock_->Advance(12 * kHour);
  Close();
  Open();
  AcceptResult again = AcceptOne(bal);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.id, first.id);
  clock_->Advance(12 * kHour + 1);
  Close();
  Open();
  EXPECT_FALSE(AcceptOne(bal).duplicate);
}

TEST_F(DedupTest, ExpiredKeysArePrunedAsTrafficFlows) {
  for (int i = 0; i < 50; ++i) {
    const std::string n = std::to_string(i);
    AcceptOne(Mo("254700000001", "msg " + n, "smsc1", "id-" + n));
  }
  for (int i = 0; i < 20; ++i) AcceptOne(Mo("254700000001", "bare " + std::to_string(i)));
  auto stats = store().Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->recent_keys, 70);
  // The keys without an id go after their short window, the others stay.
  clock_->Advance(3 * kMinute);
  for (int i = 0; i < 10; ++i) AcceptOne(Mo("254700000002", "new " + std::to_string(i)));
  stats = store().Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->recent_keys, 60);
  clock_->Advance(25 * kHour);
  for (int i = 0; i < 10; ++i) AcceptOne(Mo("254700000003", "new " + std::to_string(i)));
  stats = store().Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->recent_keys, 10);
}

TEST_F(DedupTest, IdsKeepGrowingAfterTheNewestRowsArePurged) {
  AcceptResult first = AcceptOne(Mo("254700000001", "BAL"));
  Process(first.id, "BAL", "R1");
  clock_->Advance(100 * 24 * kHour);
  auto purged = store().Purge({});
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  ASSERT_EQ(purged->inbound, 1);  // the newest row too: its id is remembered, not its row
  Close();
  Open();
  AcceptResult next = AcceptOne(Mo("254700000001", "BAL"));
  EXPECT_FALSE(next.duplicate);
  EXPECT_GT(next.id, first.id);
}

TEST_F(DedupTest, InvalidMessagesRefuseTheWholeBatch) {
  std::vector<InboundMessage> batch = {Mo("254700000001", "A"), Mo("", "B")};
  auto r = store().Accept(batch);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_NE(r.status().message().find("message 1"), std::string::npos);
  batch[1] = Mo("254700000002", std::string(9000, 'x'));
  EXPECT_TRUE(store().Accept(batch).status().IsInvalidArgument());
  EXPECT_EQ(PendingCount(), 0u);
}

TEST_F(DedupTest, ResendInsideTheWindowReportsTheOriginal) {
  AcceptResult first = AcceptOne(Mo("254700000001", "send 0712 500"));
  Process(first.id, "SEND 0712 500", "K7H3QZ2P9M");
  clock_->Advance(9 * kMinute);
  AcceptResult second = AcceptOne(Mo("254700000001", "SEND  0712 500"));
  ASSERT_FALSE(second.duplicate);  // different text: not a network redelivery
  auto match = store().FindResend("254700000001", "SEND 0712 500", clock_->NowMs());
  ASSERT_TRUE(match.ok()) << match.status().ToString();
  ASSERT_TRUE(match->has_value());
  EXPECT_EQ((*match)->inbound_id, first.id);
  EXPECT_EQ((*match)->reference, "K7H3QZ2P9M");
  EXPECT_EQ((*match)->received_at, kStartMs);
}

TEST_F(DedupTest, ResendOutsideTheWindowOrFromAnotherSubscriberIsNotReported) {
  AcceptResult first = AcceptOne(Mo("254700000001", "SEND 0712 500"));
  Process(first.id, "SEND 0712 500", "R1");
  auto other = store().FindResend("254700000002", "SEND 0712 500", clock_->NowMs());
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  auto different = store().FindResend("254700000001", "SEND 0712 501", clock_->NowMs());
  ASSERT_TRUE(different.ok());
  EXPECT_FALSE(different->has_value());
  auto late = store().FindResend("254700000001", "SEND 0712 500", kStartMs + 10 * kMinute + 1);
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(late->has_value());
  auto earlier = store().FindResend("254700000001", "SEND 0712 500", kStartMs - 1);
  ASSERT_TRUE(earlier.ok());
  EXPECT_FALSE(earlier->has_value());
}

TEST_F(DedupTest, ResendWindowSurvivesARestart) {
  AcceptResult first = AcceptOne(Mo("254700000001", "BAL"));
  Process(first.id, "BAL", "R9");
  clock_->Advance(5 * kMinute);
  Close();
  Open();
  auto match = store().FindResend("254700000001", "BAL", clock_->NowMs());
  ASSERT_TRUE(match.ok());
  ASSERT_TRUE(match->has_value());
  EXPECT_EQ((*match)->inbound_id, first.id);
  clock_->Advance(6 * kMinute);
  Close();
  Open();
  match = store().FindResend("254700000001", "BAL", clock_->NowMs());
  ASSERT_TRUE(match.ok());
  EXPECT_FALSE(match->has_value());
}

TEST_F(DedupTest, AResendInABacklogIsFoundAfterALongOutage) {
  AcceptResult first = AcceptOne(Mo("254700000001", "SEND 0712 500"));
  Process(first.id, "SEND 0712 500", "R1");
  clock_->Advance(5 * kMinute);
  AcceptResult second = AcceptOne(Mo("254700000001", "send 0712 500"));
  Close();  // crash before the second message was processed
  clock_->Advance(3 * kHour);
  Open();
  auto pending = store().PendingInbound(0, 10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->at(0).id, second.id);
  auto match = store().FindResend("254700000001", "SEND 0712 500", pending->at(0).received_at);
  ASSERT_TRUE(match.ok());
  ASSERT_TRUE(match->has_value());
  EXPECT_EQ((*match)->inbound_id, first.id);
}

TEST_F(DedupTest, WindowsAreConfigurable) {
  Options o = MakeOptions();
  o.redelivery_window_ms = 10 * kMinute;
  o.unidentified_redelivery_window_ms = kMinute;
  Open(o);
  const InboundMessage with_id = Mo("254700000001", "BAL", "smsc1", "m-9");
  AcceptResult first = AcceptOne(Mo("254700000001", "BAL"));
  AcceptResult first_with_id = AcceptOne(with_id);
  clock_->Advance(kMinute - 1);
  EXPECT_TRUE(AcceptOne(Mo("254700000001", "BAL")).duplicate);
  clock_->Advance(2);
  AcceptResult late = AcceptOne(Mo("254700000001", "BAL"));
  EXPECT_FALSE(late.duplicate);
  EXPECT_NE(late.id, first.id);
  clock_->Advance(9 * kMinute - 2);
  EXPECT_EQ(AcceptOne(with_id).id, first_with_id.id);
  clock_->Advance(2);
  EXPECT_FALSE(AcceptOne(with_id).duplicate);
}

TEST_F(DedupTest, WithoutAnIdAnIdenticalMessageIsARedeliveryForTwoMinutesOnly) {
  const InboundMessage bal = Mo("254700000001", "BAL");  // SMPP 3.4 deliver_sm: no message id
  AcceptResult morning = AcceptOne(bal);
  ASSERT_FALSE(morning.duplicate);
  // The SMSC resends after a lost deliver_sm_resp.
  clock_->Advance(2 * kMinute - 1);
  AcceptResult resent = AcceptOne(bal);
  EXPECT_TRUE(resent.duplicate);
  EXPECT_EQ(resent.id, morning.id);
  // The subscriber asks again later: a new message, handed to the engine.
  clock_->Advance(2);
  AcceptResult again = AcceptOne(bal);
  EXPECT_FALSE(again.duplicate);
  EXPECT_GT(again.id, morning.id);
  clock_->Advance(6 * kHour);
  AcceptResult afternoon = AcceptOne(bal);
  EXPECT_FALSE(afternoon.duplicate);
  EXPECT_GT(afternoon.id, again.id);
  EXPECT_EQ(PendingCount(), 3u);
}

TEST_F(DedupTest, WithAnSmscIdTheLongWindowHolds) {
  const InboundMessage bal = Mo("254700000001", "BAL", "smsc1", "7F3A42");
  AcceptResult first = AcceptOne(bal);
  for (int64_t later : {3 * kMinute, 6 * kHour, 24 * kHour - 1}) {
    clock_->Set(kStartMs + later);
    AcceptResult r = AcceptOne(bal);
    EXPECT_TRUE(r.duplicate) << later;
    EXPECT_EQ(r.id, first.id) << later;
  }
  // Another id is another message, even seconds later.
  EXPECT_FALSE(AcceptOne(Mo("254700000001", "BAL", "smsc1", "7F3A43")).duplicate);
}

// Some handsets and SMSCs send a constant TP-MR, and an 8-bit one comes round again: the same
// reference with the same text later in the day is the subscriber asking again.
TEST_F(DedupTest, AHandsetReferenceTellsARedeliveryOnlyForTenMinutes) {
  const InboundMessage bal = Mo("254700000001", "BAL", "smsc1", "mr:0");
  AcceptResult morning = AcceptOne(bal);
  ASSERT_FALSE(morning.duplicate);
  // The SMSC's retries after a lost deliver_sm_resp, past the window for messages with no id.
  for (int64_t later : {kMinute / 2, 3 * kMinute, 10 * kMinute - 1}) {
    clock_->Set(kStartMs + later);
    AcceptResult r = AcceptOne(bal);
    EXPECT_TRUE(r.duplicate) << later;
    EXPECT_EQ(r.id, morning.id) << later;
  }
  // Another reference inside the window is another message.
  EXPECT_FALSE(AcceptOne(Mo("254700000001", "BAL", "smsc1", "mr:1")).duplicate);
  // The subscriber's "BAL" again, with the same reference: a new message for the engine.
  clock_->Set(kStartMs + 10 * kMinute + 1);
  AcceptResult again = AcceptOne(bal);
  EXPECT_FALSE(again.duplicate);
  EXPECT_GT(again.id, morning.id);
  clock_->Set(kStartMs + 6 * kHour);
  AcceptResult afternoon = AcceptOne(bal);
  EXPECT_FALSE(afternoon.duplicate);
  EXPECT_GT(afternoon.id, again.id);
  EXPECT_EQ(PendingCount(), 4u);
}

TEST_F(DedupTest, AHandsetReferenceRedeliveryMustMatchInEveryField) {
  const InboundMessage base = Mo("254700000001", "BAL", "smsc1", "mr:5");
  AcceptResult first = AcceptOne(base);
  std::vector<InboundMessage> variants(4, base);
  variants[0].connection = "smsc2";
  variants[1].source = "254700000002";
  variants[2].destination = "5050";
  variants[3].text = "MINI";
  for (const auto& v : variants) {
    AcceptResult r = AcceptOne(v);
    EXPECT_FALSE(r.duplicate) << v.connection << " " << v.source << " " << v.destination << " '"
                              << v.text << "'";
    EXPECT_NE(r.id, first.id);
  }
  EXPECT_EQ(AcceptOne(base).id, first.id);
}

TEST_F(DedupTest, TheHandsetReferenceWindowIsConfigurableAndSurvivesARestart) {
  Options o = MakeOptions();
  o.handset_reference_redelivery_window_ms = 30 * kMinute;
  Open(o);
  const InboundMessage bal = Mo("254700000001", "BAL", "smsc1", "mr:9");
  AcceptResult first = AcceptOne(bal);
  clock_->Advance(20 * kMinute);
  Close();
  Open(o);
  EXPECT_EQ(AcceptOne(bal).id, first.id);
  clock_->Advance(10 * kMinute + 1);
  Close();
  Open(o);
  EXPECT_FALSE(AcceptOne(bal).duplicate);
}

TEST_F(DedupTest, AMixedBatchUsesEachMessagesWindow) {
  const InboundMessage bare = Mo("254700000001", "BAL");
  const InboundMessage with_id = Mo("254700000002", "BAL", "smsc1", "7F3A01");
  std::vector<InboundMessage> batch = {bare, with_id};
  auto first = store().Accept(batch);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  clock_->Advance(5 * kMinute);
  // Each again, each repeated inside the batch, and one of each that is new.
  batch = {bare,
           with_id,
           bare,
           with_id,
           Mo("254700000003", "BAL"),
           Mo("254700000002", "BAL", "smsc1", "7F3A02")};
  auto r = store().Accept(batch);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 6u);
  EXPECT_FALSE((*r)[0].duplicate);  // its short window has passed
  EXPECT_GT((*r)[0].id, (*first)[1].id);
  EXPECT_TRUE((*r)[1].duplicate);  // inside the long window
  EXPECT_EQ((*r)[1].id, (*first)[1].id);
  EXPECT_TRUE((*r)[2].duplicate);  // a repeat in the batch, of the new copy
  EXPECT_EQ((*r)[2].id, (*r)[0].id);
  EXPECT_TRUE((*r)[3].duplicate);
  EXPECT_EQ((*r)[3].id, (*first)[1].id);
  EXPECT_FALSE((*r)[4].duplicate);
  EXPECT_FALSE((*r)[5].duplicate);
}

TEST_F(DedupTest, ReopeningRebuildsEachKeyWithItsOwnWindow) {
  const InboundMessage bare = Mo("254700000001", "BAL");
  const InboundMessage with_id = Mo("254700000001", "BAL", "smsc1", "7F3A07");
  AcceptResult old_bare = AcceptOne(bare);
  AcceptResult old_with_id = AcceptOne(with_id);
  clock_->Advance(90'000);
  const InboundMessage recent_bare = Mo("254700000002", "MINI");
  AcceptResult recent = AcceptOne(recent_bare);
  clock_->Advance(60'000);  // old_bare is 2.5 min old, recent 1 min
  Close();
  Open();
  auto stats = store().Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->recent_keys, 2);  // old_bare was not loaded
  EXPECT_EQ(AcceptOne(recent_bare).id, recent.id);
  EXPECT_EQ(AcceptOne(with_id).id, old_with_id.id);
  AcceptResult bare_again = AcceptOne(bare);
  EXPECT_FALSE(bare_again.duplicate);
  EXPECT_NE(bare_again.id, old_bare.id);
  // After the restart the loaded short-window key still expires on time.
  clock_->Advance(kMinute + 1);
  Close();
  Open();
  EXPECT_FALSE(AcceptOne(recent_bare).duplicate);
  EXPECT_EQ(AcceptOne(with_id).id, old_with_id.id);
}

TEST_F(DedupTest, TheShortWindowMustFitInTheLongOne) {
  Options o = MakeOptions();
  o.unidentified_redelivery_window_ms = o.redelivery_window_ms + 1;
  EXPECT_TRUE(Store::Open(o).status().IsInvalidArgument());
  o.unidentified_redelivery_window_ms = 0;
  EXPECT_TRUE(Store::Open(o).status().IsInvalidArgument());
  o = MakeOptions();
  o.handset_reference_redelivery_window_ms = o.redelivery_window_ms + 1;
  EXPECT_TRUE(Store::Open(o).status().IsInvalidArgument());
  o.handset_reference_redelivery_window_ms = o.unidentified_redelivery_window_ms - 1;
  EXPECT_TRUE(Store::Open(o).status().IsInvalidArgument());
}

}  // namespace
}  // namespace smsgw::store::testing
