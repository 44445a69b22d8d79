// A flood from one MSISDN: 1000 MOs within a minute. It is rate-limited (10 per minute here)
// with one warning; every MO is still acknowledged and stored, and other subscribers keep
// getting their replies. Their reply latency is measured and printed, not asserted.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <thread>

#include "tests/drills/drill_fixture.h"

namespace smsgw::drills {
namespace {

constexpr int kLimit = 10;
constexpr int kFlood = 1000;
const std::string kFlooder = "254709999999";

class FloodDrill : public DrillTest {
 protected:
  std::string ConfigText() override {
    return Replaced(DrillTest::ConfigText(), "messages_per_msisdn: 1000",
                    "messages_per_msisdn: " + std::to_string(kLimit) + "\n  rate_window: 1m");
  }
};

TEST_F(FloodDrill, OnePhoneFloodingGetsOneWarningAndOthersAreStillServed) {
  StartDaemon();
  std::atomic<int> sent{0};
  std::thread flood([&] {
    // About 100 a second; texts differ so none is taken for a redelivery of another.
    for (int i = 0; i < kFlood; ++i) {
      sim_->SendText(kFlooder, kShortCode, "HELP " + std::to_string(i));
      sent = i + 1;
      if (i % 10 == 9) std::this_thread::sleep_for(100ms);
    }
  });
  constexpr int kOthers = 20;
  std::vector<double> latency_ms;
  for (int i = 0; i < kOthers; ++i) {
    const auto start = std::chrono::steady_clock::now();
    sim_->SendText(Phone(i), kShortCode, "HELP");
    const bool got = sim_->WaitMessagesTo(Phone(i), 1, 30s).size() == 1;
    EXPECT_TRUE(got) << Phone(i) << " got no reply during the flood (flood MOs sent: " << sent
                     << ")";
    if (got) {
      latency_ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
    }
    std::this_thread::sleep_for(300ms);
  }
  flood.join();
  ASSERT_TRUE(test::WaitFor([&] { return sim_->acked_mos() == kFlood + kOthers; }, 60s))
      << sim_->acked_mos() << " of " << kFlood + kOthers << " acknowledged";
  // Every stored MO processed, then a moment for any stray reply to show.
  ASSERT_TRUE(test::WaitFor(
      [&] {
        return CountLines(Log(), "event=mo.processed") >= static_cast<size_t>(kFlood + kOthers);
      },
      60s));
  std::this_thread::sleep_for(1s);
  const auto to_flooder = sim_->MessagesTo(kFlooder);
  EXPECT_EQ(to_flooder.size(), static_cast<size_t>(kLimit + 1))
      << "the first " << kLimit << " answered, then one warning, then silence";
  size_t warnings = 0;
  for (const auto& m : to_flooder) warnings += Has(m.text, "Too many messages") ? 1 : 0;
  EXPECT_EQ(warnings, 1u);
  EXPECT_EQ(StopDaemon(), 0);
  const store::StoreStats stats = StoreStats();
  EXPECT_EQ(Total(stats.inbound), kFlood + kOthers) << "every MO stored";

  std::sort(latency_ms.begin(), latency_ms.end());
  if (!latency_ms.empty()) {
    std::cout << "[drill] other subscribers' reply latency during the flood (ms): min "
              << latency_ms.front() << ", median " << latency_ms[latency_ms.size() / 2] << ", max "
              << latency_ms.back() << " (" << latency_ms.size() << " replies)\n";
  }
}

}  // namespace
}  // namespace smsgw::drills
