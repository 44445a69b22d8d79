// Bad configurations: each case edits a valid base file and names the one error (file, line,
// column, key path, message) it must produce, and how many errors there are in all, so that
// one mistake does not drown in follow-on noise.
#include <gtest/gtest.h>

#include "conf/config_loader.h"
#include "tests/conf/config_test_util.h"

namespace smsgw::conf {
namespace {

using testing::ErrorLines;
using testing::WithEnv;

// Line numbers and columns in the cases refer to this text after the edit.
constexpr const char* kBase =
    "smpp:\n"                            //  1
    "  connections:\n"                   //  2
    "    - name: local\n"                //  3  key at col 7, value at col 13
    "      host: 127.0.0.1\n"            //  4
    "      port: 2775\n"                 //  5
    "      system_id: smsgw\n"           //  6  value at col 18
    "      password: secret\n"           //  7  value at col 17
    "short_codes:\n"                     //  8
    "  - code: \"20555\"\n"              //  9  value at col 11
    "    connections: [local]\n"         // 10  '[' at col 18
    "backend:\n"                         // 11
    "  type: embedded\n"                 // 12  value at col 9
    "  embedded:\n"                      // 13
    "    ledger_path: ledger.db\n"       // 14
    "    pepper_key_file: pepper.key\n"  // 15
    "store:\n"                           // 16
    "  path: smsgw.db\n"                 // 17
    "  key_file: store.key\n"            // 18
    "grammar: grammar.yaml\n"            // 19
    "admin:\n"                           // 20
    "  token_file: admin.token\n";       // 21

struct BadCase {
  const char* name;
  const char* from;       // text of kBase to replace (must occur)
  const char* to;         // replacement
  const char* where;      // "gw.yaml:LINE:COLUMN: key.path: " the error line starts with
  const char* says;       // and contains
  std::size_t total = 1;  // errors in all
};

const BadCase kCases[] = {
    {"PortNotANumber", "port: 2775", "port: 27x5",
     "gw.yaml:5:13: smpp.connections[0].port: ", "expected an integer 1-65535, got \"27x5\""},
    {"PortZero", "port: 2775", "port: 0",
     "gw.yaml:5:13: smpp.connections[0].port: ", "expected an integer 1-65535, got \"0\""},
    {"PortTooLarge", "port: 2775", "port: 70000",
     "gw.yaml:5:13: smpp.connections[0].port: ", "got \"70000\""},
    {"PortEmpty", "port: 2775", "port:", "gw.yaml:5:7: smpp.connections[0].port: ",
     "expected an integer 1-65535, got nothing"},
    {"UnknownKeyWithHint", "port: 2775", "prot: 2775",
     "gw.yaml:5:7: smpp.connections[0].prot: ", "unknown key; did you mean \"port\"?", 2},
    {"MissingHost", "      host: 127.0.0.1\n", "",
     "gw.yaml:3:7: smpp.connections[0].host: ", "required key is missing"},
    {"BadHost", "host: 127.0.0.1", "host: bad host!", "gw.yaml:4:13: smpp.connections[0].host: ",
     "expected a host name or IP address of 1-253 characters, got \"bad host!\""},
    {"SystemIdTooLong", "system_id: smsgw", "system_id: abcdefghijklmnop",
     "gw.yaml:6:18: smpp.connections[0].system_id: ", "of 1-15 characters"},
    {"PasswordTooLongNotEchoed", "password: secret", "password: ninechars",
     "gw.yaml:7:17: smpp.connections[0].password: ", "0-8 characters, got 9 characters"},
    {"BindMisspelt", "port: 2775", "port: 2775\n      bind: transciever",
     "gw.yaml:6:13: smpp.connections[0].bind: ",
     "expected one of transceiver | transmitter_receiver, got \"transciever\""},
    {"WindowZero", "port: 2775", "port: 2775\n      window: 0",
     "gw.yaml:6:15: smpp.connections[0].window: ", "expected an integer 1-1000"},
    {"DurationWithoutUnit", "port: 2775", "port: 2775\n      enquire_link_interval: 30",
     "gw.yaml:6:30: smpp.connections[0].enquire_link_interval: ",
     "expected a duration 1s-1h such as"},
    {"DurationBadUnit", "port: 2775", "port: 2775\n      response_timeout: 10x",
     "gw.yaml:6:25: smpp.connections[0].response_timeout: ", "got \"10x\""},
    {"BackoffMinAboveMax", "port: 2775",
     "port: 2775\n      reconnect_backoff_min: 2m\n      reconnect_backoff_max: 1m",
     "gw.yaml:7:30: smpp.connections[0].reconnect_backoff_max: ",
     "must not be less than reconnect_backoff_min (2m)"},
    {"StopTimeoutBelowResponseTimeout", "port: 2775",
     "port: 2775\n      response_timeout: 20s\n      stop_timeout: 15s",
     "gw.yaml:7:21: smpp.connections[0].stop_timeout: ",
     "must not be less than response_timeout (20s)"},
    {"StopTimeoutBelowTheDefaultResponseTimeout", "port: 2775",
     "port: 2775\n      stop_timeout: 5s", "gw.yaml:6:21: smpp.connections[0].stop_timeout: ",
     "must not be less than response_timeout (10s)"},
    {"InterfaceVersionTooHigh", "port: 2775", "port: 2775\n      interface_version: 0x35",
     "gw.yaml:6:26: smpp.connections[0].interface_version: ",
     "expected an integer 0x0-0x34, got \"0x35\""},
    {"TlsFlowMappingBool", "port: 2775", "port: 2775\n      tls: {enabled: maybe}",
     "gw.yaml:6:22: smpp.connections[0].tls.enabled: ", "expected true or false, got \"maybe\""},
    {"MaxPduSizeTooSmall", "port: 2775", "port: 2775\n      max_pdu_size: 100",
     "gw.yaml:6:21: smpp.connections[0].max_pdu_size: ", "expected an integer 1024-1048576"},
    {"Dcs0Charset", "port: 2775", "port: 2775\n      dcs0_charset: utf8",
     "gw.yaml:6:21: smpp.connections[0].dcs0_charset: ", "one of gsm7 | latin1 | ucs2"},
    {"SourceTonAboveSix", "port: 2775", "port: 2775\n      source_ton: 7",
     "gw.yaml:6:19: smpp.connections[0].source_ton: ", "expected an integer 0-6, got \"7\""},
    {"DestinationTonNotANumber", "port: 2775", "port: 2775\n      destination_ton: intl",
     "gw.yaml:6:24: smpp.connections[0].destination_ton: ", "expected an integer 0-6"},
    {"SourceNpiNotInTheTable", "port: 2775", "port: 2775\n      source_npi: 2",
     "gw.yaml:6:19: smpp.connections[0].source_npi: ",
     "expected one of 0, 1, 3, 4, 6, 8, 9, 10, 14, 18, got \"2\""},
    {"DestinationNpiAboveTheTable", "port: 2775", "port: 2775\n      destination_npi: 19",
     "gw.yaml:6:24: smpp.connections[0].destination_npi: ", "expected one of 0, 1, 3,"},
    {"KeyWrittenTwice", "port: 2775", "port: 2775\n      port: 2776",
     "gw.yaml:6:7: smpp.connections[0].port: ", "key written twice (first at line 5)"},
    {"DuplicateConnectionName", "      password: secret\n",
     "      password: secret\n    - name: LOCAL\n      host: h\n      port: 1\n"
     "      system_id: x\n      password: y\n",
     "gw.yaml:8:13: smpp.connections[1].name: ",
     "connection name \"LOCAL\" is already used at line 3"},
    {"ConnectionsNotAList",
     "  connections:\n    - name: local\n      host: 127.0.0.1\n      port: 2775\n"
     "      system_id: smsgw\n      password: secret\n",
     "  connections: {name: local}\n",
     "gw.yaml:2:16: smpp.connections: ", "expected a list, got a mapping", 2},
    {"ShortCodeUnknownConnection", "[local]", "[locl]",
     "gw.yaml:10:19: short_codes[0].connections[0]: ",
     "no SMPP connection is named \"locl\"; did you mean \"local\"?"},
    {"ShortCodeConnectionsNotAList", "[local]", "local",
     "gw.yaml:10:18: short_codes[0].connections: ", "got \"local\""},
    {"NoShortCodes", "short_codes:\n  - code: \"20555\"\n    connections: [local]\n",
     "short_codes: []\n", "gw.yaml:8:14: short_codes: ", "expected at least one entry"},
    {"ShortCodeCharacters", "\"20555\"", "\"20-555\"", "gw.yaml:9:11: short_codes[0].code: ",
     "expected letters and digits of 1-20 characters, got \"20-555\""},
    {"LanguageUpperCase", "[local]\n", "[local]\n    language: EN\n",
     "gw.yaml:11:15: short_codes[0].language: ", "got \"EN\""},
    {"BackendTypeUnknown", "type: embedded", "type: ftp",
     "gw.yaml:12:9: backend.type: ", "expected one of embedded | http, got \"ftp\""},
    {"HttpBackendNeedsUrl", "type: embedded", "type: http",
     "gw.yaml:12:3: backend.http.url: ", "required key is missing (backend.type is http)", 3},
    {"HttpBackendBadUrl", "type: embedded",
     "type: http\n  http:\n    url: ftp://bank\n    key_id: k\n    hmac_key_file: h.key",
     "gw.yaml:14:10: backend.http.url: ", "an http:// or https:// URL"},
    {"HttpBackendPlainHttpOffHost", "type: embedded",
     "type: http\n  http:\n    url: http://bank.example:8080/api\n    key_id: k\n"
     "    hmac_key_file: h.key",
     "gw.yaml:14:10: backend.http.url: ", "would carry PINs in clear; use https://"},
    {"HttpBackendPlainHttpLookalike", "type: embedded",
     "type: http\n  http:\n    url: http://127.0.0.1.bank.example/api\n    key_id: k\n"
     "    hmac_key_file: h.key",
     "gw.yaml:14:10: backend.http.url: ", "would carry PINs in clear; use https://"},
    {"MissingBackend",
     "backend:\n  type: embedded\n  embedded:\n    ledger_path: ledger.db\n"
     "    pepper_key_file: pepper.key\n",
     "", "gw.yaml:1:1: backend: ", "required key is missing"},
    {"StoreNotAMapping", "store:\n  path: smsgw.db\n  key_file: store.key\n", "store: fast\n",
     "gw.yaml:16:8: store: ", "expected a mapping of keys, got \"fast\""},
    {"Synchronous", "  key_file: store.key\n", "  key_file: store.key\n  synchronous: off\n",
     "gw.yaml:19:16: store.synchronous: ", "expected one of normal | full | extra"},
    {"DedupWindowTooShort", "  key_file: store.key\n",
     "  key_file: store.key\n  network_dedup_window: 0s\n",
     "gw.yaml:19:25: store.network_dedup_window: ", "expected a duration 1m-720h"},
    {"DedupWindowWithoutIdTooShort", "  key_file: store.key\n",
     "  key_file: store.key\n  network_dedup_window_without_id: 5s\n",
     "gw.yaml:19:36: store.network_dedup_window_without_id: ", "expected a duration 10s-24h"},
    {"DedupWindowWithoutIdAboveTheOther", "  key_file: store.key\n",
     "  key_file: store.key\n  network_dedup_window: 10m\n"
     "  network_dedup_window_without_id: 15m\n",
     "gw.yaml:19:25: store.network_dedup_window: ",
     "must not be less than network_dedup_window_without_id (15m)"},
    {"DedupWindowHandsetReferenceTooShort", "  key_file: store.key\n",
     "  key_file: store.key\n  network_dedup_window_handset_reference: 5s\n",
     "gw.yaml:19:43: store.network_dedup_window_handset_reference: ",
     "expected a duration 10s-24h"},
    {"DedupWindowHandsetReferenceAboveTheLongOne", "  key_file: store.key\n",
     "  key_file: store.key\n  network_dedup_window: 5m\n",
     "gw.yaml:19:25: store.network_dedup_window: ",
     "must not be less than network_dedup_window_handset_reference (10m)"},
    {"DedupWindowHandsetReferenceBelowTheOneWithoutId", "  key_file: store.key\n",
     "  key_file: store.key\n  network_dedup_window_handset_reference: 1m\n",
     "gw.yaml:19:43: store.network_dedup_window_handset_reference: ",
     "must not be less than network_dedup_window_without_id (2m)"},
    {"GroupCommitZero", "  key_file: store.key\n",
     "  key_file: store.key\n  group_commit:\n    max_messages: 0\n",
     "gw.yaml:20:19: store.group_commit.max_messages: ", "expected an integer 1-10000"},
    {"YesIsNotABool", "grammar:", "keys: {create_missing: yes}\ngrammar:",
     "gw.yaml:19:24: keys.create_missing: ", "expected true or false, got \"yes\""},
    {"MissingGrammar", "grammar: grammar.yaml\n", "",
     "gw.yaml:1:1: grammar: ", "required key is missing"},
    {"TopLevelTypo", "grammar: grammar.yaml", "grammer: grammar.yaml",
     "gw.yaml:19:1: grammer: ", "unknown key; did you mean \"grammar\"?", 2},
    {"AdminListenHostName", "admin:\n", "admin:\n  listen: localhost:7780\n",
     "gw.yaml:21:11: admin.listen: ", "expected an address IP:port"},
    {"AdminTokenEmpty", "token_file: admin.token",
     "token_file:", "gw.yaml:21:3: admin.token_file: ", "expected a file path, got nothing"},
    {"WrongPinsTooMany", "admin.token\n", "admin.token\nlimits:\n  wrong_pins_per_challenge: 11\n",
     "gw.yaml:23:29: limits.wrong_pins_per_challenge: ", "expected an integer 1-10, got \"11\""},
    {"UssdTimeoutTooLong", "admin.token\n", "admin.token\nussd:\n  session_timeout: 1h\n",
     "gw.yaml:23:20: ussd.session_timeout: ", "expected a duration 10s-10m"},
    {"LogLevel", "admin.token\n", "admin.token\nlogging:\n  level: verbose\n",
     "gw.yaml:23:10: logging.level: ", "one of debug | info | warn | error, got \"verbose\""},
    {"LogFormat", "admin.token\n", "admin.token\nlogging:\n  format: xml\n",
     "gw.yaml:23:11: logging.format: ", "one of kv | json"},
    {"YamlSyntax", "[local]", "[local",
     "gw.yaml:11:8: ", "YAML syntax error: end of sequence flow"},
};

class BadConfig : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadConfig, ReportsFileLineColumnAndKey) {
  const BadCase& c = GetParam();
  std::string text = kBase;
  std::size_t at = text.find(c.from);
  ASSERT_NE(at, std::string::npos) << "the case edits text that is not in the base: " << c.from;
  text.replace(at, std::string(c.from).size(), c.to);

  Result<GatewayConfig> r = ParseGatewayConfig(text, "gw.yaml", "/srv/smsgw", WithEnv({}));
  ASSERT_FALSE(r.ok()) << "accepted:\n" << text;
  EXPECT_TRUE(r.status().IsInvalidArgument());
  std::vector<std::string> lines = ErrorLines(r.status());
  bool found = false;
  for (const std::string& line : lines) {
    if (line.rfind(c.where, 0) == 0) {
      found = true;
      EXPECT_NE(line.find(c.says), std::string::npos) << line;
    }
  }
  EXPECT_TRUE(found) << "no error starts with \"" << c.where << "\" in:\n" << r.status().message();
  EXPECT_EQ(lines.size(), c.total) << r.status().message();
}

INSTANTIATE_TEST_SUITE_P(Table, BadConfig, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(BadConfig, TableIsLargeEnough) {
  EXPECT_GE(std::size(kCases), 25u);
}

TEST(BadConfig, BaseIsValid) {
  Result<GatewayConfig> r = ParseGatewayConfig(kBase, "gw.yaml", "/srv/smsgw", WithEnv({}));
  EXPECT_TRUE(r.ok()) << r.status().message();
}

TEST(BadConfig, SecretValueNeverInMessage) {
  std::string text = kBase;
  text.replace(text.find("password: secret"), 16, "password: \"s3cr\x01tpw\"");
  Result<GatewayConfig> r = ParseGatewayConfig(text, "gw.yaml", "/srv", WithEnv({}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find("s3cr"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("not allowed"), std::string::npos) << r.status().message();
}

// The example of the issue: an unknown key, a port of "27x5" and a missing required key in
// one file are all reported, in file order, with their own lines and nothing else.
TEST(BadConfig, ThreeMistakesAllReported) {
  std::string text = kBase;
  text.replace(text.find("port: 2775\n"), 11, "port: 27x5\n      windw: 10\n");
  text.replace(text.find("      system_id: smsgw\n"), 23, "");
  Result<GatewayConfig> r = ParseGatewayConfig(text, "conf/gateway.yaml", "/srv", WithEnv({}));
  ASSERT_FALSE(r.ok());
  std::vector<std::string> expected = {
      "conf/gateway.yaml:3:7: smpp.connections[0].system_id: required key is missing",
      "conf/gateway.yaml:5:13: smpp.connections[0].port: expected an integer 1-65535, got "
      "\"27x5\"",
      "conf/gateway.yaml:6:7: smpp.connections[0].windw: unknown key; did you mean \"window\"?"};
  EXPECT_EQ(ErrorLines(r.status()), expected);
}

// A misspelt required key is reported twice over: as unknown, and as missing.
TEST(BadConfig, MisspeltRequiredKey) {
  std::string text = kBase;
  text.replace(text.find("  path: smsgw.db\n"), 17, "  pth: smsgw.db\n");
  Result<GatewayConfig> r = ParseGatewayConfig(text, "gw.yaml", "/srv", WithEnv({}));
  ASSERT_FALSE(r.ok());
  std::vector<std::string> expected = {
      "gw.yaml:17:3: store.path: required key is missing",
      "gw.yaml:17:3: store.pth: unknown key; did you mean \"path\"?"};
  EXPECT_EQ(ErrorLines(r.status()), expected);
}

TEST(BadConfig, ScalarTopLevel) {
  Result<GatewayConfig> r = ParseGatewayConfig("just text\n", "gw.yaml", "/srv", WithEnv({}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorLines(r.status()).at(0),
            "gw.yaml:1:1: expected a mapping of keys, got \"just text\"");
}

TEST(BadConfig, EmptyFileListsRequiredKeys) {
  Result<GatewayConfig> r = ParseGatewayConfig("", "gw.yaml", "/srv", WithEnv({}));
  ASSERT_FALSE(r.ok());
  std::vector<std::string> lines = ErrorLines(r.status());
  std::vector<std::string> expected = {
      "gw.yaml:1:1: smpp: required key is missing",
      "gw.yaml:1:1: short_codes: required key is missing",
      "gw.yaml:1:1: backend: required key is missing",
      "gw.yaml:1:1: store: required key is missing",
      "gw.yaml:1:1: grammar: required key is missing",
      "gw.yaml:1:1: admin.token_file: required key is missing (or set SMSGW_ADMIN_TOKEN)"};
  EXPECT_EQ(lines, expected);
}

TEST(BadConfig, MissingFileIsNotFound) {
  Result<GatewayConfig> r = LoadGatewayConfig("/nonexistent/gateway.yaml", WithEnv({}));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotFound());
  EXPECT_EQ(r.status().message(),
            "/nonexistent/gateway.yaml: cannot read: No such file or directory");
}

}  // namespace
}  // namespace smsgw::conf
