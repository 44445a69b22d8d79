// smsgw try, and the grammar file helpers smsgw check uses.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "gateway/grammar_file.h"
#include "gateway/subcommand.h"
#include "tests/support/grammar_fixture.h"

namespace smsgw::gateway {
namespace {

struct TryRun {
  int code;
  std::string out;
  std::string err;
};

TryRun Try(std::vector<std::string> args) {
  std::vector<std::string> argv = {"smsgw", "try", "--grammar",
                                   test_support::SourcePath("conf/grammar.yaml")};
  argv.insert(argv.end(), args.begin(), args.end());
  std::ostringstream out, err;
  const int code = Dispatch(argv, out, err);
  return {code, out.str(), err.str()};
}

TEST(CmdTry, CommandWithFieldsAndTheChallengeReply) {
  const TryRun r = Try({"--from", "254711000111", "send 0712 345 678 1,500"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("stored as send 0712 345 678 1,500\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("command   send -> transfer (language en, PIN challenge first)\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  msisdn    msisdn  party      254712345678\n"), std::string::npos);
  EXPECT_NE(r.out.find("  amount    amount  amount     KES 1,500.00 (150000 minor units)\n"),
            std::string::npos);
  EXPECT_NE(r.out.find("reply     Send KES 1,500.00 to 254712345678? Reply 4821 <PIN> within 5 "
                       "min.\n"),
            std::string::npos)
      << r.out;
}

TEST(CmdTry, MasksCredentialsAndAccounts) {
  TryRun r = Try({"4821", "1234"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_NE(r.out.find("  pin       pin     credential ****\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("1234"), std::string::npos) << r.out;
  r = Try({"REG 0123456789"});
  EXPECT_NE(r.out.find("****6789"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("0123456789"), std::string::npos) << r.out;
}

TEST(CmdTry, DefaultsToTheSender) {
  const TryRun r = Try({"--from", "+254 711 000 111", "TOPUP 50"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("254711000111 (default)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Buy KES 50.00 airtime for 254711000111?"), std::string::npos) << r.out;
}

TEST(CmdTry, ErrorsAndViolationsExitOneWithTheReply) {
  TryRun r = Try({"SEND 0712345678 5"});
  EXPECT_EQ(r.code, kExitInvalid);
  EXPECT_NE(r.out.find("error     bad_field (command send), field amount\n"), std::string::npos);
  EXPECT_NE(r.out.find("reply     Amount must be between 10 and 70,000. Use: SEND <phone> "
                       "<amount>\n"),
            std::string::npos)
      << r.out;
  r = Try({"BAL 0123456789 PIN 4321"});
  EXPECT_EQ(r.code, kExitInvalid);
  EXPECT_NE(r.out.find("stored as BAL **** PIN ****\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("refused   credential split: account at word 2 credential at word 4"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("4321"), std::string::npos);
  r = Try({"--lang", "sw", "XYZZY"});
  EXPECT_NE(r.out.find("reply     Amri haijulikani."), std::string::npos) << r.out;
}

TEST(CmdTry, HelpAndRepliesWithoutChallenge) {
  TryRun r = Try({"HELP", "LIPA"});
  EXPECT_NE(r.out.find("reply     Pay a bill, e.g. PAY KPLC 123456 1500. Use: PAY <biller> "
                       "<bill ref> <amount>\n"),
            std::string::npos)
      << r.out;
  // try assumes a subscriber with nothing pending, so the engine says the code waits for nothing.
  r = Try({"GHAIRI 4821"});
  EXPECT_NE(r.out.find("reply     Msimbo 4821 haungoji PIN. Tuma amri tena.\n"), std::string::npos)
      << r.out;
}

TEST(CmdTry, UsageAndFileErrors) {
  TryRun r = Try({});
  EXPECT_EQ(r.code, kExitUsage);
  r = Try({"--from", "hello", "BAL"});
  EXPECT_EQ(r.code, kExitUsage);
  std::ostringstream out, err;
  EXPECT_EQ(Dispatch({"smsgw", "try", "--grammar", "/nonexistent/grammar.yaml", "BAL"}, out, err),
            kExitFailure);
  EXPECT_NE(err.str().find("/nonexistent/grammar.yaml: error: cannot read"), std::string::npos)
      << err.str();
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/smsgw-try-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string Write(const std::string& name, const std::string& text) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p) << text;
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// gateway.yaml as an operator keeps it in production: the SMPP password and the keys come from
// the daemon's environment, and the files it names are on another machine.
std::string ProductionConfig(const std::string& limits) {
  return "smpp:\n"
         "  connections:\n"
         "    - {name: a, host: smsc.example, port: 2775, system_id: s}\n"
         "short_codes:\n"
         "  - code: \"4040\"\n"
         "backend:\n"
         "  type: embedded\n"
         "  embedded: {ledger_path: /var/lib/smsgw/ledger.db}\n"
         "store: {path: /var/lib/smsgw/smsgw.db}\n"
         "grammar: grammar.yaml\n" +
         limits;
}

std::string BrokenGrammarText() {
  std::string broken = test_support::ShippedGrammarText();
  broken.replace(broken.find("  currency: KES"), 15, "  currency: shillings");
  return broken;
}

TEST(CmdTry, BrokenGrammarsAreReportedWithTheirLines) {
  TempDir dir;
  const std::string config = dir.Write("gateway.yaml", ProductionConfig(""));
  dir.Write("grammar.yaml", BrokenGrammarText());
  std::ostringstream out, err;
  EXPECT_EQ(Dispatch({"smsgw", "try", "--config", config, "BAL"}, out, err), kExitInvalid);
  EXPECT_EQ(err.str(), dir.path() +
                           "/grammar.yaml:28:13: error: money.currency: expected an ISO "
                           "4217 code such as KES\n");
  EXPECT_EQ(GrammarPathNextTo("conf/gateway.yaml"), "conf/grammar.yaml");
}

// The grammar is the one the daemon would load with the configuration: the file its grammar:
// key names, wherever that is, not grammar.yaml next to it. --grammar still overrides.
TEST(CmdTry, TheGrammarIsTheOneTheConfigurationNames) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/etc");
  std::filesystem::create_directories(dir.path() + "/rules");
  std::string text = ProductionConfig("");
  text.replace(text.find("grammar: grammar.yaml"), 21, "grammar: ../rules/commands.yaml");
  const std::string config = dir.Write("etc/gateway.yaml", text);
  dir.Write("etc/grammar.yaml", BrokenGrammarText());  // what the daemon would not load
  dir.Write("rules/commands.yaml", test_support::ShippedGrammarText());
  std::ostringstream out, err;
  EXPECT_EQ(Dispatch({"smsgw", "try", "--config", config, "BAL"}, out, err), kExitOk) << err.str();
  EXPECT_EQ(err.str(), "");
  EXPECT_NE(out.str().find("grammar   " + dir.path() + "/rules/commands.yaml\n"), std::string::npos)
      << out.str();

  std::ostringstream out2, err2;
  EXPECT_EQ(Dispatch({"smsgw", "try", "--config", config, "--grammar",
                      dir.path() + "/etc/grammar.yaml", "BAL"},
                     out2, err2),
            kExitInvalid);
  EXPECT_NE(err2.str().find(dir.path() + "/etc/grammar.yaml:28:13: error: money.currency"),
            std::string::npos)
      << err2.str();
}

TEST(CmdTry, TheChallengeLastsAsLongAsTheConfigurationSays) {
  TempDir dir;
  dir.Write("grammar.yaml", test_support::ShippedGrammarText());  // ttl_minutes: 5
  const std::string config =
      dir.Write("gateway.yaml", ProductionConfig("limits: {challenge_ttl: 2m}\n"));
  std::ostringstream out, err;
  EXPECT_EQ(Dispatch({"smsgw", "try", "--config", config, "--from", "254711000111",
                      "send 0712 345 678 1,500"},
                     out, err),
            kExitOk)
      << err.str();
  EXPECT_NE(out.str().find("Reply 4821 <PIN> within 2 min.\n"), std::string::npos) << out.str();
  // A USSD command confirmed by SMS challenge, or a PIN step: the same engine options.
  std::ostringstream ussd_out, ussd_err;
  std::istringstream none("");
  std::streambuf* saved = std::cin.rdbuf(none.rdbuf());
  Dispatch({"smsgw", "try", "--config", config, "--ussd", "*384*12#"}, ussd_out, ussd_err);
  std::cin.rdbuf(saved);
  EXPECT_EQ(ussd_err.str(), "");
  EXPECT_EQ(ussd_out.str().rfind("Pesa\n1 Pay bill\n", 0), 0u) << ussd_out.str();
}

TEST(CmdTry, AnInvalidOrMissingConfigurationIsReported) {
  TempDir dir;
  dir.Write("grammar.yaml", test_support::ShippedGrammarText());
  const std::string config =
      dir.Write("gateway.yaml", ProductionConfig("limits: {challenge_ttl: 2h}\n"));
  std::ostringstream out, err;
  EXPECT_EQ(Dispatch({"smsgw", "try", "--config", config, "BAL"}, out, err), kExitInvalid);
  EXPECT_NE(err.str().find("limits.challenge_ttl: expected a duration 30s-1h"), std::string::npos)
      << err.str();
  EXPECT_NE(err.str().find("smsgw try: 1 error in " + config), std::string::npos) << err.str();
  std::ostringstream out2, err2;
  EXPECT_EQ(Dispatch({"smsgw", "try", "--config", dir.path() + "/absent.yaml", "--grammar",
                      dir.path() + "/grammar.yaml", "BAL"},
                     out2, err2),
            kExitInvalid);
  EXPECT_NE(err2.str().find("absent.yaml"), std::string::npos) << err2.str();
}

TEST(GrammarFile, CheckReportsDiagnosticsOrNothing) {
  EXPECT_TRUE(CheckGrammarFile(test_support::SourcePath("conf/grammar.yaml")).empty());
  TempDir dir;
  const auto d = CheckGrammarFile(dir.Write("g.yaml", "languages: [en]\nnumber_plan: 5\n"));
  ASSERT_FALSE(d.empty());
  EXPECT_EQ(d[0].file, dir.path() + "/g.yaml");
  EXPECT_EQ(CheckGrammarFile(dir.path())[0].message, "cannot read: it is a directory");
  EXPECT_TRUE(LoadGrammarFile(test_support::SourcePath("conf/grammar.yaml")).ok());
}

}  // namespace
}  // namespace smsgw::gateway

namespace smsgw::gateway {
namespace {

// Runs `smsgw try` with `input` as its standard input.
TryRun TryWithInput(std::vector<std::string> args, const std::string& input) {
  std::istringstream in(input);
  std::streambuf* saved = std::cin.rdbuf(in.rdbuf());
  TryRun r = Try(std::move(args));
  std::cin.rdbuf(saved);
  return r;
}

TEST(CmdTry, WalksAUssdMenuToTheInstruction) {
  const TryRun r = TryWithInput({"--ussd", "*384*12#", "--from", "254711000111"},
                                "1\nKPLC\n123456\n5\n1500\n4321\n1\n");
  EXPECT_EQ(r.code, kExitOk) << r.err << r.out;
  EXPECT_EQ(r.out.rfind("Pesa\n1 Pay bill\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("> Amount must be between 10 and 150,000\nEnter amount\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("> Pay KES 1,500.00 to KPLC ref 123456?\n1 Yes\n2 No\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("instruction bill.pay, ref "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  amount    KES 1,500.00\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("4321"), std::string::npos) << r.out;
}

TEST(CmdTry, UssdEndOfInputAbandonsTheDialogue) {
  const TryRun r = TryWithInput({"--ussd", "*384*12*2*0712345678#"}, "500\n");
  EXPECT_EQ(r.code, kExitInvalid);
  EXPECT_EQ(r.out.rfind("Enter amount\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("(end of input: the dialogue is abandoned, nothing submitted)"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("instruction"), std::string::npos);
}

TEST(CmdTry, UssdShortcutWithAccountAndPinIsRefused) {
  const TryRun r = TryWithInput({"--ussd", "*384*12*4*3*12345678*1234#"}, "");
  EXPECT_EQ(r.code, kExitInvalid);
  EXPECT_EQ(r.out.rfind("Never send your PIN with an account number.", 0), 0u) << r.out;
}

}  // namespace
}  // namespace smsgw::gateway
