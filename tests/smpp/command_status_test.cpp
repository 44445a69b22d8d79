#include "gateway/smpp/command_status.h"

#include <gtest/gtest.h>

namespace smsgw::smpp {
namespace {

TEST(CommandStatusTest, Names) {
  EXPECT_EQ(CommandStatusName(0), "ESME_ROK");
  EXPECT_EQ(CommandStatusName(0x58), "ESME_RTHROTTLED");
  EXPECT_EQ(CommandStatusName(0x64), "ESME_RX_T_APPN");
  EXPECT_EQ(CommandStatusName(0x401), "vendor status 0x00000401");
  EXPECT_EQ(CommandStatusName(0x09), "status 0x00000009");
}

TEST(CommandStatusTest, ThrottlingIsTemporaryAndMarked) {
  for (CommandStatus s : {CommandStatus::kRThrottled, CommandStatus::kRMsgQFul}) {
    StatusConsequence c = Classify(ToWire(s));
    EXPECT_EQ(c.status_class, StatusClass::kTemporary);
    EXPECT_TRUE(c.throttled);
  }
  EXPECT_FALSE(Classify(ToWire(CommandStatus::kRSysErr)).throttled);
}

TEST(CommandStatusTest, Classes) {
  EXPECT_EQ(Classify(0).status_class, StatusClass::kOk);
  for (CommandStatus s : {CommandStatus::kRxTAppn, CommandStatus::kRSysErr,
                          CommandStatus::kRSubmitFail, CommandStatus::kRUnknownErr}) {
    EXPECT_EQ(Classify(ToWire(s)).status_class, StatusClass::kTemporary) << ToWire(s);
  }
  for (CommandStatus s :
       {CommandStatus::kRInvDstAdr, CommandStatus::kRInvSrcAdr, CommandStatus::kRxPAppn,
        CommandStatus::kRxRAppn, CommandStatus::kRInvMsgLen, CommandStatus::kRInvEsmClass,
        CommandStatus::kRInvPaswd, CommandStatus::kRInvDstTon}) {
    EXPECT_EQ(Classify(ToWire(s)).status_class, StatusClass::kPermanent) << ToWire(s);
  }
  StatusConsequence bind = Classify(ToWire(CommandStatus::kRInvBndSts));
  EXPECT_EQ(bind.status_class, StatusClass::kTemporary);
  EXPECT_TRUE(bind.rebind);
  // Unknown and vendor codes: temporary, so a bounded retry decides rather than a silent drop.
  EXPECT_EQ(Classify(0x401).status_class, StatusClass::kTemporary);
  EXPECT_EQ(Classify(0x09).status_class, StatusClass::kTemporary);
}

}  // namespace
}  // namespace smsgw::smpp
