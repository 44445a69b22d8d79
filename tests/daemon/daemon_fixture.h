// `smsgw run` as a process against the SMSC simulator on loopback: a temporary directory with
// its own configuration (ports chosen at run time), database, ledger with the demo data, keys
// and a copy of the shipped grammar the test may edit.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/sim_thread.h"
#include "tests/support/store_fixture.h"

namespace smsgw::daemon_test {

using namespace std::chrono_literals;

inline constexpr const char* kShortCode = "20555";
inline constexpr const char* kAmina = "254700000001";
inline constexpr const char* kBrian = "254700000002";
inline constexpr const char* kDavid = "254700000004";  // demo account not bound to a phone
inline constexpr const char* kDemoPin = "1234";

inline bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

inline std::string SourceDir() {
  const char* d = std::getenv("SMSGW_SOURCE_DIR");
  return d != nullptr ? d : ".";
}
inline std::string SmsgwBin() {
  const char* b = std::getenv("SMSGW_BIN");
  return b != nullptr ? b : "build/smsgw";
}

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_ = std::make_unique<test::SimThread>();
    admin_port_ = test::FreeLoopbackPort();
    grammar_ = dir_.File("grammar.yaml");
    std::ofstream(grammar_) << test::ReadFileText(SourceDir() + "/conf/grammar.yaml");
    config_ = dir_.File("gateway.yaml");
    std::ofstream(config_) << ConfigText();
    log_ = dir_.File("smsgw.log");
  }

  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "---- daemon log ----\n" << Log() << "--------------------\n";
    }
    daemon_.reset();
    sim_.reset();
  }

  virtual std::string ConfigText() {
    return "smpp:\n"
           "  connections:\n"
           "    - name: sim\n"
           "      host: 127.0.0.1\n"
           "      port: " +
           std::to_string(sim_->port()) +
           "\n"
           "      system_id: smsgw\n"
           "      password: secret\n"
           "      enquire_link_interval: 5s\n"
           "      reconnect_backoff_min: 100ms\n"
           "      reconnect_backoff_max: 1s\n"
           "short_codes:\n"
           "  - code: \"" +
           std::string(kShortCode) +
           "\"\n"
           "backend:\n"
           "  type: embedded\n"
           "  embedded:\n"
           "    ledger_path: var/ledger.db\n"
           "    pepper_key_file: var/keys/pepper.key\n"
           "    seed_demo_data: true\n"
           "store:\n"
           "  path: var/smsgw.db\n"
           "  key_file: var/keys/store.key\n"
           "keys:\n"
           "  create_missing: true\n"
           "grammar: grammar.yaml\n"
           "limits:\n"
           "  messages_per_msisdn: 1000\n"
           "admin:\n"
           "  listen: \"127.0.0.1:" +
           std::to_string(admin_port_) +
           "\"\n"
           "  token_file: var/keys/admin.token\n"
           "logging:\n"
           "  level: debug\n";
  }

  void StartDaemon() {
    daemon_ = std::make_unique<test::ChildProcess>(
        SmsgwBin(), std::vector<std::string>{"run", "--config", config_}, log_);
    ASSERT_TRUE(test::WaitFor([&] { return sim_->bound() || !daemon_->running(); }, 20s))
        << "the daemon did not bind";
    ASSERT_TRUE(daemon_->running()) << "the daemon exited";
  }

  // SIGTERM, and the exit status once it stopped (-1 if it did not within 30 s).
  int StopDaemon() {
    daemon_->Signal(SIGTERM);
    auto status = daemon_->Wait(30s);
    if (!status) return -1;
    return WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
  }

  std::string Log() { return test::ReadFileText(log_); }

  // Sends `text` from `from` and returns the next message that phone gets.
  std::string Say(const std::string& from, const std::string& text) {
    const size_t before = sim_->MessagesTo(from).size();
    sim_->SendText(from, kShortCode, text);
    auto got = sim_->WaitMessagesTo(from, before + 1, 20s);
    if (got.size() <= before) return "<no reply to \"" + text + "\">";
    return got[before].text;
  }

  // The challenge code in a reply such as "... Reply 4821 <PIN> within 5 min."
  static std::string CodeIn(const std::string& reply) {
    std::smatch m;
    if (std::regex_search(reply, m, std::regex(R"((\d{4,6}) <)"))) return m[1];
    return "";
  }

  // A challenged command answered with `pin`: the final reply.
  std::string WithPin(const std::string& from, const std::string& text,
                      const std::string& pin = kDemoPin) {
    const std::string challenge = Say(from, text);
    const std::string code = CodeIn(challenge);
    if (code.empty()) return "<no challenge: " + challenge + ">";
    return Say(from, code + " " + pin);
  }

  store::testing::TempDir dir_;
  std::unique_ptr<test::SimThread> sim_;
  std::unique_ptr<test::ChildProcess> daemon_;
  int admin_port_ = 0;
  std::string config_;
  std::string grammar_;
  std::string log_;
};

}  // namespace smsgw::daemon_test
