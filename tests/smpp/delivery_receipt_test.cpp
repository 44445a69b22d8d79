#include "gateway/smpp/delivery_receipt.h"

#include <gtest/gtest.h>

#include "gateway/smpp/tlv.h"

namespace smsgw::smpp {
namespace {

DeliverSm ReceiptPdu(const std::string& text) {
  DeliverSm d;
  d.esm_class = kEsmDeliveryReceipt;
  d.short_message.assign(text.begin(), text.end());
  return d;
}

TEST(DeliveryReceiptTest, AppendixBText) {
  Result<DeliveryReceipt> r = ParseReceiptText(
      "id:1A2B3C sub:001 dlvrd:001 submit date:2511250930 done date:2511250931 stat:DELIVRD "
      "err:000 text:PAY KPLC 1500 id:fake");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->message_id, "1A2B3C");
  EXPECT_EQ(r->stat, "DELIVRD");
  EXPECT_EQ(r->state, MessageState::kDelivered);
  EXPECT_EQ(r->error, "000");
  EXPECT_EQ(r->submit_date, "2511250930");
  EXPECT_EQ(r->done_date, "2511250931");
  EXPECT_TRUE(IsFinal(*r->state));
}

TEST(DeliveryReceiptTest, StatWordsAndCase) {
  const std::pair<const char*, MessageState> cases[] = {
      {"UNDELIV", MessageState::kUndeliverable}, {"expired", MessageState::kExpired},
      {"REJECTD", MessageState::kRejected},      {"ACCEPTD", MessageState::kAccepted},
      {"ENROUTE", MessageState::kEnroute},       {"DELETED", MessageState::kDeleted},
      {"UNKNOWN", MessageState::kUnknown},       {"DELIVERED", MessageState::kDelivered},
      {"FAILED", MessageState::kUndeliverable},
  };
  for (auto [word, state] : cases) {
    Result<DeliveryReceipt> r = ParseReceiptText(std::string("ID:77 Stat:") + word + " Err:1");
    ASSERT_TRUE(r.ok()) << word;
    EXPECT_EQ(r->message_id, "77");
    EXPECT_EQ(r->state, state) << word;
    EXPECT_EQ(r->error, "1");
  }
  EXPECT_FALSE(IsFinal(MessageState::kEnroute));
  EXPECT_TRUE(ParseReceiptText("stat:DELIVRD err:000").status().IsInvalidArgument());
  EXPECT_TRUE(ParseReceiptText("").status().IsInvalidArgument());
  EXPECT_TRUE(ParseReceiptText("id: stat:DELIVRD").status().IsInvalidArgument());
}

TEST(DeliveryReceiptTest, TlvsWinOverText) {
  DeliverSm d = ReceiptPdu("id:123 sub:001 dlvrd:000 stat:ENROUTE err:000 text:");
  d.tlvs.receipted_message_id = "7b";
  d.tlvs.message_state = 5;
  d.tlvs.other.push_back({tag::kNetworkErrorCode, {0x03, 0x00, 0x22}});
  Result<DeliveryReceipt> r = ParseDeliveryReceipt(d);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->message_id, "7b");
  EXPECT_EQ(r->state, MessageState::kUndeliverable);
  EXPECT_EQ(r->stat, "ENROUTE");
  EXPECT_EQ(r->network_error, 0x030022u);
}

TEST(DeliveryReceiptTest, TlvsAloneAreEnough) {
  DeliverSm d;
  d.esm_class = kEsmDeliveryReceipt;
  d.tlvs.receipted_message_id = "abc";
  d.tlvs.message_state = 2;
  Result<DeliveryReceipt> r = ParseDeliveryReceipt(d);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->message_id, "abc");
  EXPECT_EQ(r->state, MessageState::kDelivered);
  EXPECT_TRUE(ParseDeliveryReceipt(DeliverSm{}).status().IsInvalidArgument());
}

TEST(DeliveryReceiptTest, ReceiptInMessagePayload) {
  DeliverSm d;
  d.esm_class = kEsmDeliveryReceipt;
  const std::string text = "id:0099 stat:DELIVRD err:000";
  d.tlvs.message_payload = std::vector<uint8_t>(text.begin(), text.end());
  EXPECT_EQ(ParseDeliveryReceipt(d)->message_id, "0099");
}

TEST(DeliveryReceiptTest, ReceiptInADataSm) {
  DataSm d;
  d.esm_class = 0x04;
  const std::string text = "id:0100 stat:UNDELIV err:001";
  d.tlvs.message_payload = std::vector<uint8_t>(text.begin(), text.end());
  auto r = ParseDeliveryReceipt(d);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->message_id, "0100");
  EXPECT_EQ(r->stat, "UNDELIV");
  DataSm bare;  // the TLVs alone, no text at all
  bare.tlvs.receipted_message_id = "0101";
  bare.tlvs.message_state = 2;
  EXPECT_EQ(ParseDeliveryReceipt(bare)->message_id, "0101");
}

TEST(DeliveryReceiptTest, IsDeliveryReceipt) {
  EXPECT_TRUE(IsDeliveryReceipt(0x04));
  EXPECT_TRUE(IsDeliveryReceipt(0x44));
  EXPECT_TRUE(IsDeliveryReceipt(0x20));  // intermediate delivery notification
  EXPECT_FALSE(IsDeliveryReceipt(0x00));
  EXPECT_FALSE(IsDeliveryReceipt(0x40));
  EXPECT_FALSE(IsDeliveryReceipt(0x08));  // SME delivery acknowledgement
}

TEST(DeliveryReceiptTest, OtherMessageTypesAreNeitherTextNorReceipts) {
  for (uint8_t esm : {0x08, 0x10, 0x18, 0x48}) EXPECT_TRUE(IsOtherMessageType(esm)) << +esm;
  for (uint8_t esm : {0x00, 0x40, 0x03, 0x04, 0x20}) EXPECT_FALSE(IsOtherMessageType(esm)) << +esm;
}

TEST(MessageIdTest, DecimalReceiptMatchesHexSubmitResponse) {
  // 0x1A2B3C = 1715004
  EXPECT_EQ(NormalizeMessageId("1A2B3C", MessageIdBase::kHex),
            NormalizeMessageId("1715004", MessageIdBase::kDecimal));
  EXPECT_EQ(NormalizeMessageId("001a2b3c", MessageIdBase::kHex), "1a2b3c");
  EXPECT_EQ(NormalizeMessageId(" 0 ", MessageIdBase::kDecimal), "0");
  // Longer than 64 bits.
  EXPECT_EQ(NormalizeMessageId("340282366920938463463374607431768211455", MessageIdBase::kDecimal),
            "ffffffffffffffffffffffffffffffff");
  EXPECT_EQ(NormalizeMessageId("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", MessageIdBase::kHex),
            "ffffffffffffffffffffffffffffffff");
}

TEST(MessageIdTest, AsIsAndNonNumbersUnchanged) {
  EXPECT_EQ(NormalizeMessageId("AbC-123", MessageIdBase::kAsIs), "AbC-123");
  EXPECT_EQ(NormalizeMessageId("0012", MessageIdBase::kAsIs), "0012");
  EXPECT_EQ(NormalizeMessageId("12x", MessageIdBase::kDecimal), "12x");
  EXPECT_EQ(NormalizeMessageId("g1", MessageIdBase::kHex), "g1");
  EXPECT_NE(NormalizeMessageId("10", MessageIdBase::kDecimal),
            NormalizeMessageId("10", MessageIdBase::kHex));
}

}  // namespace
}  // namespace smsgw::smpp
