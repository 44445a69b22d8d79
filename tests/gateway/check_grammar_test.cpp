// `smsgw check` validates the grammar the configuration names, not only the configuration.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gateway/subcommand.h"

namespace smsgw::gateway {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class CheckGrammarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("smsgw-check-grammar-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    fs::copy_file("conf/gateway.yaml", dir_ / "gateway.yaml", fs::copy_options::overwrite_existing);
    grammar_ = ReadFile("conf/grammar.yaml");
    ASSERT_FALSE(grammar_.empty()) << "run from the source tree";
  }
  void TearDown() override { fs::remove_all(dir_); }

  int Check(const std::string& grammar, std::string* err_text) {
    std::ofstream(dir_ / "grammar.yaml") << grammar;
    std::ostringstream out, err;
    int rc = Dispatch({"smsgw", "check", "--config", (dir_ / "gateway.yaml").string()}, out, err);
    *err_text = err.str();
    return rc;
  }

  fs::path dir_;
  std::string grammar_;
};

TEST_F(CheckGrammarTest, ShippedGrammarPasses) {
  std::string err;
  EXPECT_EQ(Check(grammar_, &err), kExitOk) << err;
}

TEST_F(CheckGrammarTest, GrammarErrorFailsWithFileAndLine) {
  std::string broken = grammar_;
  auto pos = broken.find("keywords:");
  ASSERT_NE(pos, std::string::npos);
  broken.replace(pos, 9, "keywordz:");
  int line = 1 + static_cast<int>(std::count(broken.begin(), broken.begin() + pos, '\n'));
  std::string err;
  EXPECT_EQ(Check(broken, &err), kExitInvalid);
  EXPECT_NE(err.find("grammar.yaml:" + std::to_string(line) + ":"), std::string::npos) << err;
  EXPECT_NE(err.find("keywordz"), std::string::npos) << err;
}

// A grammar that loads but lacks a template the engine needs fails the check, as it would fail
// `smsgw run`: here the notice to the phone an account moves from, which REG needs.
TEST_F(CheckGrammarTest, AGrammarTheEngineRefusesFails) {
  std::string lacking = grammar_;
  const auto start = lacking.find("  account.moved:\n");
  ASSERT_NE(start, std::string::npos);
  const auto end = lacking.find("  declined.funds:\n", start);
  ASSERT_NE(end, std::string::npos);
  lacking.erase(start, end - start);
  std::string err;
  EXPECT_EQ(Check(lacking, &err), kExitInvalid);
  EXPECT_NE(err.find("account.moved"), std::string::npos) << err;
}

// A bind command may not declare notices: the engine already tells the phone an account moves
// from (account.moved), and the command's notices would text that same phone again.
TEST_F(CheckGrammarTest, ABindCommandWithNoticesFailsNamingTheCommand) {
  std::string doubled = grammar_;
  const std::string field = "        label: {en: account number, sw: namba ya akaunti}\n";
  const std::string reply = "    reply: register.done\n";
  ASSERT_NE(doubled.find(field), std::string::npos);
  doubled.insert(doubled.find(field) + field.size(),
                 "      - {name: introducer, type: msisdn, class: party, optional: true}\n");
  ASSERT_NE(doubled.find(reply), std::string::npos);
  const auto at = doubled.find(reply) + reply.size();
  doubled.insert(at, "    notices:\n      - {to: introducer, template: register.done}\n");
  const int line = 2 + static_cast<int>(std::count(doubled.begin(), doubled.begin() + at, '\n'));
  std::string err;
  EXPECT_EQ(Check(doubled, &err), kExitInvalid);
  EXPECT_NE(err.find("grammar.yaml:"), std::string::npos) << err;
  EXPECT_NE(err.find("command register"), std::string::npos) << err;
  EXPECT_NE(err.find("already notifies the old phone"), std::string::npos) << err;
  EXPECT_NE(err.find("line " + std::to_string(line)), std::string::npos) << err;
}

}  // namespace
}  // namespace smsgw::gateway
