// `smsgw check` and `smsgw run` as a user meets them: exit codes and what they print, both
// in-process through Dispatch and through the built binary.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gateway/subcommand.h"
#include "tests/conf/config_test_util.h"

namespace smsgw::gateway {
namespace {

using conf::testing::kHexKey;
using conf::testing::SourceDir;
using conf::testing::TempDir;

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome Smsgw(std::vector<std::string> args) {
  args.insert(args.begin(), "smsgw");
  std::ostringstream out, err;
  int code = Dispatch(args, out, err);
  return {code, out.str(), err.str()};
}

// A valid configuration in its own directory, with its grammar and keys.
class CheckCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    // The shipped grammar: `check` and `run` load the grammar the configuration names.
    std::ifstream shipped("conf/grammar.yaml");
    std::stringstream grammar;
    grammar << shipped.rdbuf();
    ASSERT_FALSE(grammar.str().empty()) << "run from the source tree";
    dir_.Write("grammar.yaml", grammar.str());
    for (const char* k : {"keys/pepper.key", "keys/store.key", "keys/admin.token"}) {
      dir_.Write(k, std::string(kHexKey) + "\n", 0600);
    }
  }
  std::string Config(const std::string& port = "2775", const std::string& extra = "",
                     const std::string& admin = "{token_file: keys/admin.token}") {
    return dir_.Write("gateway.yaml",
                      "smpp:\n"
                      "  connections:\n"
                      "    - name: local\n"
                      "      host: 127.0.0.1\n"
                      "      port: " +
                          port +
                          "\n"
                          "      system_id: smsgw\n"
                          "      password: secret\n"
                          "short_codes: [{code: \"20555\"}]\n"
                          "backend:\n"
                          "  type: embedded\n"
                          "  embedded: {ledger_path: l.db, pepper_key_file: keys/pepper.key}\n"
                          "store: {path: s.db, key_file: keys/store.key}\n"
                          "grammar: grammar.yaml\n"
                          "admin: " +
                          admin + "\n" + extra);
  }
  TempDir dir_;
};

TEST_F(CheckCommand, ValidConfigPrintsOk) {
  Outcome o = Smsgw({"check", "--config", Config()});
  EXPECT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "OK\n");
  EXPECT_EQ(o.err, "");
}

TEST_F(CheckCommand, InvalidConfigPrintsEveryErrorAndExits1) {
  std::string file = Config("27x5", "limts: {}\n");
  Outcome o = Smsgw({"check", "--config", file});
  EXPECT_EQ(o.code, kExitInvalid);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err, file +
                       ":5:13: smpp.connections[0].port: expected an integer 1-65535, got "
                       "\"27x5\"\n" +
                       file + ":15:1: limts: unknown key; did you mean \"limits\"?\n" +
                       "smsgw check: 2 errors in " + file + "\n");
}

TEST_F(CheckCommand, MissingConfigFileExits1) {
  Outcome o = Smsgw({"check", "--config", dir_.path() + "/none.yaml"});
  EXPECT_EQ(o.code, kExitInvalid);
  EXPECT_NE(o.err.find("none.yaml: cannot read: No such file or directory"), std::string::npos);
}

TEST_F(CheckCommand, UsageErrorsExit2) {
  EXPECT_EQ(Smsgw({"check", "--confg", Config()}).code, kExitUsage);
  EXPECT_EQ(Smsgw({"check", "--config"}).code, kExitUsage);
  Outcome o = Smsgw({"check", Config()});
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_NE(o.err.find("unexpected argument"), std::string::npos);
}

// A port on 127.0.0.1 held by the test, so a daemon told to listen there cannot start.
class HeldPort {
 public:
  HeldPort() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {}
  std::string listen() const {
    return "{token_file: keys/admin.token, listen: \"127.0.0.1:" +
           std::to_string(acceptor_.local_endpoint().port()) + "\"}";
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

TEST_F(CheckCommand, RunValidatesFirstAndExits3WhenAPartCannotStart) {
  EXPECT_EQ(Smsgw({"run", "--config", Config("0")}).code, kExitInvalid);
  HeldPort held;
  Outcome o = Smsgw({"run", "--config", Config("2775", "", held.listen())});
  EXPECT_EQ(o.code, kExitFailure);
  EXPECT_NE(o.err.find("smsgw run: admin endpoint 127.0.0.1:"), std::string::npos) << o.err;
}

TEST_F(CheckCommand, DefaultsToConfGatewayYaml) {
  // The default is relative to the working directory: from the repository root it is the
  // shipped file, which must pass on a fresh clone.
  std::string cwd = std::filesystem::current_path().string();
  std::filesystem::current_path(SourceDir());
  Outcome o = Smsgw({"check"});
  std::filesystem::current_path(cwd);
  EXPECT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "OK\n");
}

// The real binary, as `make` built it (tests/run_tests.sh exports SMSGW_BIN).
int RunBinary(const std::string& args) {
  const char* bin = std::getenv("SMSGW_BIN");
  if (bin == nullptr) return -1;
  int status = std::system((std::string(bin) + " " + args + " >/dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(CheckCommand, BinaryExitCodes) {
  if (std::getenv("SMSGW_BIN") == nullptr) GTEST_SKIP() << "SMSGW_BIN not set";
  EXPECT_EQ(RunBinary("check --config " + Config()), 0);
  EXPECT_EQ(RunBinary("check --config " + SourceDir() + "/conf/gateway.yaml"), 0);
  EXPECT_EQ(RunBinary("check --config " + Config("27x5")), 1);
  EXPECT_EQ(RunBinary("check --no-such-option"), 2);
  HeldPort held;
  EXPECT_EQ(RunBinary("run --config " + Config("2775", "", held.listen())), 3);
}

}  // namespace
}  // namespace smsgw::gateway
