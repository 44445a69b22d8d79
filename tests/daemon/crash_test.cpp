// Under a steady MO load the daemon is killed with SIGKILL at random moments, ten times, and
// restarted each time. At the end every MO the simulator saw acknowledged is in the store
// exactly once and processed, every instruction reached a final state, and every subscriber
// got a reply.
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <random>
#include <set>
#include <thread>

#include "store/crypto.h"
#include "store/store.h"
#include "tests/daemon/daemon_fixture.h"

namespace smsgw::daemon_test {
namespace {

constexpr int kKills = 10;

std::string Phone(int i) {
  return "2547020" + std::to_string(10000 + i);
}

int64_t Count(const std::map<std::string, int64_t>& states, const char* state) {
  auto it = states.find(state);
  return it == states.end() ? 0 : it->second;
}

int64_t Total(const std::map<std::string, int64_t>& states) {
  int64_t n = 0;
  for (const auto& [state, count] : states) n += count;
  return n;
}

TEST_F(DaemonTest, SigkillTenTimesUnderLoadLosesAndRepeatsNothing) {
  StartDaemon();
  std::atomic<bool> feeding{true};
  std::atomic<int> sent{0};
  std::thread feeder([&] {
    // About 20 MOs a second, every fifth one an instruction (LOCK) for the backend.
    for (int i = 0; feeding && i < 2000; ++i) {
      sim_->SendText(Phone(i), kShortCode, i % 5 == 4 ? "LOCK" : "HELP");
      sent = i + 1;
      std::this_thread::sleep_for(50ms);
    }
  });

  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> delay_ms(100, 1500);
  for (int kill = 0; kill < kKills; ++kill) {
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    daemon_->Kill();
    const int binds = sim_->binds();
    daemon_ = std::make_unique<test::ChildProcess>(
        SmsgwBin(), std::vector<std::string>{"run", "--config", config_}, log_);
    ASSERT_TRUE(test::WaitFor([&] { return sim_->binds() > binds || !daemon_->running(); }, 30s))
        << "restart " << kill << " did not bind";
    ASSERT_TRUE(daemon_->running()) << "restart " << kill << " exited";
  }
  feeding = false;
  feeder.join();
  const int total = sent;
  ASSERT_GT(total, 0);

  ASSERT_TRUE(test::WaitFor([&] { return sim_->acked_mos() == static_cast<size_t>(total); }, 120s))
      << sim_->acked_mos() << " of " << total << " MOs acknowledged";
  std::vector<int> silent;
  ASSERT_TRUE(test::WaitFor(
      [&] {
        silent.clear();
        std::set<std::string> answered;
        for (const test::PhoneMessage& m : sim_->Messages()) answered.insert(m.to);
        for (int i = 0; i < total; ++i) {
          if (answered.count(Phone(i)) == 0) silent.push_back(i);
        }
        return silent.empty();
      },
      120s))
      << silent.size() << " subscribers got no reply, the first " << Phone(silent.front());
  EXPECT_EQ(StopDaemon(), 0);
  std::cout << total << " MOs, " << sim_->redelivered_mos() << " redelivered after a kill, "
            << sim_->binds() << " binds\n";

  auto key = store::LoadKeyFile(dir_.File("var/keys/store.key"));
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  store::Options options;
  options.path = dir_.File("var/smsgw.db");
  options.mode = store::OpenMode::kAdmin;
  options.keys = std::make_shared<const store::KeyRing>(std::move(*key));
  auto opened = store::Store::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto check = (*opened)->Check();
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok()) << (check->problems.empty() ? "schema" : check->problems.front());
  auto stats = (*opened)->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(Total(stats->inbound), total) << "every acknowledged MO stored exactly once";
  EXPECT_EQ(Count(stats->inbound, "new"), 0) << "and processed";
  EXPECT_EQ(Total(stats->instructions), total / 5) << "one instruction per LOCK";
  EXPECT_EQ(Count(stats->instructions, "done") + Count(stats->instructions, "rejected"), total / 5)
      << "every instruction answered by the backend";
}

}  // namespace
}  // namespace smsgw::daemon_test
