// The account backend (HTTP) unreachable for a while: the circuit opens, MOs are still
// acknowledged and stored, challenges still answered, and once the backend is back every
// instruction is forwarded and applied exactly once (counted on the backend's side by
// Idempotency-Key).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <set>
#include <thread>

#include "tests/drills/drill_fixture.h"
#include "tests/drills/tcp_fault_proxy.h"
#include "tests/support/backend_sim.h"

namespace smsgw::drills {
namespace {

const std::string kKey(32, 'K');

class BackendDrill : public DrillTest {
 protected:
  void SetUp() override {
    test::BackendSimOptions options;
    options.key = kKey;
    backend_ = std::make_unique<test::BackendSim>(options);
    ASSERT_TRUE(backend_->Start().ok());
    proxy_ = std::make_unique<TcpFaultProxy>(backend_->port());
    const std::string key_file = dir_.File("backend-hmac.key");
    std::ofstream(key_file) << store::ToHex(
        {reinterpret_cast<const uint8_t*>(kKey.data()), kKey.size()});
    ::chmod(key_file.c_str(), 0600);
    DrillTest::SetUp();
  }
  void TearDown() override {
    DrillTest::TearDown();
    proxy_.reset();
    backend_->Stop();
  }

  // The backend behind the fault proxy, with a breaker that opens after 3 failures for 1 s and
  // retries every 100-500 ms, and a budget of 3 attempts: spent by the first calls of an outage
  // alone if refused calls counted, so the drill's outage of several seconds outlasts it many
  // times over.
  std::string ConfigText() override {
    std::string text = DrillTest::ConfigText();
    const size_t from = text.find("backend:\n");
    const size_t to = text.find("store:\n");
    text.replace(from, to - from,
                 "backend:\n"
                 "  type: http\n"
                 "  http:\n"
                 "    url: http://127.0.0.1:" +
                     std::to_string(proxy_->port()) +
                     "\n"
                     "    key_id: " +
                     store::Key::FromBytes(kKey)->id() +
                     "\n"
                     "    hmac_key_file: backend-hmac.key\n"
                     "    connect_timeout: 200ms\n"
                     "    request_timeout: 1s\n"
                     "    backoff_min: 100ms\n"
                     "    backoff_max: 500ms\n"
                     "    max_attempts: 3\n"
                     "    circuit_breaker_threshold: 3\n"
                     "    circuit_breaker_open_time: 1s\n");
    return text;
  }

  std::unique_ptr<test::BackendSim> backend_;
  std::unique_ptr<TcpFaultProxy> proxy_;
};

// Instruction ids in the order of their first "instruction.sent" line in `log`.
std::vector<std::string> FirstSends(const std::string& log) {
  std::vector<std::string> order;
  std::set<std::string> seen;
  const std::regex sent(R"(event=instruction\.sent id=(\S+))");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), sent); it != std::sregex_iterator();
       ++it) {
    if (seen.insert((*it)[1]).second) order.push_back((*it)[1]);
  }
  return order;
}

TEST_F(BackendDrill, BackendDownOpensTheCircuitAndEveryInstructionIsAppliedOnceWhenItIsBack) {
  constexpr int kLocks = 10;
  StartDaemon();
  proxy_->set_mode(TcpFaultProxy::Mode::kDown);

  // While the backend is down: instructions from ten phones, one after the other, and a
  // payment whose challenge is answered.
  for (int i = 0; i < kLocks; ++i) {
    sim_->SendText(Phone(i), kShortCode, "LOCK");
    std::this_thread::sleep_for(20ms);  // ids carry their creation time in ms
  }
  const std::string challenge = Say(daemon_test::kAmina, "PAY KPLC 123456 1500");
  const std::string code = daemon_test::DaemonTest::CodeIn(challenge);
  ASSERT_FALSE(code.empty()) << "no challenge while the backend is down: " << challenge;
  sim_->SendText(daemon_test::kAmina, kShortCode, code + " " + daemon_test::kDemoPin);
  ASSERT_TRUE(test::WaitFor([&] { return sim_->acked_mos() == kLocks + 2; }, 10s))
      << "MOs are acknowledged while the backend is down";
  ASSERT_TRUE(test::WaitFor([&] { return Has(Log(), "event=instructions.held"); }, 10s))
      << "the circuit did not open, or the core did not hold the instructions";
  // Down for a while, the circuit open and probing: 5 s is 5 probes, and about 15 times the 3
  // backoffs (100, 200, 400 ms at most) a counted attempt would have had before dead.
  std::this_thread::sleep_for(5s);
  const uint64_t resets = proxy_->resets();
  const size_t probes = CountLines(Log(), "event=instruction.sent");
  EXPECT_EQ(backend_->stats().applied, 0u) << "nothing reached the backend while it was down";

  const size_t log_at = Log().size();
  proxy_->set_mode(TcpFaultProxy::Mode::kPass);
  for (int i = 0; i < kLocks; ++i) {
    EXPECT_EQ(sim_->WaitMessagesTo(Phone(i), 1, 20s).size(), 1u) << Phone(i);
  }
  auto paid = sim_->WaitMessagesTo(daemon_test::kAmina, 2, 20s);
  ASSERT_EQ(paid.size(), 2u);
  EXPECT_TRUE(Has(paid[1].text, "KPLC")) << paid[1].text;
  EXPECT_EQ(StopDaemon(), 0);

  const test::BackendSimStats stats = backend_->stats();
  EXPECT_EQ(stats.applications.size(), static_cast<size_t>(kLocks + 1));
  for (const auto& [key, times] : stats.applications) EXPECT_EQ(times, 1) << key;
  const store::StoreStats store_stats = StoreStats();
  EXPECT_EQ(Total(store_stats.inbound), kLocks + 2);
  EXPECT_EQ(Count(store_stats.instructions, "done"), kLocks + 1);
  EXPECT_EQ(Count(store_stats.instructions, "dead"), 0) << "the outage spent attempts";

  // Ids sort by creation time: after the outage the instructions go on in that order.
  const std::vector<std::string> resumed = FirstSends(Log().substr(log_at));
  std::vector<std::string> created = resumed;
  std::sort(created.begin(), created.end());
  EXPECT_EQ(resumed.size(), static_cast<size_t>(kLocks + 1));
  EXPECT_EQ(resumed, created) << "not resumed in creation order";
  size_t in_place = 0;
  for (size_t i = 0; i < resumed.size(); ++i) in_place += resumed[i] == created[i] ? 1 : 0;
  std::cout << "[drill] " << resets << " connections reset while down, " << probes
            << " calls made before the backend came back (first calls and probes), "
            << CountLines(Log(), "reason=circuit_open") << " refused by the open circuit, "
            << resumed.size() << " instructions resumed, " << in_place
            << " of them in creation order\n";
}

// A backend down behind a proxy that answers 503: unlike a refused connection, each call
// reaches something. The calls made before the circuit opens count an attempt each; the
// probes, answered 503 too, say only that the backend is still down and count nothing. With 3
// attempts, the oldest instruction went dead after two probes before this was so.
TEST_F(BackendDrill, ProbesAnswered503SpendNoAttempt) {
  constexpr int kLocks = 5;
  constexpr int kDeclined = kLocks + 8;  // the first calls, then probes about 1 s apart
  backend_->ScriptNext(std::vector<test::SimFault>(kDeclined, test::SimFault::kError503));
  StartDaemon();
  for (int i = 0; i < kLocks; ++i) {
    sim_->SendText(Phone(i), kShortCode, "LOCK");
    std::this_thread::sleep_for(20ms);
  }
  for (int i = 0; i < kLocks; ++i) {
    EXPECT_EQ(sim_->WaitMessagesTo(Phone(i), 1, 40s).size(), 1u) << Phone(i);
  }
  EXPECT_EQ(StopDaemon(), 0);
  const test::BackendSimStats stats = backend_->stats();
  size_t calls = 0;
  for (const auto& [key, n] : stats.attempts) calls += static_cast<size_t>(n);
  EXPECT_GE(calls, static_cast<size_t>(kDeclined + kLocks)) << "the 503s were not all used";
  EXPECT_EQ(stats.applications.size(), static_cast<size_t>(kLocks));
  for (const auto& [key, times] : stats.applications) EXPECT_EQ(times, 1) << key;
  const store::StoreStats store_stats = StoreStats();
  EXPECT_EQ(Count(store_stats.instructions, "done"), kLocks);
  EXPECT_EQ(Count(store_stats.instructions, "dead"), 0) << "declined probes spent attempts";
  EXPECT_EQ(CountLines(Log(), "reason=circuit_open"), 0u)
      << "instructions claimed under a probe's permit, then refused by the open circuit";
  std::cout << "[drill] " << calls << " calls, " << CountLines(Log(), "reason=http_503")
            << " answered 503, " << CountLines(Log(), "reason=circuit_open")
            << " refused by the open circuit, " << Count(store_stats.instructions, "dead")
            << " dead\n";
}

}  // namespace
}  // namespace smsgw::drills
