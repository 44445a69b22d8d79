// What the console prints: MT lines for the current and other phones, the phone list and the
// banner built from the demo data that is seeded.
#include "tests/support/phone_console_text.h"

#include <gtest/gtest.h>

namespace smsgw::console {
namespace {

using store::AccountKind;
using store::DemoAccount;

ShownMt Mt(std::string to, std::string text) {
  return ShownMt{"20555", std::move(to), std::move(text)};
}

TEST(Prompt, NamesThePhone) {
  EXPECT_EQ(Prompt("254700000001"), "phone 254700000001> ");
}

TEST(FormatMt, CurrentPhoneShowsOnlyTheSender) {
  EXPECT_EQ(FormatMt(Mt("254700000001", "Paid."), "254700000001"), "  <- 20555: Paid.");
}

TEST(FormatMt, OtherPhoneIsNamed) {
  EXPECT_EQ(FormatMt(Mt("254700000002", "You received KES 500.00."), "254700000001"),
            "  <- 20555 to 254700000002: You received KES 500.00.");
}

TEST(FormatMt, LaterLinesIndentedUnderTheText) {
  EXPECT_EQ(FormatMt(Mt("254700000001", "Last 2:\r\n1 PAY\n2 SEND"), "254700000001"),
            "  <- 20555: Last 2:\n"
            "            1 PAY\n"
            "            2 SEND");
}

TEST(FormatMt, IncompleteMessageSaysSo) {
  ShownMt mt = Mt("254700000001", "first");
  mt.parts = 3;
  mt.parts_received = 2;
  EXPECT_EQ(FormatMt(mt, "254700000001"), "  <- 20555: first [incomplete: 2 of 3 parts]");
}

std::vector<DemoAccount> SmallDemo() {
  using By = store::AccountRef::By;
  return {
      {{AccountKind::kSubscriber, "", "255711000001", "ZURI", "2000000001", 0},
       {By::kAccountNumber, "2000000001"},
       250'000,
       true},
      {{AccountKind::kSubscriber, "", "", "ENZI", "2000000009", 0},
       {By::kAccountNumber, "2000000009"},
       0,
       true},
      {{AccountKind::kAgent, "777777", "255711000100", "DUKA", "", 0},
       {By::kAgentNumber, "777777"},
       100,
       true},
      {{AccountKind::kBiller, "WATER", "", "City Water", "", 0}, {By::kBiller, "WATER"}, 0, false},
  };
}

TEST(DemoPhones, SubscribersAgentsThenAPhoneWithoutAccount) {
  const std::vector<DemoPhone> phones = DemoPhones(SmallDemo());
  ASSERT_EQ(phones.size(), 3u);
  EXPECT_EQ(phones[0].msisdn, "255711000001");
  EXPECT_EQ(phones[0].detail, "account 2000000001");
  EXPECT_EQ(phones[0].balance, "KES 2,500.00");
  EXPECT_EQ(phones[1].msisdn, "255711000100");
  EXPECT_EQ(phones[1].detail, "agent 777777");
  EXPECT_EQ(phones[1].balance, "KES 1.00");
  EXPECT_EQ(phones[2].msisdn, "255711000002");  // after the last subscriber's number
  EXPECT_NE(phones[2].detail.find("REG 2000000009"), std::string::npos);
}

TEST(FormatPhones, MarksTheCurrentPhone) {
  const std::string list = FormatPhones(DemoPhones(SmallDemo()), "255711000100");
  EXPECT_NE(list.find("  255711000001  ZURI"), std::string::npos) << list;
  EXPECT_NE(list.find("* 255711000100  DUKA"), std::string::npos) << list;
}

TEST(Banner, ExamplesComeFromTheData) {
  const std::vector<DemoAccount> demo = SmallDemo();
  const std::string banner = Banner({"127.0.0.1:2775", "15555", "255711000001", &demo});
  EXPECT_NE(banner.find("127.0.0.1:2775"), std::string::npos);
  EXPECT_NE(banner.find("to 15555"), std::string::npos);
  EXPECT_NE(banner.find("PAY WATER 123456 1500"), std::string::npos) << banner;
  EXPECT_NE(banner.find("WITHDRAW 777777 1000"), std::string::npos) << banner;
  EXPECT_NE(banner.find("WATER (City Water)"), std::string::npos) << banner;
  // One subscriber with a phone: no SEND example to a second one.
  EXPECT_EQ(banner.find("SEND "), std::string::npos) << banner;
  EXPECT_NE(banner.find("/as MSISDN"), std::string::npos);
}

// The banner a newcomer sees lists every seeded phone and billers, and the PIN they have.
TEST(Banner, ShowsEverySeededPhoneAndTheDemoPin) {
  const auto& demo = store::DemoAccounts();
  const std::string banner = Banner({"127.0.0.1:2775", "20555", "254700000001", &demo});
  for (const DemoAccount& a : demo) {
    const std::string& id = a.account.msisdn.empty() ? a.account.handle : a.account.msisdn;
    if (id.empty()) continue;
    EXPECT_NE(banner.find(id), std::string::npos) << id;
  }
  EXPECT_NE(banner.find("PIN is " + std::string(store::kDemoPin)), std::string::npos);
  EXPECT_NE(banner.find("* 254700000001"), std::string::npos);
}

TEST(FormatUssdScreen, LinesIndentedAndTheEndSaid) {
  EXPECT_EQ(FormatUssdScreen("384", "1. Pay bill\n2. Balance", false),
            "  [USSD 384] 1. Pay bill\n"
            "             2. Balance");
  EXPECT_EQ(FormatUssdScreen("384", "Paid.", true),
            "  [USSD 384] Paid.\n"
            "  [USSD session ended]");
}

TEST(ConsoleHelp, ShowsHowToDialUssd) {
  EXPECT_NE(ConsoleHelp().find("*384*12#"), std::string::npos);
  EXPECT_NE(ConsoleHelp().find("/cancel"), std::string::npos);
}

}  // namespace
}  // namespace smsgw::console
