#include "gateway/log.h"

#include <gtest/gtest.h>

namespace smsgw::gateway {
namespace {

constexpr int64_t kT = 1764121500123;  // 2025-11-26T01:45:00.123Z

TEST(Log, KeyValueLine) {
  Logger log;
  std::string line =
      log.Format(LogLevel::kInfo, "mo.accepted", {{"conn", "smsc1"}, {"id", int64_t{42}}}, kT);
  EXPECT_EQ(line, "ts=2025-11-26T01:45:00.123Z level=info event=mo.accepted conn=smsc1 id=42");
}

TEST(Log, KeyValueQuotesValuesThatCouldForgeKeys) {
  Logger log;
  std::string line = log.Format(LogLevel::kWarn, "x", {{"text", "a b\nlevel=error"}}, kT);
  EXPECT_NE(line.find("text=\"a b\\nlevel=error\""), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(Log, JsonLine) {
  Logger log;
  log.set_format(LogFormat::kJson);
  std::string line = log.Format(LogLevel::kError, "store.failed",
                                {{"error", "disk \"full\""}, {"retry", true}}, kT);
  EXPECT_EQ(line,
            "{\"ts\":\"2025-11-26T01:45:00.123Z\",\"level\":\"error\",\"event\":\"store.failed\","
            "\"error\":\"disk \\\"full\\\"\",\"retry\":true}");
}

TEST(Log, LevelFilter) {
  Logger log;
  log.set_level(LogLevel::kWarn);
  EXPECT_FALSE(log.Enabled(LogLevel::kInfo));
  EXPECT_TRUE(log.Enabled(LogLevel::kError));
  LogLevel l;
  EXPECT_TRUE(ParseLogLevel("debug", &l));
  EXPECT_EQ(l, LogLevel::kDebug);
  EXPECT_FALSE(ParseLogLevel("verbose", &l));
}

}  // namespace
}  // namespace smsgw::gateway
