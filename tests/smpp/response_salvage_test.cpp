// SalvageSubmitResponse: the header of a submit_sm_resp or generic_nack that Decode refused,
// and what can be read of its message_id.
#include "gateway/smpp/response_salvage.h"

#include <gtest/gtest.h>

#include <string>

#include "gateway/smpp/decode.h"
#include "tests/smpp/pdu_bytes.h"

namespace smsgw::smpp {
namespace {

using smpp::testing::Bytes;

const uint32_t kSubmitSmResp = ToWire(CommandId::kSubmitSmResp);

TEST(ResponseSalvageTest, MessageIdWithoutNulRunsToTheEndOfTheBody) {
  const auto frame = Bytes().Raw("0BADF00D").AsPdu(kSubmitSmResp, 42, 0);
  ASSERT_FALSE(Decode(frame).ok());
  std::optional<Pdu> pdu = SalvageSubmitResponse(frame);
  ASSERT_TRUE(pdu.has_value());
  EXPECT_EQ(pdu->command_status, 0u);
  EXPECT_EQ(pdu->sequence_number, 42u);
  ASSERT_TRUE(std::holds_alternative<SubmitSmResp>(pdu->body));
  EXPECT_EQ(std::get<SubmitSmResp>(pdu->body).message_id, "0BADF00D");
}

TEST(ResponseSalvageTest, MessageIdIsCutAtItsSpecWidth) {
  const auto frame = Bytes().Raw(std::string(70, 'A')).AsPdu(kSubmitSmResp, 1, 0);
  ASSERT_FALSE(Decode(frame).ok());
  std::optional<Pdu> pdu = SalvageSubmitResponse(frame);
  ASSERT_TRUE(pdu.has_value());
  EXPECT_EQ(std::get<SubmitSmResp>(pdu->body).message_id, std::string(64, 'A'));
}

TEST(ResponseSalvageTest, UnreadableTlvsAreDropped) {
  for (const auto& frame : {
           Bytes().CStr("77").Tlv(0x0204, {1}).AsPdu(kSubmitSmResp, 3, 0),          // odd length
           Bytes().CStr("77").U16(0x1400).U16(9).U8(1).AsPdu(kSubmitSmResp, 3, 0),  // cut
       }) {
    ASSERT_FALSE(Decode(frame).ok());
    std::optional<Pdu> pdu = SalvageSubmitResponse(frame);
    ASSERT_TRUE(pdu.has_value());
    const auto& resp = std::get<SubmitSmResp>(pdu->body);
    EXPECT_EQ(resp.message_id, "77");
    EXPECT_TRUE(resp.tlvs.empty());
  }
}

TEST(ResponseSalvageTest, StatusComesFromTheHeader) {
  const uint32_t throttled = ToWire(CommandStatus::kRThrottled);
  std::optional<Pdu> pdu =
      SalvageSubmitResponse(Bytes().Raw("x").AsPdu(kSubmitSmResp, 5, throttled));
  ASSERT_TRUE(pdu.has_value());
  EXPECT_EQ(pdu->command_status, throttled);
  EXPECT_EQ(std::get<SubmitSmResp>(pdu->body).message_id, "x");

  pdu = SalvageSubmitResponse(Bytes().U32(1).AsPdu(ToWire(CommandId::kGenericNack), 6, 3));
  ASSERT_TRUE(pdu.has_value());
  EXPECT_TRUE(std::holds_alternative<GenericNack>(pdu->body));
  EXPECT_EQ(pdu->command_status, 3u);
  EXPECT_EQ(pdu->sequence_number, 6u);
}

TEST(ResponseSalvageTest, OtherCommandsAndShortFramesAreNotSalvaged) {
  EXPECT_FALSE(SalvageSubmitResponse(Bytes().U8(1).AsPdu(ToWire(CommandId::kBindTransceiverResp)))
                   .has_value());
  EXPECT_FALSE(
      SalvageSubmitResponse(Bytes().U8(1).AsPdu(ToWire(CommandId::kEnquireLinkResp))).has_value());
  const auto frame = Bytes().CStr("1").AsPdu(kSubmitSmResp);
  EXPECT_FALSE(SalvageSubmitResponse(std::span(frame).first(kHeaderSize - 1)).has_value());
}

}  // namespace
}  // namespace smsgw::smpp
