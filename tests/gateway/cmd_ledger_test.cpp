#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <iostream>
#include <sstream>

#include "gateway/ledger_admin_text.h"
#include "gateway/subcommand.h"
#include "store/crypto.h"
#include "store/ledger.h"
#include "tests/support/gateway_config_file.h"
#include "tests/support/grammar_fixture.h"

namespace smsgw::gateway {
namespace {

TEST(LedgerAdminText, ParseAmount) {
  EXPECT_EQ(ParseAmount("1500").value_or(-1), 150000);
  EXPECT_EQ(ParseAmount("1500.5").value_or(-1), 150050);
  EXPECT_EQ(ParseAmount("1,500.05").value_or(-1), 150005);
  EXPECT_EQ(ParseAmount("10,000").value_or(-1), 1000000);
  EXPECT_EQ(ParseAmount("0.01").value_or(-1), 1);
  EXPECT_EQ(ParseAmount("1,234,567.89").value_or(-1), 123456789);
  for (const char* bad : {"", "-5", "1.", ".5", "1.234", "1,50", "15,00", ",100", "100,", "1e3",
                          "12 000", "99999999999999", "1,0000"}) {
    EXPECT_FALSE(ParseAmount(bad).ok()) << bad;
  }
}

TEST(LedgerAdminText, FormatAmount) {
  EXPECT_EQ(FormatAmount(0), "0.00");
  EXPECT_EQ(FormatAmount(5), "0.05");
  EXPECT_EQ(FormatAmount(150000), "1,500.00");
  EXPECT_EQ(FormatAmount(-123456789), "-1,234,567.89");
  EXPECT_EQ(FormatAmount(100000000), "1,000,000.00");
}

class CmdLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "smsgw-cmdledger-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::cin.rdbuf(saved_cin_);
    std::filesystem::remove_all(dir_);
  }

  // Runs `smsgw ledger ARGS --db ... --pepper-key ...` with `stdin_text` as stdin.
  int Run(std::vector<std::string> args, const std::string& stdin_text = "") {
    std::vector<std::string> argv = {"smsgw", "ledger"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--db", Db(), "--pepper-key", Key()});
    std::istringstream in(stdin_text);
    std::cin.rdbuf(in.rdbuf());
    out_.str("");
    err_.str("");
    int rc = Dispatch(argv, out_, err_);
    std::cin.rdbuf(saved_cin_);
    return rc;
  }

  std::string Db() const { return (dir_ / "ledger.db").string(); }
  std::string Key() const { return (dir_ / "pepper.key").string(); }

  std::unique_ptr<store::Ledger> Open() {
    auto key = store::LoadKeyFile(Key());
    EXPECT_TRUE(key.ok());
    auto keys = store::LedgerKeys::FromPepper(*key);
    store::LedgerOptions o;
    o.path = Db();
    auto l = store::Ledger::Open(o, *keys);
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    return std::move(l).value();
  }

  std::filesystem::path dir_;
  std::ostringstream out_, err_;
  std::streambuf* saved_cin_ = std::cin.rdbuf();
};

TEST_F(CmdLedgerTest, SeedDemoIsIdempotentAndBalanced) {
  ASSERT_EQ(Run({"seed-demo"}), kExitOk) << err_.str();
  ASSERT_EQ(Run({"seed-demo"}), kExitOk) << err_.str();
  ASSERT_EQ(Run({"balance"}), kExitOk) << err_.str();
  const std::string listing = out_.str();
  for (const char* msisdn : {"254700000001", "254700000002", "254700000003"}) {
    EXPECT_NE(listing.find(msisdn), std::string::npos) << msisdn;
  }
  EXPECT_NE(listing.find("KPLC"), std::string::npos);
  EXPECT_NE(listing.find("NAIROBI_WATER"), std::string::npos);
  EXPECT_NE(listing.find("123456"), std::string::npos);
  EXPECT_NE(listing.find("total 0.00 (balanced)"), std::string::npos);
  EXPECT_EQ(listing.find("1000000001"), std::string::npos);  // account numbers masked
  ASSERT_EQ(Run({"balance", "--msisdn", "254700000001"}), kExitOk);
  EXPECT_NE(out_.str().find("10,000.00"), std::string::npos) << out_.str();  // credited once
  EXPECT_EQ(Run({"check"}), kExitOk) << err_.str();

  auto ledger = Open();
  auto r = ledger->Balance({"demo-check", store::Digest{}}, "254700000001", "1234");
  ASSERT_TRUE(r.ok() && r->accepted);
  EXPECT_EQ(r->balance, 1'000'000);
}

TEST_F(CmdLedgerTest, CreateSetPinCreditFromStdin) {
  ASSERT_EQ(Run({"create", "subscriber", "--name", "ZURI", "--account-from-stdin"}, "55501234\n"),
            kExitOk)
      << err_.str();
  EXPECT_NE(out_.str().find("****1234"), std::string::npos) << out_.str();
  ASSERT_EQ(Run({"set-pin", "--account-from-stdin"}, "55501234\n8642\n"), kExitOk) << err_.str();
  ASSERT_EQ(
      Run({"credit", "--account-from-stdin", "--amount", "2,500.50", "--id", "d1"}, "55501234\n"),
      kExitOk)
      << err_.str();
  EXPECT_NE(out_.str().find("2,500.50"), std::string::npos) << out_.str();
  ASSERT_EQ(
      Run({"credit", "--account-from-stdin", "--amount", "2,500.50", "--id", "d1"}, "55501234\n"),
      kExitOk);
  EXPECT_NE(out_.str().find("already credited"), std::string::npos) << out_.str();

  auto ledger = Open();
  auto bound = ledger->Bind({"b1", store::Digest{}}, "254711000001", "55501234", "8642");
  ASSERT_TRUE(bound.ok() && bound->accepted) << bound->reason;
  auto bal = ledger->Balance({"b2", store::Digest{}}, "254711000001", "8642");
  ASSERT_TRUE(bal.ok() && bal->accepted);
  EXPECT_EQ(bal->balance, 250'050);
}

TEST_F(CmdLedgerTest, UsageAndInputErrors) {
  EXPECT_EQ(Run({}), kExitUsage);
  EXPECT_EQ(Run({"frob"}), kExitUsage);
  EXPECT_EQ(Run({"create", "wizard"}), kExitUsage);
  EXPECT_EQ(Run({"set-pin", "--msisdn", "254700000001"}, "1234\n"), kExitInvalid);  // no account
  EXPECT_EQ(Run({"credit", "--msisdn", "254700000001", "--agent", "1"}), kExitInvalid);
  EXPECT_EQ(Run({"create", "agent", "--agent", "12", "--name", "X"}), kExitInvalid);
  ASSERT_EQ(Run({"create", "biller", "--biller", "KPLC", "--name", "Kenya Power"}), kExitOk);
  EXPECT_EQ(Run({"create", "biller", "--biller", "KPLC", "--name", "Again"}), kExitInvalid);
  EXPECT_EQ(Run({"credit", "--biller", "KPLC", "--amount", "1.234"}), kExitInvalid);
  // A configuration that cannot be loaded.
  std::vector<std::string> argv = {"smsgw", "ledger", "balance", "--config",
                                   (dir_ / "x.yaml").string()};
  EXPECT_EQ(Dispatch(argv, out_, err_), kExitInvalid);
  EXPECT_NE(err_.str().find("x.yaml"), std::string::npos) << err_.str();
}

TEST_F(CmdLedgerTest, TheConfigurationNamesTheLedgerAndItsPepper) {
  const std::string config = test_support::WriteGatewayConfig(
      dir_, (dir_ / "store.db").string(), (dir_ / "store.key").string(), Db(), Key());
  std::vector<std::string> argv = {"smsgw", "ledger", "seed-demo", "--config", config};
  ASSERT_EQ(Dispatch(argv, out_, err_), kExitOk) << err_.str();
  EXPECT_TRUE(std::filesystem::exists(Key()));  // created with the new ledger
  Open();                                       // the file and key the configuration names
  // Explicit flags win: another ledger, created empty with its own pepper.
  const std::string other = (dir_ / "other.db").string();
  argv = {"smsgw",    "ledger",       "balance",
          "--config", config,         "--db",
          other,      "--pepper-key", (dir_ / "other.key").string()};
  out_.str("");
  ASSERT_EQ(Dispatch(argv, out_, err_), kExitOk) << err_.str();
  EXPECT_EQ(out_.str().find("KPLC"), std::string::npos) << out_.str();
  argv = {"smsgw", "ledger", "balance", "--config", config};
  out_.str("");
  ASSERT_EQ(Dispatch(argv, out_, err_), kExitOk) << err_.str();
  EXPECT_NE(out_.str().find("KPLC"), std::string::npos) << out_.str();
}

// Runs with `dir` as the working directory, as an operator in a checkout would.
class InDirectory {
 public:
  explicit InDirectory(const std::filesystem::path& dir) : saved_(std::filesystem::current_path()) {
    std::filesystem::current_path(dir);
  }
  ~InDirectory() { std::filesystem::current_path(saved_); }
  InDirectory(const InDirectory&) = delete;
  InDirectory& operator=(const InDirectory&) = delete;

 private:
  std::filesystem::path saved_;
};

// Without --config the ledger is the one conf/gateway.yaml names, as `make run` uses it: the
// shipped file's ../var/ledger.db with its pepper ../var/keys/pepper.key.
TEST_F(CmdLedgerTest, WithoutConfigTheShippedConfigurationNamesTheLedger) {
  std::filesystem::create_directories(dir_ / "conf");
  for (const char* file : {"conf/gateway.yaml", "conf/grammar.yaml"}) {
    std::filesystem::copy_file(test_support::SourcePath(file), dir_ / file);
  }
  {
    InDirectory here(dir_);
    std::vector<std::string> argv = {"smsgw", "ledger", "seed-demo"};
    ASSERT_EQ(Dispatch(argv, out_, err_), kExitOk) << err_.str();
  }
  EXPECT_TRUE(std::filesystem::exists(dir_ / "var" / "keys" / "pepper.key"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "var" / "ledger-pepper.key"));
  // The daemon's files: its pepper opens the ledger.
  auto key = store::LoadKeyFile((dir_ / "var" / "keys" / "pepper.key").string());
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  auto keys = store::LedgerKeys::FromPepper(*key);
  ASSERT_TRUE(keys.ok());
  store::LedgerOptions o;
  o.path = (dir_ / "var" / "ledger.db").string();
  auto ledger = store::Ledger::Open(o, *keys);
  ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
  auto r = (*ledger)->Balance({"default-config", store::Digest{}}, "254700000001", "1234");
  ASSERT_TRUE(r.ok() && r->accepted);
}

TEST_F(CmdLedgerTest, WithoutConfigOrItsDefaultFileNothingIsCreated) {
  InDirectory here(dir_);
  std::vector<std::string> argv = {"smsgw", "ledger", "balance"};
  EXPECT_EQ(Dispatch(argv, out_, err_), kExitUsage);
  EXPECT_NE(err_.str().find("conf/gateway.yaml"), std::string::npos) << err_.str();
  EXPECT_FALSE(std::filesystem::exists(dir_ / "var"));
  // Both files named: no configuration is needed.
  out_.str("");
  EXPECT_EQ(Run({"seed-demo"}), kExitOk) << err_.str();
  EXPECT_TRUE(std::filesystem::exists(Db()));
}

TEST_F(CmdLedgerTest, RefusesAnExistingLedgerWithoutItsKey) {
  ASSERT_EQ(Run({"seed-demo"}), kExitOk);
  std::filesystem::remove(Key());
  EXPECT_EQ(Run({"balance"}), kExitFailure);
  EXPECT_FALSE(std::filesystem::exists(Key()));  // no stray key created for an old ledger
}

}  // namespace
}  // namespace smsgw::gateway
