// MtAssembler: concatenated MTs reassembled (8- and 16-bit UDH references, sar_* TLVs, any
// order, resends), texts decoded by data_coding, incomplete messages shown after the timeout.
#include "tests/support/phone_console_mt.h"

#include <gtest/gtest.h>

#include "gateway/smpp/text_codec.h"

namespace smsgw::console {
namespace {

using Clock = MtAssembler::Clock;
using std::chrono::seconds;

std::vector<uint8_t> Bytes(std::string_view s) {
  return {s.begin(), s.end()};
}

smpp::SubmitSm Mt(std::string_view to, std::vector<uint8_t> short_message, uint8_t dcs = 0) {
  smpp::SubmitSm sm;
  sm.source = {3, 0, "20555"};
  sm.destination = {1, 1, std::string(to)};
  sm.data_coding = dcs;
  sm.short_message = std::move(short_message);
  return sm;
}

// A part with an 8-bit reference UDH: 05 00 03 ref total seq.
smpp::SubmitSm Part8(uint8_t ref, uint8_t total, uint8_t seq, std::string_view text) {
  std::vector<uint8_t> um{0x05, 0x00, 0x03, ref, total, seq};
  um.insert(um.end(), text.begin(), text.end());
  smpp::SubmitSm sm = Mt("254700000001", um);
  sm.esm_class = smpp::kEsmUdhi;
  return sm;
}

// A part with a 16-bit reference UDH: 06 08 04 ref_hi ref_lo total seq.
smpp::SubmitSm Part16(uint16_t ref, uint8_t total, uint8_t seq, std::string_view text) {
  std::vector<uint8_t> um{
      0x06,  0x08, 0x04, static_cast<uint8_t>(ref >> 8), static_cast<uint8_t>(ref & 0xFF),
      total, seq};
  um.insert(um.end(), text.begin(), text.end());
  smpp::SubmitSm sm = Mt("254700000001", um);
  sm.esm_class = smpp::kEsmUdhi;
  return sm;
}

class MtAssemblerTest : public ::testing::Test {
 protected:
  MtAssembler mts_{seconds(30)};
  Clock::time_point t0_ = Clock::now();
};

TEST_F(MtAssemblerTest, SingleGsmMessageShownAtOnce) {
  auto shown = mts_.Add(Mt("254700000001", Bytes("Paid. Code OE111ABCDE.")), t0_);
  ASSERT_TRUE(shown.has_value());
  EXPECT_EQ(shown->from, "20555");
  EXPECT_EQ(shown->to, "254700000001");
  EXPECT_EQ(shown->text, "Paid. Code OE111ABCDE.");
  EXPECT_EQ(shown->parts, 1);
  EXPECT_EQ(shown->parts_received, 1);
}

TEST_F(MtAssemblerTest, GsmExtensionCharactersDecoded) {
  // "€5" in GSM 03.38: escape 0x1B 0x65 for the euro sign, then '5'.
  auto shown = mts_.Add(Mt("254700000001", {0x1B, 0x65, '5'}), t0_);
  ASSERT_TRUE(shown.has_value());
  EXPECT_EQ(shown->text, "€5");
}

TEST_F(MtAssemblerTest, Ucs2DecodedWithSurrogatePairs) {
  auto encoded = smpp::EncodeText("Asante 😀 ñ");
  ASSERT_TRUE(encoded.ok());
  ASSERT_EQ(encoded->data_coding, smpp::kDcsUcs2);
  auto shown = mts_.Add(Mt("254700000001", encoded->octets, smpp::kDcsUcs2), t0_);
  ASSERT_TRUE(shown.has_value());
  EXPECT_EQ(shown->text, "Asante 😀 ñ");
}

TEST_F(MtAssemblerTest, EightBitReferencePartsInOrder) {
  EXPECT_FALSE(mts_.Add(Part8(9, 2, 1, "Balance KES "), t0_).has_value());
  EXPECT_EQ(mts_.pending(), 1u);
  auto shown = mts_.Add(Part8(9, 2, 2, "8,500.00."), t0_);
  ASSERT_TRUE(shown.has_value());
  EXPECT_EQ(shown->text, "Balance KES 8,500.00.");
  EXPECT_EQ(shown->parts, 2);
  EXPECT_EQ(shown->parts_received, 2);
  EXPECT_EQ(mts_.pending(), 0u);
}

TEST_F(MtAssemblerTest, SixteenBitReferencePartsOutOfOrder) {
  EXPECT_FALSE(mts_.Add(Part16(0x1234, 3, 3, "three"), t0_).has_value());
  EXPECT_FALSE(mts_.Add(Part16(0x1234, 3, 1, "one "), t0_).has_value());
  auto shown = mts_.Add(Part16(0x1234, 3, 2, "two "), t0_);
  ASSERT_TRUE(shown.has_value());
  EXPECT_EQ(shown->text, "one two three");
}

TEST_F(MtAssemblerTest, SameReferenceNumberIn8And16BitSchemesAreTwoMessages) {
  EXPECT_FALSE(mts_.Add(Part8(7, 2, 1, "a1 "), t0_).has_value());
  EXPECT_FALSE(mts_.Add(Part16(7, 2, 2, "b2"), t0_).has_value());
  EXPECT_EQ(mts_.pending(), 2u);
  auto a = mts_.Add(Part8(7, 2, 2, "a2"), t0_);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->text, "a1 a2");
  auto b = mts_.Add(Part16(7, 2, 1, "b1 "), t0_);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->text, "b1 b2");
}

TEST_F(MtAssemblerTest, SameReferenceToTwoPhonesAreTwoMessages) {
  smpp::SubmitSm other = Part8(5, 2, 1, "for two ");
  other.destination.value = "254700000002";
  EXPECT_FALSE(mts_.Add(Part8(5, 2, 1, "for one "), t0_).has_value());
  EXPECT_FALSE(mts_.Add(other, t0_).has_value());
  auto one = mts_.Add(Part8(5, 2, 2, "done"), t0_);
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->text, "for one done");
  EXPECT_EQ(one->to, "254700000001");
}

TEST_F(MtAssemblerTest, ResentPartIsNotShownTwice) {
  EXPECT_FALSE(mts_.Add(Part8(1, 2, 1, "x"), t0_).has_value());
  EXPECT_FALSE(mts_.Add(Part8(1, 2, 1, "x"), t0_).has_value());
  auto shown = mts_.Add(Part8(1, 2, 2, "y"), t0_);
  ASSERT_TRUE(shown.has_value());
  EXPECT_EQ(shown->text, "xy");
}

TEST_F(MtAssemblerTest, SarTlvPartsReassembled) {
  smpp::SubmitSm p1 = Mt("254700000001", Bytes("sar "));
  p1.tlvs.sar_msg_ref_num = 300;
  p1.tlvs.sar_total_segments = 2;
  p1.tlvs.sar_segment_seqnum = 1;
  smpp::SubmitSm p2 = p1;
  p2.short_message = Bytes("parts");
  p2.tlvs.sar_segment_seqnum = 2;
  EXPECT_FALSE(mts_.Add(p2, t0_).has_value());
  auto shown = mts_.Add(p1, t0_);
  ASSERT_TRUE(shown.has_value());
  EXPECT_EQ(shown->text, "sar parts");
}

TEST_F(MtAssemblerTest, MissingPartShownIncompleteAfterTimeout) {
  EXPECT_FALSE(mts_.Add(Part8(3, 3, 1, "first "), t0_).has_value());
  EXPECT_FALSE(mts_.Add(Part8(3, 3, 3, "third"), t0_).has_value());
  EXPECT_TRUE(mts_.Expire(t0_ + seconds(29)).empty());
  auto expired = mts_.Expire(t0_ + seconds(31));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].parts, 3);
  EXPECT_EQ(expired[0].parts_received, 2);
  EXPECT_NE(expired[0].text.find("first"), std::string::npos);
  EXPECT_NE(expired[0].text.find("third"), std::string::npos);
  EXPECT_EQ(mts_.pending(), 0u);
}

TEST_F(MtAssemblerTest, BinaryCodingShownAsANote) {
  auto shown = mts_.Add(Mt("254700000001", {0x01, 0x02, 0x03}, 0x04), t0_);
  ASSERT_TRUE(shown.has_value());
  EXPECT_EQ(shown->text, "[not text: 3 octets, data_coding 0x04]");
}

TEST_F(MtAssemblerTest, MalformedUdhShownAsANote) {
  smpp::SubmitSm sm = Mt("254700000001", {0x09, 0x00});  // UDHL beyond the data
  sm.esm_class = smpp::kEsmUdhi;
  auto shown = mts_.Add(sm, t0_);
  ASSERT_TRUE(shown.has_value());
  EXPECT_TRUE(shown->text.starts_with("[malformed user data: ")) << shown->text;
}

}  // namespace
}  // namespace smsgw::console
