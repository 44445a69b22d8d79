// docs/configuration.md and the shipped conf/gateway.yaml follow the schema: every key is
// documented once with the type, default and reload mark the code uses, and appears in the
// shipped file. The shipped systemd unit waits longer than a stop with the defaults takes.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "conf/config_keys.h"
#include "conf/duration.h"
#include "conf/gateway_config.h"
#include "gateway/daemon/daemon.h"
#include "tests/conf/config_test_util.h"

namespace smsgw::conf {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Trim(std::string s, const char* strip = " `\"") {
  s.erase(0, s.find_first_not_of(strip));
  s.erase(s.find_last_not_of(strip) + 1);
  return s;
}

struct DocRow {
  std::string type, default_value, range, reload;
};

// Rows of the key tables: "| `key` | type | default | range | reload |".
std::map<std::string, DocRow> DocRows(const std::string& text, std::vector<std::string>* twice) {
  std::map<std::string, DocRow> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    std::istringstream cs(line.substr(1));
    for (std::string cell; std::getline(cs, cell, '|');) cells.push_back(cell);
    if (cells.size() != 5) continue;  // the environment variable table
    std::string key = Trim(cells[0]);
    if (rows.count(key)) twice->push_back(key);
    rows[key] = DocRow{Trim(cells[1]), Trim(cells[2]), cells[3], Trim(cells[4])};
  }
  return rows;
}

bool SameDefault(const KeyInfo& key, const DocRow& row) {
  std::string code = Trim(key.default_value);
  if (row.default_value == "required") {
    bool conditional = row.range.find("when ") != std::string::npos ||
                       row.range.find("unless ") != std::string::npos;
    return key.required || (code.empty() && conditional);
  }
  if (key.type == "duration") return ParseDuration(row.default_value) == ParseDuration(code);
  return row.default_value == code;
}

TEST(Docs, EveryKeyDocumentedWithTheCodesTypeDefaultAndReloadMark) {
  std::string text = Slurp(testing::SourceDir() + "/docs/configuration.md");
  ASSERT_FALSE(text.empty());
  std::vector<std::string> twice;
  std::map<std::string, DocRow> rows = DocRows(text, &twice);
  EXPECT_TRUE(twice.empty()) << "documented twice: " << twice.front();
  std::size_t keys = 0;
  for (const KeyInfo& key : ConfigKeys()) {
    if (key.section) continue;
    ++keys;
    auto it = rows.find(key.path);
    if (it == rows.end()) {
      ADD_FAILURE() << key.path << " is not in docs/configuration.md";
      continue;
    }
    const DocRow& row = it->second;
    EXPECT_EQ(row.type, key.type) << key.path;
    EXPECT_TRUE(SameDefault(key, row))
        << key.path << ": docs say " << row.default_value << ", code says " << key.default_value;
    EXPECT_EQ(row.reload, key.reload ? "SIGHUP" : "restart") << key.path;
    rows.erase(it);
  }
  for (const auto& [path, row] : rows) ADD_FAILURE() << "documented but not a key: " << path;
  EXPECT_GT(keys, 60u);
}

TEST(Docs, EnvironmentVariablesDocumented) {
  std::string text = Slurp(testing::SourceDir() + "/docs/configuration.md");
  GatewayConfig c;
  for (const KeySource* k :
       {&c.store.key, &c.backend.embedded.pepper_key, &c.backend.http.hmac_key, &c.admin.token}) {
    EXPECT_NE(text.find("`" + k->env_var + "`"), std::string::npos) << k->env_var;
  }
  EXPECT_NE(text.find("`SMSGW_SMPP_PASSWORD_<NAME>`"), std::string::npos);
}

// The shipped file is the manual: every key appears in it (the http backend's commented out).
TEST(Docs, ShippedConfigurationShowsEveryKey) {
  std::string text = Slurp(testing::SourceDir() + "/conf/gateway.yaml");
  ASSERT_FALSE(text.empty());
  for (const KeyInfo& key : ConfigKeys()) {
    std::size_t dot = key.path.rfind('.');
    std::string leaf = key.path.substr(dot == std::string::npos ? 0 : dot + 1);
    if (leaf.ends_with("[]")) leaf.resize(leaf.size() - 2);
    bool shown = text.find(" " + leaf + ":") != std::string::npos ||
                 text.find("\n" + leaf + ":") != std::string::npos;
    EXPECT_TRUE(shown) << key.path;
  }
}

// systemd's SIGKILL must not cut short a stop with the shipped defaults: the drain, then a
// bind's wait for its submits in flight, its unbind_resp and the SMSC's TLS close_notify.
TEST(Docs, UnitStopTimeoutOutlastsADefaultStop) {
  std::istringstream unit(Slurp(testing::SourceDir() + "/packaging/smsgw.service"));
  std::optional<Duration> systemd;
  for (std::string line; std::getline(unit, line);) {
    if (line.rfind("TimeoutStopSec=", 0) == 0) systemd = ParseDuration(line.substr(15));
  }
  ASSERT_TRUE(systemd.has_value()) << "no TimeoutStopSec= in packaging/smsgw.service";
  const SmppConnection smpp;
  const Duration stop =
      gateway::DaemonOptions{}.drain_timeout + smpp.stop_timeout + 2 * smpp.response_timeout;
  EXPECT_GE(smpp.stop_timeout, smpp.response_timeout);
  EXPECT_GT(*systemd, stop) << FormatDuration(*systemd) << " against " << FormatDuration(stop);
}

}  // namespace
}  // namespace smsgw::conf
