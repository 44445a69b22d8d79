// Every modelled PDU survives Encode -> Decode, and the split between own code and libsmpp34
// agrees with libsmpp34 itself.
#include <gtest/gtest.h>

#include "gateway/smpp/decode.h"
#include "gateway/smpp/encode.h"
#include "gateway/smpp/libsmpp34_bridge.h"
#include "gateway/smpp/tlv.h"
#include "tests/smpp/pdu_bytes.h"

namespace smsgw::smpp {
namespace {

Pdu Make(PduBody body, uint32_t seq = 77, uint32_t status = 0) {
  Pdu p;
  p.body = std::move(body);
  p.sequence_number = seq;
  p.command_status = status;
  return p;
}

DeliverSm SampleDeliverSm() {
  DeliverSm d;
  d.service_type = "USSD";
  d.source = {1, 1, "255712345678"};
  d.destination = {0, 0, "15555"};
  d.data_coding = 8;
  d.registered_delivery = 1;
  d.short_message = {0x00, 0x48, 0x00, 0x69};
  d.tlvs.user_message_reference = 513;
  d.tlvs.its_session_info = 0x0102;
  d.tlvs.ussd_service_op = 1;
  d.tlvs.other.push_back({0x1401, {}});
  d.tlvs.other.push_back({tag::kNetworkErrorCode, {3, 0, 1}});
  return d;
}

SubmitSm SampleSubmitSm() {
  SubmitSm s;
  s.source = {5, 0, "PAYBANK"};
  s.destination = {1, 1, "255712345678"};
  s.esm_class = kEsmUdhi;
  s.registered_delivery = 1;
  s.validity_period = "000001000000000R";
  s.short_message = {0x05, 0x00, 0x03, 0x2A, 0x02, 0x01, 'H', 'i'};
  return s;
}

std::vector<Pdu> Samples() {
  std::vector<Pdu> v;
  v.push_back(
      Make(BindRequest{BindMode::kTransceiver, "smsgw", "secret", "PAY", 0x34, {1, 1, "^2557"}}));
  v.push_back(Make(BindRequest{BindMode::kTransmitter, "a", "", "", 0x34, {}}));
  v.push_back(Make(BindRequest{BindMode::kReceiver, "b", "p", "", 0x33, {}}));
  BindResponse br{BindMode::kTransceiver, "SMSC01", {}};
  br.tlvs.sc_interface_version = 0x34;
  v.push_back(Make(br));
  v.push_back(
      Make(BindResponse{BindMode::kReceiver, "", {}}, 2, ToWire(CommandStatus::kRInvPaswd)));
  v.push_back(Make(BindResponse{BindMode::kTransmitter, "X", {}}));
  v.push_back(Make(Unbind{}));
  v.push_back(Make(UnbindResp{}));
  v.push_back(Make(EnquireLink{}, 0x7FFFFFFF));
  v.push_back(Make(EnquireLinkResp{}));
  v.push_back(Make(GenericNack{}, 0, ToWire(CommandStatus::kRInvCmdId)));
  v.push_back(Make(SampleSubmitSm()));
  SubmitSm full = SampleSubmitSm();
  full.esm_class = 0;
  full.short_message.assign(254, 'x');
  v.push_back(Make(full));
  v.push_back(Make(SubmitSmResp{{"5F2A9C01", {}}}));
  v.push_back(Make(SubmitSmResp{}, 9, ToWire(CommandStatus::kRThrottled)));
  v.push_back(Make(SampleDeliverSm()));
  DeliverSm payload = SampleDeliverSm();
  payload.short_message.clear();
  payload.tlvs.message_payload = std::vector<uint8_t>(60000, 'a');
  payload.tlvs.sar_msg_ref_num = 300;
  payload.tlvs.sar_total_segments = 2;
  payload.tlvs.sar_segment_seqnum = 2;
  v.push_back(Make(payload));
  DeliverSm dlr;
  dlr.esm_class = kEsmDeliveryReceipt;
  dlr.tlvs.receipted_message_id = "5F2A9C01";
  dlr.tlvs.message_state = 2;
  v.push_back(Make(dlr));
  v.push_back(Make(DeliverSmResp{}));
  v.push_back(Make(DeliverSmResp{}, 5, ToWire(CommandStatus::kRxTAppn)));
  DataSm ds;
  ds.source = {1, 1, "255712345678"};
  ds.destination = {0, 1, "15555"};
  ds.data_coding = 3;
  ds.tlvs.message_payload = std::vector<uint8_t>(3000, 'z');
  v.push_back(Make(ds));
  DataSmResp dr;
  dr.message_id = "abc";
  dr.tlvs.other.push_back({tag::kDeliveryFailureReason, {1}});
  v.push_back(Make(dr));
  return v;
}

TEST(CodecRoundTripTest, EveryPduTypeSurvivesEncodeThenDecode) {
  for (const Pdu& pdu : Samples()) {
    SCOPED_TRACE(Describe(pdu));
    std::vector<uint8_t> bytes;
    ASSERT_TRUE(Encode(pdu, &bytes).ok());
    DecodeResult r = Decode(bytes);
    ASSERT_TRUE(r.ok()) << Describe(r.error);
    EXPECT_EQ(*r.pdu, pdu);
    // And back to the same bytes.
    std::vector<uint8_t> again;
    ASSERT_TRUE(Encode(*r.pdu, &again).ok());
    EXPECT_EQ(again, bytes);
  }
}

TEST(CodecRoundTripTest, KnownBytes) {
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(Encode(Make(EnquireLink{}, 0x01020304), &bytes).ok());
  EXPECT_EQ(bytes, (std::vector<uint8_t>{0, 0, 0, 16, 0, 0, 0, 0x15, 0, 0, 0, 0, 1, 2, 3, 4}));
  bytes.clear();
  ASSERT_TRUE(Encode(Make(DeliverSmResp{}, 9), &bytes).ok());
  EXPECT_EQ(bytes, (std::vector<uint8_t>{0, 0, 0, 17, 0x80, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 9, 0}));
}

TEST(CodecRoundTripTest, AppendResponseMatchesEncodeOfMakeResponse) {
  const uint32_t ids[] = {ToWire(CommandId::kDeliverSm),
                          ToWire(CommandId::kSubmitSm),
                          ToWire(CommandId::kEnquireLink),
                          ToWire(CommandId::kUnbind),
                          ToWire(CommandId::kDataSm),
                          ToWire(CommandId::kBindTransceiver),
                          ToWire(CommandId::kBindReceiver),
                          ToWire(CommandId::kBindTransmitter),
                          0x00000003u /* query_sm */};
  for (uint32_t id : ids) {
    for (uint32_t status : {0u, ToWire(CommandStatus::kRxTAppn)}) {
      SCOPED_TRACE(CommandName(id) + " " + std::to_string(status));
      std::vector<uint8_t> fast;
      AppendResponse(id, 1234, status, &fast);
      std::vector<uint8_t> slow;
      ASSERT_TRUE(Encode(MakeResponse(id, 1234, status), &slow).ok());
      EXPECT_EQ(fast, slow);
      EXPECT_TRUE(Decode(fast).ok());
    }
  }
}

TEST(CodecRoundTripTest, OwnShortMessageCodecAgreesWithLibsmpp34) {
  for (const Pdu& pdu : {Make(SampleSubmitSm()), Make(SampleDeliverSm())}) {
    SCOPED_TRACE(Describe(pdu));
    Pdu mandatory_only = pdu;
    std::visit(
        [](auto& b) {
          if constexpr (std::is_base_of_v<ShortMessagePdu, std::decay_t<decltype(b)>>) b.tlvs = {};
        },
        mandatory_only.body);
    std::vector<uint8_t> own;
    ASSERT_TRUE(Encode(mandatory_only, &own).ok());
    std::vector<uint8_t> lib;
    ASSERT_TRUE(libsmpp34::PackMandatory(mandatory_only, &lib));
    EXPECT_EQ(own, lib);

    PduBody body = mandatory_only.body;
    std::visit([](auto& b) { b = std::decay_t<decltype(b)>{}; }, body);
    ASSERT_FALSE(libsmpp34::UnpackMandatory(own, &body).has_value());
    EXPECT_EQ(body, mandatory_only.body);
  }
}

TEST(CodecRoundTripTest, OwnCodecCarries254OctetsThatLibsmpp34CannotPack) {
  SubmitSm s = SampleSubmitSm();
  s.esm_class = 0;
  s.short_message.assign(254, 'y');
  std::vector<uint8_t> lib;
  EXPECT_FALSE(libsmpp34::PackMandatory(Make(s), &lib));
  std::vector<uint8_t> own;
  EXPECT_TRUE(Encode(Make(s), &own).ok());
}

TEST(CodecRoundTripTest, EncodeRefusesRatherThanTruncates) {
  SubmitSm s = SampleSubmitSm();
  s.destination.value = std::string(21, '1');
  std::vector<uint8_t> out;
  EXPECT_TRUE(Encode(Make(s), &out).IsInvalidArgument());
  s = SampleSubmitSm();
  s.short_message.assign(255, 'a');
  EXPECT_TRUE(Encode(Make(s), &out).IsInvalidArgument());
  s = SampleSubmitSm();
  s.tlvs.message_payload = std::vector<uint8_t>{1};  // with a short_message too
  EXPECT_TRUE(Encode(Make(s), &out).IsInvalidArgument());
  s = SampleSubmitSm();
  s.tlvs.other.push_back({tag::kItsSessionInfo, {1}});  // typed tag among raw ones
  EXPECT_TRUE(Encode(Make(s), &out).IsInvalidArgument());
  s = SampleSubmitSm();
  s.tlvs.other.push_back({tag::kSourcePort, {1}});  // known width 2
  EXPECT_TRUE(Encode(Make(s), &out).IsInvalidArgument());
  BindRequest b{BindMode::kTransceiver, "sixteen-chars-xx", "", "", 0x34, {}};
  EXPECT_TRUE(Encode(Make(b), &out).IsInvalidArgument());
  b = BindRequest{BindMode::kTransceiver, "ok", "toolongpwd", "", 0x34, {}};
  EXPECT_TRUE(Encode(Make(b), &out).IsInvalidArgument());
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace smsgw::smpp
