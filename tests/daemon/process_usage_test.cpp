// The /proc readings the load benchmark reports beside its figures.
#include "tests/support/process_usage.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

namespace smsgw::test {
namespace {

TEST(StolenShare, IsStealOverAllTimeBetweenTwoReadings) {
  EXPECT_DOUBLE_EQ(StolenShare({1000, 10}, {2000, 60}), 0.05);
  EXPECT_DOUBLE_EQ(StolenShare({1000, 10}, {2000, 10}), 0.0);
}

TEST(StolenShare, IsZeroWhenNothingElapsedOrTheCountersWentBack) {
  EXPECT_DOUBLE_EQ(StolenShare({1000, 10}, {1000, 10}), 0.0);
  EXPECT_DOUBLE_EQ(StolenShare({2000, 10}, {1000, 5}), 0.0);
  EXPECT_DOUBLE_EQ(StolenShare({1000, 50}, {2000, 40}), 0.0);
}

TEST(ReadHostCpu, CountsTimeGoingForward) {
  const std::optional<HostCpu> before = ReadHostCpu();
  ASSERT_TRUE(before.has_value());
  EXPECT_GT(before->total, 0u);
  EXPECT_LE(before->steal, before->total);
  // Busy for a few clock ticks so the machine's total moves.
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
  volatile unsigned long spin = 0;
  while (std::chrono::steady_clock::now() < until) spin = spin + 1;
  const std::optional<HostCpu> after = ReadHostCpu();
  ASSERT_TRUE(after.has_value());
  EXPECT_GT(after->total, before->total);
  EXPECT_GE(after->steal, before->steal);
  const double share = StolenShare(*before, *after);
  EXPECT_GE(share, 0.0);
  EXPECT_LE(share, 1.0);
}

TEST(ReadProcessUsage, CountsEverySleepAsAVoluntarySwitch) {
  const std::optional<ProcessUsage> before = ReadProcessUsage(::getpid());
  ASSERT_TRUE(before.has_value());
  for (int i = 0; i < 5; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const std::optional<ProcessUsage> after = ReadProcessUsage(::getpid());
  ASSERT_TRUE(after.has_value());
  EXPECT_GE(after->voluntary_switches, before->voluntary_switches + 5);
}

// The load benchmark reports the daemon's writes per MO from these two counters.
TEST(ReadProcessUsage, CountsTheBytesAndCallsOfWrites) {
  char path[] = "/tmp/smsgw-process-usage-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::optional<ProcessUsage> before = ReadProcessUsage(::getpid());
  ASSERT_TRUE(before.has_value());
  const std::string block(4096, 'x');
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(::write(fd, block.data(), block.size()), static_cast<ssize_t>(block.size()));
  }
  const std::optional<ProcessUsage> after = ReadProcessUsage(::getpid());
  ::close(fd);
  ::unlink(path);
  ASSERT_TRUE(after.has_value());
  EXPECT_GE(after->written_bytes, before->written_bytes + 8 * 4096);
  EXPECT_GE(after->write_calls, before->write_calls + 8);
}

}  // namespace
}  // namespace smsgw::test
