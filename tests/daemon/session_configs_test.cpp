// What one smpp.connections[] entry makes of its sessions and of the MTs sent on it.
#include "gateway/daemon/session_configs.h"

#include <gtest/gtest.h>

namespace smsgw::gateway {
namespace {

TEST(MtOptionsFor, CarriesTheConnectionsDcs0CharsetAndUssdMode) {
  conf::SmppConnection c;
  EXPECT_EQ(MtOptionsFor(c).text.dcs0, smpp::Dcs0Charset::kGsm7);
  EXPECT_EQ(MtOptionsFor(c).ussd_dialogue, conf::UssdDialogue::kItsSessionInfo);
  c.dcs0_charset = conf::Charset::kLatin1;
  c.ussd_dialogue = conf::UssdDialogue::kUserMessageReference;
  EXPECT_EQ(MtOptionsFor(c).text.dcs0, smpp::Dcs0Charset::kLatin1);
  EXPECT_EQ(MtOptionsFor(c).ussd_dialogue, conf::UssdDialogue::kUserMessageReference);
  c.dcs0_charset = conf::Charset::kUcs2;
  EXPECT_EQ(MtOptionsFor(c).text.dcs0, smpp::Dcs0Charset::kUcs2);
}

TEST(MtOptionsFor, CarriesTheConnectionsTonAndNpi) {
  conf::SmppConnection c;
  smpp::MtAddressing a = MtOptionsFor(c).addressing;
  EXPECT_EQ(a.Source("4040"), (smpp::Address{0, 1, "4040"}));
  EXPECT_EQ(a.Destination("2547"), (smpp::Address{1, 1, "2547"}));
  c.source_ton = 5;
  c.source_npi = 0;
  c.destination_ton = 2;
  c.destination_npi = 8;
  a = MtOptionsFor(c).addressing;
  EXPECT_EQ(a.Source("PAYBANK"), (smpp::Address{5, 0, "PAYBANK"}));
  EXPECT_EQ(a.Destination("0700100200"), (smpp::Address{2, 8, "0700100200"}));
}

TEST(MtOptionsFor, CarriesTheMessageIdBasesOfBothSides) {
  conf::SmppConnection c;
  EXPECT_EQ(MtOptionsFor(c).submit_id_base, smpp::MessageIdBase::kAsIs);
  EXPECT_EQ(ReceiptIdBaseFor(c), smpp::MessageIdBase::kAsIs);
  c.submit_id_base = conf::MessageIdBase::kHex;
  c.receipt_id_base = conf::MessageIdBase::kDecimal;
  EXPECT_EQ(MtOptionsFor(c).submit_id_base, smpp::MessageIdBase::kHex);
  EXPECT_EQ(ReceiptIdBaseFor(c), smpp::MessageIdBase::kDecimal);
  c.submit_id_base = conf::MessageIdBase::kDecimal;
  c.receipt_id_base = conf::MessageIdBase::kHex;
  EXPECT_EQ(MtOptionsFor(c).submit_id_base, smpp::MessageIdBase::kDecimal);
  EXPECT_EQ(ReceiptIdBaseFor(c), smpp::MessageIdBase::kHex);
}

}  // namespace
}  // namespace smsgw::gateway
