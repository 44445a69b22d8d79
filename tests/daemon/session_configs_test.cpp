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

}  // namespace
}  // namespace smsgw::gateway
