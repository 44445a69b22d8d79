#include "gateway/cli_args.h"

#include <gtest/gtest.h>

#include <sstream>

#include "gateway/subcommand.h"

namespace smsgw::gateway {
namespace {

const std::vector<OptionSpec> kSpecs = {
    {"config", "FILE", "config"}, {"from", "MSISDN", "sender"}, {"verbose", "", "more output"}};

Result<ParsedArgs> Parse(std::vector<std::string> args) {
  return ParseArgs(args, kSpecs);
}

TEST(CliArgs, ValuesFlagsAndPositionals) {
  auto r = Parse({"--config", "a.yaml", "--from=2547", "--verbose", "PAY", "KPLC"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->Get("config"), "a.yaml");
  EXPECT_EQ(r->Get("from"), "2547");
  EXPECT_TRUE(r->Has("verbose"));
  EXPECT_EQ(r->positionals(), (std::vector<std::string>{"PAY", "KPLC"}));
}

TEST(CliArgs, DoubleDashEndsOptions) {
  auto r = Parse({"--", "--config", "x"});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->Has("config"));
  EXPECT_EQ(r->positionals().size(), 2u);
}

TEST(CliArgs, UnknownOptionSuggestsClosest) {
  auto r = Parse({"--confg", "a.yaml"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "unknown option --confg (did you mean --config?)");
}

TEST(CliArgs, UnknownOptionWithoutNearMatch) {
  auto r = Parse({"--zzzzzzzz"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "unknown option --zzzzzzzz");
}

TEST(CliArgs, MissingValueIsAnError) {
  auto r = Parse({"--config"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("needs a value <FILE>"), std::string::npos);
}

TEST(CliArgs, FlagWithValueIsAnError) {
  auto r = Parse({"--verbose=yes"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("takes no value"), std::string::npos);
}

TEST(CliArgs, ShortOptionsOtherThanHelpAreRejected) {
  EXPECT_FALSE(Parse({"-c", "x"}).ok());
  auto r = Parse({"-h"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->Has("help"));
}

TEST(Dispatch, UnknownCommandSuggests) {
  std::ostringstream out, err;
  EXPECT_EQ(Dispatch({"smsgw", "chek"}, out, err), kExitUsage);
  EXPECT_NE(err.str().find("Did you mean 'check'?"), std::string::npos) << err.str();
}

TEST(Dispatch, EveryCommandHasHelp) {
  for (const auto& c : AllSubcommands()) {
    std::ostringstream out, err;
    EXPECT_EQ(Dispatch({"smsgw", c.name, "--help"}, out, err), kExitOk) << c.name;
    EXPECT_NE(out.str().find("Usage: smsgw " + c.name), std::string::npos) << out.str();
  }
}

TEST(Dispatch, TopHelpListsEveryCommand) {
  std::ostringstream out, err;
  EXPECT_EQ(Dispatch({"smsgw", "--help"}, out, err), kExitOk);
  for (const auto& c : AllSubcommands()) {
    EXPECT_NE(out.str().find("  " + c.name), std::string::npos) << c.name;
  }
}

TEST(Dispatch, NoCommandIsAUsageError) {
  std::ostringstream out, err;
  EXPECT_EQ(Dispatch({"smsgw"}, out, err), kExitUsage);
}

}  // namespace
}  // namespace smsgw::gateway
