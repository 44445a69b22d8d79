// Every refusal of the validator: the status it earns, the reply it gets, and that the session
// may go on.
#include <gtest/gtest.h>

#include "gateway/smpp/decode.h"
#include "gateway/smpp/encode.h"
#include "gateway/smpp/tlv.h"
#include "tests/smpp/pdu_bytes.h"

namespace smsgw::smpp {
namespace {

using testing::AppendTlv;
using testing::Bytes;
using testing::DeliverSmHead;

constexpr uint32_t kDeliver = ToWire(CommandId::kDeliverSm);

std::vector<uint8_t> DeliverSmWith(const std::vector<uint8_t>& text, uint8_t esm_class = 0) {
  Bytes b = DeliverSmHead(esm_class);
  b.U8(static_cast<uint8_t>(text.size())).Raw(text);
  return b.AsPdu(kDeliver, 11);
}

void ExpectRefused(const std::vector<uint8_t>& pdu, CommandStatus status,
                   ErrorReply reply = ErrorReply::kResponse) {
  DecodeResult r = Decode(pdu);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.status, status) << Describe(r.error);
  EXPECT_EQ(r.error.reply, reply) << Describe(r.error);
  EXPECT_FALSE(r.error.fatal);
  EXPECT_FALSE(r.error.reason.empty());
}

TEST(DecodeRefusalTest, WellFormedDeliverSmIsAccepted) {
  DecodeResult r = Decode(DeliverSmWith({'h', 'i'}));
  ASSERT_TRUE(r.ok()) << Describe(r.error);
  const auto& d = std::get<DeliverSm>(r.pdu->body);
  EXPECT_EQ(d.source.value, "255700000001");
  EXPECT_EQ(d.destination.value, "15555");
  EXPECT_EQ(d.short_message, (std::vector<uint8_t>{'h', 'i'}));
  EXPECT_EQ(r.pdu->sequence_number, 11u);
}

TEST(DecodeRefusalTest, EightyZeroLengthVendorTlvsAnsweredWithAnError) {
  std::vector<uint8_t> pdu = DeliverSmWith({'h', 'i'});
  for (int i = 0; i < 80; ++i) AppendTlv(&pdu, 0x1400, {});
  DecodeResult r = Decode(pdu);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.status, CommandStatus::kRInvOptParStream);
  EXPECT_FALSE(r.error.fatal);
  std::optional<Pdu> reply = ErrorResponse(r.error);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->command_id(), ToWire(CommandId::kDeliverSmResp));
  EXPECT_EQ(reply->sequence_number, 11u);
  EXPECT_EQ(reply->command_status, ToWire(CommandStatus::kRInvOptParStream));
}

TEST(DecodeRefusalTest, TlvCountCapIsInclusiveAndConfigurable) {
  std::vector<uint8_t> pdu = DeliverSmWith({});
  for (int i = 0; i < 32; ++i) AppendTlv(&pdu, 0x1400, {});
  EXPECT_TRUE(Decode(pdu).ok());
  AppendTlv(&pdu, 0x1400, {});
  ExpectRefused(pdu, CommandStatus::kRInvOptParStream);
  DecodeOptions wide;
  wide.max_tlvs = 100;
  DecodeResult r = Decode(pdu, wide);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<DeliverSm>(r.pdu->body).tlvs.other.size(), 33u);
}

TEST(DecodeRefusalTest, ItsSessionInfoOfLengthOneRefused) {
  std::vector<uint8_t> pdu = DeliverSmWith({'1'});
  AppendTlv(&pdu, tag::kItsSessionInfo, {0x01});
  ExpectRefused(pdu, CommandStatus::kRInvParLen);
  std::vector<uint8_t> ok = DeliverSmWith({'1'});
  AppendTlv(&ok, tag::kItsSessionInfo, {0x01, 0x02});
  DecodeResult r = Decode(ok);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<DeliverSm>(r.pdu->body).tlvs.its_session_info, 0x0102);
}

TEST(DecodeRefusalTest, KnownTagsAtTheWrongWidthRefused) {
  const std::pair<uint16_t, size_t> cases[] = {
      {tag::kSarMsgRefNum, 1}, {tag::kSarTotalSegments, 2}, {tag::kUserMessageReference, 3},
      {tag::kMessageState, 0}, {tag::kUssdServiceOp, 2},    {tag::kNetworkErrorCode, 2},
      {tag::kSourcePort, 4},   {tag::kQosTimeToLive, 2},    {tag::kReceiptedMessageId, 66},
      {tag::kCallbackNum, 3},  {tag::kSourceSubaddress, 1}, {tag::kAdditionalStatusInfoText, 0},
  };
  for (auto [t, len] : cases) {
    SCOPED_TRACE(t);
    std::vector<uint8_t> pdu = DeliverSmWith({});
    AppendTlv(&pdu, t, std::vector<uint8_t>(len, '7'));
    ExpectRefused(pdu, CommandStatus::kRInvParLen);
  }
}

TEST(DecodeRefusalTest, TlvCutByTheEndOfThePdu) {
  std::vector<uint8_t> pdu = DeliverSmWith({});
  AppendTlv(&pdu, 0x1400, {1, 2, 3, 4});
  pdu.erase(pdu.end() - 2, pdu.end());  // value cut
  pdu[3] = static_cast<uint8_t>(pdu.size());
  ExpectRefused(pdu, CommandStatus::kRInvOptParStream);
  std::vector<uint8_t> header_cut = DeliverSmWith({});
  header_cut.push_back(0x14);
  header_cut.push_back(0x00);
  header_cut.push_back(0x00);
  header_cut[3] = static_cast<uint8_t>(header_cut.size());
  ExpectRefused(header_cut, CommandStatus::kRInvOptParStream);
}

TEST(DecodeRefusalTest, RepeatedTypedTlvRefused) {
  std::vector<uint8_t> pdu = DeliverSmWith({'a'});
  AppendTlv(&pdu, tag::kUserMessageReference, {0, 1});
  AppendTlv(&pdu, tag::kUserMessageReference, {0, 2});
  ExpectRefused(pdu, CommandStatus::kRInvOptParStream);
}

TEST(DecodeRefusalTest, SarTlvsMustBeCompleteAndConsistent) {
  std::vector<uint8_t> partial = DeliverSmWith({'a'});
  AppendTlv(&partial, tag::kSarMsgRefNum, {0, 1});
  AppendTlv(&partial, tag::kSarTotalSegments, {2});
  ExpectRefused(partial, CommandStatus::kRMissingOptParam);
  std::vector<uint8_t> beyond = partial;
  AppendTlv(&beyond, tag::kSarSegmentSeqnum, {3});
  ExpectRefused(beyond, CommandStatus::kRInvOptParamVal);
  std::vector<uint8_t> zero = partial;
  AppendTlv(&zero, tag::kSarSegmentSeqnum, {0});
  ExpectRefused(zero, CommandStatus::kRInvOptParamVal);
  std::vector<uint8_t> good = partial;
  AppendTlv(&good, tag::kSarSegmentSeqnum, {2});
  EXPECT_TRUE(Decode(good).ok());
}

TEST(DecodeRefusalTest, ReceiptedMessageIdWithOrWithoutNul) {
  std::vector<uint8_t> with = DeliverSmWith({}, kEsmDeliveryReceipt);
  AppendTlv(&with, tag::kReceiptedMessageId, {'A', 'B', 0});
  std::vector<uint8_t> without = DeliverSmWith({}, kEsmDeliveryReceipt);
  AppendTlv(&without, tag::kReceiptedMessageId, {'A', 'B'});
  for (const auto& pdu : {with, without}) {
    DecodeResult r = Decode(pdu);
    ASSERT_TRUE(r.ok()) << Describe(r.error);
    EXPECT_EQ(std::get<DeliverSm>(r.pdu->body).tlvs.receipted_message_id, "AB");
  }
  std::vector<uint8_t> inner_nul = DeliverSmWith({}, kEsmDeliveryReceipt);
  AppendTlv(&inner_nul, tag::kReceiptedMessageId, {'A', 0, 'B', 0});
  ExpectRefused(inner_nul, CommandStatus::kRInvOptParamVal);
}

TEST(DecodeRefusalTest, MessagePayloadBeyondLibsmpp34LimitAccepted) {
  std::vector<uint8_t> pdu = DeliverSmWith({});
  AppendTlv(&pdu, tag::kMessagePayload, std::vector<uint8_t>(65535, 'p'));
  DecodeResult r = Decode(pdu);
  ASSERT_TRUE(r.ok()) << Describe(r.error);
  EXPECT_EQ(std::get<DeliverSm>(r.pdu->body).tlvs.message_payload->size(), 65535u);
}

TEST(DecodeRefusalTest, ShortMessageAndMessagePayloadTogetherRefused) {
  std::vector<uint8_t> pdu = DeliverSmWith({'x'});
  AppendTlv(&pdu, tag::kMessagePayload, {'y'});
  ExpectRefused(pdu, CommandStatus::kRInvMsgLen);
}

TEST(DecodeRefusalTest, SmLengthInconsistent) {
  Bytes over = DeliverSmHead();
  over.U8(10).Raw("abc");
  ExpectRefused(over.AsPdu(kDeliver), CommandStatus::kRInvMsgLen);
  Bytes b255 = DeliverSmHead();
  b255.U8(255).Raw(std::string(255, 'a'));
  ExpectRefused(b255.AsPdu(kDeliver), CommandStatus::kRInvMsgLen);
  Bytes missing = DeliverSmHead();  // ends before sm_length
  ExpectRefused(missing.AsPdu(kDeliver), CommandStatus::kRInvCmdLen);
}

TEST(DecodeRefusalTest, UnterminatedOrOverlongCStrings) {
  // service_type of 6 characters: no NUL within its width of 6.
  Bytes st;
  st.CStr("ABCDEF").U8(1).U8(1).CStr("1").U8(0).U8(0).CStr("2");
  ExpectRefused(st.AsPdu(kDeliver), CommandStatus::kRInvSerTyp);
  Bytes src;
  src.CStr("").U8(1).U8(1).CStr(std::string(21, '9')).U8(0).U8(0).CStr("2");
  ExpectRefused(src.AsPdu(kDeliver), CommandStatus::kRInvSrcAdr);
  Bytes dst;
  dst.CStr("").U8(1).U8(1).CStr("1").U8(0).U8(0).CStr(std::string(25, '9'));
  ExpectRefused(dst.AsPdu(kDeliver), CommandStatus::kRInvDstAdr);
  // Body ends inside source_addr: no NUL at all.
  Bytes cut;
  cut.CStr("").U8(1).U8(1).Raw("2557");
  ExpectRefused(cut.AsPdu(kDeliver), CommandStatus::kRInvCmdLen);
  // deliver_sm times must be NULL.
  Bytes sched;
  sched.CStr("").U8(1).U8(1).CStr("1").U8(0).U8(0).CStr("2").U8(0).U8(0).U8(0);
  sched.CStr("260101000000000+").CStr("").U8(0).U8(0).U8(0).U8(0).U8(0);
  ExpectRefused(sched.AsPdu(kDeliver), CommandStatus::kRInvSched);
}

TEST(DecodeRefusalTest, SubmitSmTimesMustBeSixteenCharacters) {
  Bytes b;
  b.CStr("").U8(1).U8(1).CStr("1").U8(0).U8(0).CStr("2").U8(0).U8(0).U8(0);
  b.CStr("").CStr("12345").U8(0).U8(0).U8(0).U8(0).U8(0);
  ExpectRefused(b.AsPdu(ToWire(CommandId::kSubmitSm)), CommandStatus::kRInvExpiry);
}

TEST(DecodeRefusalTest, UdhiWithMalformedUdhRefused) {
  ExpectRefused(DeliverSmWith({0x09, 0x00, 0x03, 1, 2, 1, 'a'}, kEsmUdhi),
                CommandStatus::kRInvEsmClass);
  ExpectRefused(DeliverSmWith({}, kEsmUdhi), CommandStatus::kRInvEsmClass);
  ExpectRefused(DeliverSmWith({0x03, 0x00, 0x03, 1, 2}, kEsmUdhi), CommandStatus::kRInvEsmClass);
  EXPECT_TRUE(Decode(DeliverSmWith({0x05, 0x00, 0x03, 1, 2, 1, 'a'}, kEsmUdhi)).ok());
}

TEST(DecodeRefusalTest, HeaderOnlyPdusMustHaveNoBody) {
  ExpectRefused(Bytes().U8(0).AsPdu(ToWire(CommandId::kEnquireLink)), CommandStatus::kRInvCmdLen);
  ExpectRefused(Bytes().U8(0).AsPdu(ToWire(CommandId::kUnbindResp)), CommandStatus::kRInvCmdLen,
                ErrorReply::kNone);
}

TEST(DecodeRefusalTest, UnknownCommandIdGetsGenericNackAndTheSessionGoesOn) {
  for (uint32_t id : {0x00000003u /* query_sm */, 0x00000042u, 0x00010200u}) {
    DecodeResult r = Decode(Bytes().U32(1).AsPdu(id, 5));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error.status, CommandStatus::kRInvCmdId);
    EXPECT_EQ(r.error.reply, ErrorReply::kGenericNack);
    EXPECT_FALSE(r.error.fatal);
    std::optional<Pdu> nack = ErrorResponse(r.error);
    ASSERT_TRUE(nack.has_value());
    EXPECT_EQ(nack->command_id(), ToWire(CommandId::kGenericNack));
    EXPECT_EQ(nack->sequence_number, 5u);
  }
}

// A response is never answered (SMPP 3.4): an unknown one gets no generic_nack, whose
// sequence number may be that of a request still waiting for its own response.
TEST(DecodeRefusalTest, UnknownResponseIsNeverAnswered) {
  for (uint32_t id : {0x80000003u /* query_sm_resp */, 0x80000007u /* replace_sm_resp */,
                      0x80000042u, 0x80010200u}) {
    DecodeResult r = Decode(Bytes().U32(1).AsPdu(id, 5, ToWire(CommandStatus::kRSysErr)));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error.command_id, id);
    EXPECT_EQ(r.error.sequence_number, 5u);
    EXPECT_EQ(r.error.command_status, ToWire(CommandStatus::kRSysErr));
    EXPECT_EQ(r.error.status, CommandStatus::kRInvCmdId);
    EXPECT_EQ(r.error.reply, ErrorReply::kNone);
    EXPECT_FALSE(r.error.fatal);
    EXPECT_FALSE(ErrorResponse(r.error).has_value());
  }
}

TEST(DecodeRefusalTest, FrameLengthMismatchIsFatal) {
  std::vector<uint8_t> pdu = Bytes().AsPdu(ToWire(CommandId::kEnquireLink));
  pdu.push_back(0);
  DecodeResult r = Decode(pdu);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error.fatal);
  EXPECT_EQ(r.error.status, CommandStatus::kRInvCmdLen);
  EXPECT_FALSE(Decode(std::span<const uint8_t>(pdu).first(10)).ok());
}

TEST(DecodeRefusalTest, MalformedResponsesAreNotAnswered) {
  ExpectRefused(Bytes().Raw(std::string(70, 'A')).AsPdu(ToWire(CommandId::kSubmitSmResp)),
                CommandStatus::kRInvMsgId, ErrorReply::kNone);
  ExpectRefused(Bytes().Raw(std::string(20, 'A')).AsPdu(ToWire(CommandId::kBindTransceiverResp)),
                CommandStatus::kRInvSysId, ErrorReply::kNone);
}

TEST(DecodeRefusalTest, ResponsesWithoutBodyAccepted) {
  for (CommandId id : {CommandId::kSubmitSmResp, CommandId::kDeliverSmResp, CommandId::kDataSmResp,
                       CommandId::kBindTransceiverResp}) {
    DecodeResult r = Decode(Bytes().AsPdu(ToWire(id), 3, ToWire(CommandStatus::kRInvPaswd)));
    EXPECT_TRUE(r.ok()) << CommandName(ToWire(id));
  }
}

TEST(DecodeRefusalTest, BindFieldsValidatedBeforeLibsmpp34) {
  const uint32_t bind = ToWire(CommandId::kBindTransceiver);
  ExpectRefused(Bytes()
                    .CStr(std::string(16, 's'))
                    .CStr("")
                    .CStr("")
                    .U8(0x34)
                    .U8(0)
                    .U8(0)
                    .CStr("")
                    .AsPdu(bind),
                CommandStatus::kRInvSysId);
  ExpectRefused(
      Bytes().CStr("s").CStr("password1").CStr("").U8(0x34).U8(0).U8(0).CStr("").AsPdu(bind),
      CommandStatus::kRInvPaswd);
  ExpectRefused(Bytes().CStr("s").CStr("p").CStr("").U8(0x34).U8(9).U8(0).CStr("").AsPdu(bind),
                CommandStatus::kRBindFail);
  ExpectRefused(
      Bytes().CStr("s").CStr("p").CStr("").U8(0x34).U8(0).U8(0).CStr("").U8(0).AsPdu(bind),
      CommandStatus::kRInvCmdLen);
  DecodeResult old =
      Decode(Bytes().CStr("s").CStr("p").CStr("").U8(0x33).U8(0).U8(0).CStr("").AsPdu(bind));
  ASSERT_TRUE(old.ok()) << Describe(old.error);
  EXPECT_EQ(std::get<BindRequest>(old.pdu->body).interface_version, 0x33);
}

TEST(DecodeRefusalTest, DataSmTonNpiOutsideTheSpecRefused) {
  const uint32_t data_sm = ToWire(CommandId::kDataSm);
  ExpectRefused(
      Bytes().CStr("").U8(1).U8(2).CStr("1").U8(0).U8(0).CStr("2").U8(0).U8(0).U8(0).AsPdu(data_sm),
      CommandStatus::kRInvSrcNpi);
  ExpectRefused(
      Bytes().CStr("").U8(1).U8(1).CStr("1").U8(7).U8(0).CStr("2").U8(0).U8(0).U8(0).AsPdu(data_sm),
      CommandStatus::kRInvDstTon);
}

TEST(DecodeRefusalTest, SequenceZeroAndUnknownStatusStillDecode) {
  // libsmpp34 refuses both in a header; the bridge hides that.
  DecodeResult r =
      Decode(Bytes().CStr("SMSC").AsPdu(ToWire(CommandId::kBindTransceiverResp), 0, 0x00000401));
  ASSERT_TRUE(r.ok()) << Describe(r.error);
  EXPECT_EQ(r.pdu->sequence_number, 0u);
  EXPECT_EQ(r.pdu->command_status, 0x401u);
  EXPECT_EQ(std::get<BindResponse>(r.pdu->body).system_id, "SMSC");
}

}  // namespace
}  // namespace smsgw::smpp
