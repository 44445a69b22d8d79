// ParseConsoleArgs: defaults, every option, and the command lines that must be refused.
#include "tests/support/phone_console_args.h"

#include <gtest/gtest.h>

namespace smsgw::console {
namespace {

using std::chrono::milliseconds;

TEST(ParseConsoleArgs, Defaults) {
  auto o = ParseConsoleArgs({});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->port, 2775);
  EXPECT_EQ(o->password, "secret");
  EXPECT_EQ(o->short_code, "20555");
  EXPECT_EQ(o->phone, "");
  EXPECT_EQ(o->reply_wait, milliseconds(2000));
  EXPECT_EQ(o->wait_bind, milliseconds(30000));
  EXPECT_FALSE(o->help);
}

TEST(ParseConsoleArgs, EveryOption) {
  auto o = ParseConsoleArgs({"--port", "0", "--password=pw", "--short-code", "15555", "--phone",
                             "+254700000002", "--reply-wait", "250ms", "--wait-bind=0s"});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->port, 0);
  EXPECT_EQ(o->password, "pw");
  EXPECT_EQ(o->short_code, "15555");
  EXPECT_EQ(o->phone, "254700000002");
  EXPECT_EQ(o->reply_wait, milliseconds(250));
  EXPECT_EQ(o->wait_bind, milliseconds(0));
}

TEST(ParseConsoleArgs, Help) {
  auto o = ParseConsoleArgs({"--help"});
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->help);
}

class RefusedArgsTest : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(RefusedArgsTest, SaysWhichOption) {
  auto o = ParseConsoleArgs(GetParam());
  ASSERT_FALSE(o.ok());
  EXPECT_TRUE(
      o.status().message().starts_with(GetParam().front().substr(0, GetParam().front().find('='))))
      << o.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Lines, RefusedArgsTest,
    ::testing::Values(
        std::vector<std::string>{"--port"}, std::vector<std::string>{"--port", "x"},
        std::vector<std::string>{"--port", "65536"}, std::vector<std::string>{"--port", "-1"},
        std::vector<std::string>{"--reply-wait", "2"},  // no unit
        std::vector<std::string>{"--reply-wait", "0s"},
        std::vector<std::string>{"--reply-wait", "2m"},
        std::vector<std::string>{"--wait-bind", "2h"}, std::vector<std::string>{"--phone", "0712"},
        std::vector<std::string>{"--short-code="}, std::vector<std::string>{"--colour", "red"},
        std::vector<std::string>{"stray"}));

TEST(ConsoleUsage, NamesEveryOption) {
  const std::string usage = ConsoleUsage();
  for (const char* option :
       {"--port", "--password", "--short-code", "--phone", "--reply-wait", "--wait-bind"}) {
    EXPECT_NE(usage.find(option), std::string::npos) << option;
  }
}

}  // namespace
}  // namespace smsgw::console
