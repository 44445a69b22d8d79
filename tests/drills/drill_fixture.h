// The fault drills (docs/robustness.md): `smsgw run` as a process against the SMSC simulator,
// with every timer short so each drill runs in seconds. Drills replace parts of the daemon
// test's configuration (tests/daemon/daemon_fixture.h) and read the store afterwards, offline,
// the way `smsgw ctl` does.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <regex>
#include <string>

#include "store/crypto.h"
#include "store/store.h"
#include "tests/daemon/daemon_fixture.h"

namespace smsgw::drills {

using namespace std::chrono_literals;
using daemon_test::Has;
using daemon_test::kShortCode;

// `text` with the first `from` replaced by `to` (the whole text when `from` is missing fails the
// test: a drill must not silently run with the default settings).
inline std::string Replaced(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "no \"" << from << "\" in the configuration";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

inline int64_t Count(const std::map<std::string, int64_t>& states, const char* state) {
  auto it = states.find(state);
  return it == states.end() ? 0 : it->second;
}

inline int64_t Total(const std::map<std::string, int64_t>& states) {
  int64_t n = 0;
  for (const auto& [state, count] : states) n += count;
  return n;
}

// Lines of the daemon log that hold `event` (e.g. "event=smpp").
inline size_t CountLines(const std::string& log, const std::string& part) {
  size_t n = 0;
  for (size_t at = log.find(part); at != std::string::npos; at = log.find(part, at + 1)) ++n;
  return n;
}

class DrillTest : public daemon_test::DaemonTest {
 protected:
  // Short SMPP timers: enquire_link every second, 500 ms for any response, reconnect after
  // 100 ms doubling up to 1 s.
  std::string ConfigText() override {
    return Replaced(DaemonTest::ConfigText(), "      enquire_link_interval: 5s\n",
                    "      enquire_link_interval: 1s\n"
                    "      response_timeout: 500ms\n");
  }

  // The store's counters, read offline once the daemon stopped.
  store::StoreStats StoreStats() {
    auto key = store::LoadKeyFile(dir_.File("var/keys/store.key"));
    EXPECT_TRUE(key.ok()) << key.status().ToString();
    if (!key.ok()) return {};
    store::Options options;
    options.path = StorePath();
    options.mode = store::OpenMode::kAdmin;
    options.keys = std::make_shared<const store::KeyRing>(std::move(*key));
    auto opened = store::Store::Open(options);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    if (!opened.ok()) return {};
    auto check = (*opened)->Check();
    EXPECT_TRUE(check.ok() && check->ok()) << "integrity check";
    auto stats = (*opened)->Stats();
    EXPECT_TRUE(stats.ok());
    return stats.ok() ? *stats : store::StoreStats{};
  }

  virtual std::string StorePath() { return dir_.File("var/smsgw.db"); }

  // Distinct phones for traffic, so no text is taken for another's redelivery.
  static std::string Phone(int i) { return "2547030" + std::to_string(10000 + i); }
};

}  // namespace smsgw::drills
