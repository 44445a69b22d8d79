#include "gateway/smpp/ussd.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/smpp/decode.h"
#include "gateway/smpp/encode.h"
#include "gateway/smpp/text_codec.h"
#include "gateway/smpp/tlv.h"
#include "tests/smpp/pdu_bytes.h"

namespace smsgw::smpp {
namespace {

using conf::UssdDialogue;

DeliverSm UssdMo(uint8_t op, const std::string& text) {
  DeliverSm d;
  d.service_type = "USSD";
  d.source = {1, 1, "255700000001"};
  d.destination = {0, 1, "384"};
  d.short_message.assign(text.begin(), text.end());
  d.tlvs.ussd_service_op = op;
  return d;
}

TEST(UssdReadTest, ItsSessionInfoNamesTheDialogueByItsSessionNumber) {
  DeliverSm open = UssdMo(ussd_op::kPssrIndication, "*384*12#");
  open.tlvs.its_session_info = 0x2A00;
  auto m = ReadUssd(open, UssdDialogue::kItsSessionInfo);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->kind, UssdKind::kOpen);
  EXPECT_EQ(m->dialogue, "42");
  EXPECT_EQ(m->sequence, 0);
  EXPECT_EQ(std::string(m->text.begin(), m->text.end()), "*384*12#");

  // The sequence number (bits 7-1 of octet 2) changes per unit; the dialogue stays the same.
  DeliverSm answer = UssdMo(ussd_op::kUssrConfirm, "1");
  answer.tlvs.its_session_info = 0x2A06;
  m = ReadUssd(answer, UssdDialogue::kItsSessionInfo);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind, UssdKind::kAnswer);
  EXPECT_EQ(m->dialogue, "42");
  EXPECT_EQ(m->sequence, 3) << "read so that a resend of this unit can be told from the next";

  answer.tlvs.its_session_info = 0x2AFE;
  m = ReadUssd(answer, UssdDialogue::kItsSessionInfo);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->sequence, 127);
}

TEST(UssdReadTest, EndBitOnAnMoIsTheNetworkReleasingTheDialogue) {
  DeliverSm release = UssdMo(ussd_op::kUssrConfirm, "");
  release.tlvs.its_session_info = 0x2A07;
  auto m = ReadUssd(release, UssdDialogue::kItsSessionInfo);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind, UssdKind::kAbort);
  EXPECT_EQ(m->dialogue, "42");
}

TEST(UssdReadTest, VendorReleaseAndAbortValuesInBothModes) {
  for (uint8_t op : {ussd_op::kVendorRelease, ussd_op::kVendorAbort}) {
    DeliverSm its = UssdMo(op, "");
    its.tlvs.its_session_info = 0x0100;
    auto m = ReadUssd(its, UssdDialogue::kItsSessionInfo);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->kind, UssdKind::kAbort);
    DeliverSm umr = UssdMo(op, "");
    umr.tlvs.user_message_reference = 700;
    m = ReadUssd(umr, UssdDialogue::kUserMessageReference);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->kind, UssdKind::kAbort);
    EXPECT_EQ(m->dialogue, "700");
  }
}

TEST(UssdReadTest, UserMessageReferenceModeIgnoresItsSessionInfo) {
  DeliverSm d = UssdMo(ussd_op::kPssrIndication, "*384#");
  d.tlvs.user_message_reference = 65535;
  d.tlvs.its_session_info = 0x0101;  // end bit: means nothing in this mode
  auto m = ReadUssd(d, UssdDialogue::kUserMessageReference);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind, UssdKind::kOpen);
  EXPECT_EQ(m->dialogue, "65535");
  EXPECT_FALSE(m->sequence.has_value()) << "this mode numbers no units";
}

TEST(UssdReadTest, Refusals) {
  DeliverSm no_op = UssdMo(0, "x");
  no_op.tlvs.ussd_service_op.reset();
  no_op.tlvs.its_session_info = 0x0100;
  EXPECT_FALSE(ReadUssd(no_op, UssdDialogue::kItsSessionInfo).ok());

  // Operations an ESME sends, not an MO, and vendor values with no known meaning.
  for (uint8_t op : {2, 3, 16, 17, 19, 4, 0x22, 0xFF}) {
    SCOPED_TRACE(op);
    DeliverSm d = UssdMo(op, "x");
    d.tlvs.its_session_info = 0x0100;
    EXPECT_FALSE(ReadUssd(d, UssdDialogue::kItsSessionInfo).ok());
  }

  DeliverSm no_session = UssdMo(ussd_op::kPssrIndication, "*1#");
  no_session.tlvs.user_message_reference = 5;
  EXPECT_FALSE(ReadUssd(no_session, UssdDialogue::kItsSessionInfo).ok());
  DeliverSm no_reference = UssdMo(ussd_op::kPssrIndication, "*1#");
  no_reference.tlvs.its_session_info = 0x0500;
  EXPECT_FALSE(ReadUssd(no_reference, UssdDialogue::kUserMessageReference).ok());

  DeliverSm udh = UssdMo(ussd_op::kPssrIndication, "\x05\x00\x03\x01\x02\x01x");
  udh.esm_class = kEsmUdhi;
  udh.tlvs.its_session_info = 0x0100;
  EXPECT_FALSE(ReadUssd(udh, UssdDialogue::kItsSessionInfo).ok());
}

TEST(UssdReadTest, TextFromMessagePayload) {
  DeliverSm d = UssdMo(ussd_op::kUssrConfirm, "");
  d.short_message.clear();
  d.tlvs.message_payload = std::vector<uint8_t>{'4', '2'};
  d.tlvs.its_session_info = 0x0300;
  auto m = ReadUssd(d, UssdDialogue::kItsSessionInfo);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->text, (std::vector<uint8_t>{'4', '2'}));
}

// The validator refuses an its_session_info of any length but 2 before a dialogue is read
// (libsmpp34 would read 2 octets whatever the length says and lose its place).
TEST(UssdReadTest, ItsSessionInfoOfAWrongLengthNeverReachesTheReader) {
  for (size_t len : {0u, 1u, 3u, 4u}) {
    SCOPED_TRACE(len);
    testing::Bytes body = testing::DeliverSmHead();
    body.U8(3).Raw("*1#");
    body.Tlv(tag::kUssdServiceOp, {1});
    body.Tlv(tag::kItsSessionInfo, std::vector<uint8_t>(len, 0x01));
    DecodeResult r = Decode(body.AsPdu(ToWire(CommandId::kDeliverSm), 7));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error.status, CommandStatus::kRInvParLen);
  }
}

TEST(UssdSubmitTest, AskingScreenInItsSessionInfoMode) {
  UssdScreen screen{"255700000001", "384", "42", "1. Pay bill\n2. Send money", false};
  auto sm = MakeUssdSubmit(screen, UssdDialogue::kItsSessionInfo);
  ASSERT_TRUE(sm.ok()) << sm.status().ToString();
  EXPECT_EQ(sm->service_type, "USSD");
  EXPECT_EQ(sm->source.value, "384");
  EXPECT_EQ(sm->destination.value, "255700000001");
  EXPECT_EQ(sm->tlvs.ussd_service_op, ussd_op::kUssrRequest);
  EXPECT_EQ(sm->tlvs.its_session_info, 0x2A00);
  EXPECT_FALSE(sm->tlvs.user_message_reference.has_value());
  EXPECT_EQ(sm->data_coding, kDcsDefault);
  auto text = DecodeText(sm->data_coding, sm->short_message);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, screen.text);
}

TEST(UssdSubmitTest, EndingScreenSetsTheEndBitOrEchoesTheReference) {
  UssdScreen screen{"255700000001", "384", "255", "Paid. Ref AB12", true};
  auto its = MakeUssdSubmit(screen, UssdDialogue::kItsSessionInfo);
  ASSERT_TRUE(its.ok());
  EXPECT_EQ(its->tlvs.ussd_service_op, ussd_op::kPssrResponse);
  EXPECT_EQ(its->tlvs.its_session_info, 0xFF01);

  screen.dialogue = "40000";
  auto umr = MakeUssdSubmit(screen, UssdDialogue::kUserMessageReference);
  ASSERT_TRUE(umr.ok());
  EXPECT_EQ(umr->tlvs.ussd_service_op, ussd_op::kPssrResponse);
  EXPECT_EQ(umr->tlvs.user_message_reference, 40000);
  EXPECT_FALSE(umr->tlvs.its_session_info.has_value());
}

// A screen answering the MO numbered n is unit n + 1 of the dialogue (7 bits: 127 comes round
// to 0), with the dialogue's session number and the end bit only on the last screen.
TEST(UssdSubmitTest, AScreenCarriesTheSequenceAfterTheMoItAnswers) {
  for (unsigned n = 0; n < 128; ++n) {
    SCOPED_TRACE(n);
    const unsigned next = n == 127 ? 0 : n + 1;
    EXPECT_EQ(ScreenSessionInfo(42, static_cast<uint8_t>(n), false), 0x2A00 | next << 1);
    EXPECT_EQ(ScreenSessionInfo(42, static_cast<uint8_t>(n), true), 0x2A00 | next << 1 | 1);
  }
  EXPECT_EQ(ScreenSessionInfo(255, 126, true), 0xFFFF);
  EXPECT_EQ(ScreenSessionInfo(0, 127, false), 0x0000);
  EXPECT_EQ(ScreenSessionInfo(7, std::nullopt, false), 0x0700) << "no number to follow: 0";
  EXPECT_EQ(ScreenSessionInfo(7, std::nullopt, true), 0x0701);
}

TEST(UssdSubmitTest, TheSubmitCarriesTheSequenceAfterTheAnsweredMo) {
  UssdScreen screen{"255700000001", "384", "42", "Enter amount", false, 4};
  auto asking = MakeUssdSubmit(screen, UssdDialogue::kItsSessionInfo);
  ASSERT_TRUE(asking.ok()) << asking.status().ToString();
  EXPECT_EQ(asking->tlvs.its_session_info, 0x2A0A);

  screen.answers = 127;
  screen.end = true;
  auto ending = MakeUssdSubmit(screen, UssdDialogue::kItsSessionInfo);
  ASSERT_TRUE(ending.ok());
  EXPECT_EQ(ending->tlvs.its_session_info, 0x2A01) << "127 comes round to 0, with the end bit";

  // Read back as the network reads it: the same session, the MO's number plus one.
  DeliverSm echo;
  echo.tlvs.ussd_service_op = ussd_op::kUssrConfirm;
  echo.tlvs.its_session_info = asking->tlvs.its_session_info;
  auto read = ReadUssd(echo, UssdDialogue::kItsSessionInfo);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->dialogue, "42");
  EXPECT_EQ(read->sequence, 5);

  screen.answers = 9;
  auto umr = MakeUssdSubmit(screen, UssdDialogue::kUserMessageReference);
  ASSERT_TRUE(umr.ok());
  EXPECT_FALSE(umr->tlvs.its_session_info.has_value()) << "that mode numbers nothing";
  EXPECT_EQ(umr->tlvs.user_message_reference, 42);
}

TEST(UssdSubmitTest, DialogueIdsTheModeCannotCarryAreRefused) {
  UssdScreen screen{"255700000001", "384", "256", "x", false};
  EXPECT_FALSE(MakeUssdSubmit(screen, UssdDialogue::kItsSessionInfo).ok());
  EXPECT_TRUE(MakeUssdSubmit(screen, UssdDialogue::kUserMessageReference).ok());
  for (const char* bad : {"", "-1", "65536", "12a", " 1"}) {
    screen.dialogue = bad;
    EXPECT_FALSE(MakeUssdSubmit(screen, UssdDialogue::kUserMessageReference).ok()) << bad;
  }
}

TEST(UssdSubmitTest, OneScreenAtMost182CharactersNeverSegmented) {
  UssdScreen screen{"255700000001", "384", "1", std::string(182, 'a'), false};
  auto gsm = MakeUssdSubmit(screen, UssdDialogue::kItsSessionInfo);
  ASSERT_TRUE(gsm.ok());
  EXPECT_EQ(gsm->short_message.size(), 182u);
  EXPECT_EQ(gsm->esm_class, 0);
  screen.text += "a";
  EXPECT_FALSE(MakeUssdSubmit(screen, UssdDialogue::kItsSessionInfo).ok());
  // An extension character costs two septets.
  screen.text = std::string(181, 'a') + "{";
  EXPECT_FALSE(MakeUssdSubmit(screen, UssdDialogue::kItsSessionInfo).ok());
}

TEST(UssdSubmitTest, Ucs2WhenGsmCannotHoldItAndPayloadWhenLong) {
  UssdScreen screen{"255700000001", "384", "1", "Salio 平安", false};
  auto short_one = MakeUssdSubmit(screen, UssdDialogue::kItsSessionInfo);
  ASSERT_TRUE(short_one.ok());
  EXPECT_EQ(short_one->data_coding, kDcsUcs2);
  EXPECT_FALSE(short_one->tlvs.message_payload.has_value());

  std::string long_text;
  for (int i = 0; i < 150; ++i) long_text += "平";
  screen.text = long_text;
  auto long_one = MakeUssdSubmit(screen, UssdDialogue::kItsSessionInfo);
  ASSERT_TRUE(long_one.ok());
  EXPECT_TRUE(long_one->short_message.empty());
  ASSERT_TRUE(long_one->tlvs.message_payload.has_value());
  EXPECT_EQ(long_one->tlvs.message_payload->size(), 300u);
  auto text = DecodeText(kDcsUcs2, *long_one->tlvs.message_payload);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, long_text);

  // What goes on the wire passes the gateway's own validator.
  Pdu pdu;
  pdu.sequence_number = 3;
  pdu.body = *long_one;
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(Encode(pdu, &bytes).ok());
  DecodeResult back = Decode(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::get<SubmitSm>(back.pdu->body), *long_one);

  screen.text = "\xff";
  EXPECT_FALSE(MakeUssdSubmit(screen, UssdDialogue::kItsSessionInfo).ok());
}

TEST(UssdSubmitTest, TextIsWrittenInTheConnectionsDcs0Charset) {
  UssdScreen screen{"255700000001", "384", "1", "@ $1", false};
  auto gsm = MakeUssdSubmit(screen, UssdDialogue::kItsSessionInfo);
  ASSERT_TRUE(gsm.ok());
  EXPECT_EQ(gsm->data_coding, kDcsDefault);
  EXPECT_EQ(gsm->short_message, (std::vector<uint8_t>{0x00, ' ', 0x02, '1'}));

  auto latin1 =
      MakeUssdSubmit(screen, UssdDialogue::kItsSessionInfo, TextOptions{Dcs0Charset::kLatin1});
  ASSERT_TRUE(latin1.ok());
  EXPECT_EQ(latin1->data_coding, kDcsDefault);
  EXPECT_EQ(latin1->short_message, (std::vector<uint8_t>{0x40, ' ', 0x24, '1'}));

  auto ucs2 =
      MakeUssdSubmit(screen, UssdDialogue::kItsSessionInfo, TextOptions{Dcs0Charset::kUcs2});
  ASSERT_TRUE(ucs2.ok());
  EXPECT_EQ(ucs2->data_coding, kDcsUcs2);
  EXPECT_EQ(ucs2->short_message, (std::vector<uint8_t>{0, 0x40, 0, ' ', 0, 0x24, 0, '1'}));
}

TEST(UssdSubmitTest, AddressesFollowTheConnectionsTonAndNpi) {
  UssdScreen screen{"255700000001", "384", "1", "Menu", false};
  auto plain = MakeUssdSubmit(screen, UssdDialogue::kItsSessionInfo);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->source, (Address{0, 1, "384"}));
  EXPECT_EQ(plain->destination, (Address{1, 1, "255700000001"}));

  auto set = MakeUssdSubmit(screen, UssdDialogue::kItsSessionInfo, {}, MtAddressing{6, 9, 4, 6});
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->source, (Address{6, 9, "384"}));
  EXPECT_EQ(set->destination, (Address{4, 6, "255700000001"}));
}

}  // namespace
}  // namespace smsgw::smpp
