// ParseConsoleLine: SMS text versus console commands, table-driven.
#include "tests/support/phone_console_input.h"

#include <gtest/gtest.h>

namespace smsgw::console {
namespace {

using Kind = ConsoleInput::Kind;

struct Case {
  const char* line;
  Kind kind;
  const char* text;
};

class ParseConsoleLineTest : public ::testing::TestWithParam<Case> {};

TEST_P(ParseConsoleLineTest, Classifies) {
  const Case& c = GetParam();
  const ConsoleInput got = ParseConsoleLine(c.line);
  EXPECT_EQ(got.kind, c.kind) << c.line;
  if (c.kind != Kind::kError) {
    EXPECT_EQ(got.text, c.text) << c.line;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Lines, ParseConsoleLineTest,
    ::testing::Values(Case{"", Kind::kNothing, ""}, Case{"   \t", Kind::kNothing, ""},
                      Case{"\r", Kind::kNothing, ""},
                      Case{"PAY KPLC 123456 1500", Kind::kMessage, "PAY KPLC 123456 1500"},
                      Case{"BAL\r", Kind::kMessage, "BAL"},
                      Case{"  bal  ", Kind::kMessage, "  bal  "},  // sent as typed
                      Case{"Habari 😀", Kind::kMessage, "Habari 😀"},
                      Case{"//as 254700000002", Kind::kMessage, "/as 254700000002"},
                      Case{"/as 254700000002", Kind::kSwitchPhone, "254700000002"},
                      Case{"/AS   +254700000003  ", Kind::kSwitchPhone, "254700000003"},
                      Case{"/phones", Kind::kListPhones, ""}, Case{"/help", Kind::kHelp, ""},
                      Case{"/?", Kind::kHelp, ""}, Case{" /quit ", Kind::kQuit, ""},
                      Case{"/exit", Kind::kQuit, ""}, Case{"*384*12#", Kind::kDialUssd, "*384*12#"},
                      Case{"  *384#  ", Kind::kDialUssd, "*384#"},
                      Case{"/ussd *384*1*0712345678*500#", Kind::kDialUssd,
                           "*384*1*0712345678*500#"},
                      Case{"/cancel", Kind::kCancelUssd, ""},
                      // Not USSD strings: sent as SMS text.
                      Case{"*384", Kind::kMessage, "*384"}, Case{"*#06#", Kind::kMessage, "*#06#"},
                      Case{"*384*ab#", Kind::kMessage, "*384*ab#"}));

// Inputs that must be refused with a message, never sent as an SMS.
INSTANTIATE_TEST_SUITE_P(
    Refused, ParseConsoleLineTest,
    ::testing::Values(Case{"/as", Kind::kError, ""}, Case{"/as 0712345678x", Kind::kError, ""},
                      Case{"/as 1234567", Kind::kError, ""},  // 7 digits
                      Case{"/as 1234567890123456", Kind::kError, ""},
                      Case{"/as ++254700000002", Kind::kError, ""},
                      Case{"/quiet", Kind::kError, ""}, Case{"/ussd", Kind::kError, ""},
                      Case{"/ussd 384", Kind::kError, ""}, Case{"/ussd *#06#", Kind::kError, ""},
                      Case{"/", Kind::kError, ""}));

TEST(ParseConsoleLine, UnknownCommandNamesItAndPointsToHelp) {
  const ConsoleInput got = ParseConsoleLine("/bal");
  ASSERT_EQ(got.kind, Kind::kError);
  EXPECT_NE(got.text.find("/bal"), std::string::npos);
  EXPECT_NE(got.text.find("/help"), std::string::npos);
}

TEST(UssdServiceAddressTest, TheServiceCodeOfTheDialledString) {
  EXPECT_EQ(UssdServiceAddress("*384*12#"), "384");
  EXPECT_EQ(UssdServiceAddress("*384#"), "384");
  EXPECT_EQ(UssdServiceAddress("#100#"), "100");
  EXPECT_EQ(UssdServiceAddress("*#06#"), "");
}

}  // namespace
}  // namespace smsgw::console
