// Good configurations: every key read into the typed structs, defaults where keys are left
// out, paths resolved against the file's directory, secrets from the environment, and the
// shipped conf/gateway.yaml.
#include <gtest/gtest.h>

#include "conf/config_loader.h"
#include "conf/key_file.h"
#include "gateway/smpp/pdu.h"
#include "tests/conf/config_test_util.h"

namespace smsgw::conf {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::ErrorLines;
using testing::kHexKey;
using testing::TempDir;
using testing::WithEnv;

// Every key, each set to something other than its default.
constexpr const char* kFull = R"(
smpp:
  connections:
    - name: smsc-a
      host: smsc.example.net
      port: 3775
      system_id: gw01
      password: pw1
      system_type: VMA
      bind: transmitter_receiver
      address_range: "^2547"
      interface_version: 0x33
      window: 50
      throughput: 200
      enquire_link_interval: 45s
      response_timeout: 2500ms
      stop_timeout: 45s
      reconnect_backoff_min: 250ms
      reconnect_backoff_max: 5m
      max_pdu_size: 4096
      tls:
        enabled: true
        ca_file: ca.pem
        server_name: smsc.example.net
        verify: false
      dcs0_charset: latin1
      ussd_dialogue: user_message_reference
      source_ton: 5
      source_npi: 0
      destination_ton: 2
      destination_npi: 8
    - name: smsc_b
      host: "::1"
      port: 2776
      system_id: gw02
      password: ""
short_codes:
  - code: "20555"
    connections: [smsc-a, smsc_b]
    language: sw
  - code: INFO
backend:
  type: http
  http:
    url: https://bank.example.com:8443/v1
    key_id: k-2024.1
    hmac_key_file: /etc/smsgw/hmac.key
    ca_file: /etc/ssl/bank.pem
    connect_timeout: 1s
    request_timeout: 20s
    pool_size: 16
    max_attempts: 5
    backoff_min: 1s
    backoff_max: 10m
    circuit_breaker_threshold: 3
    circuit_breaker_open_time: 1m
store:
  path: data/gw.db
  key_file: keys/store.key
  synchronous: extra
  network_dedup_window: 48h
  network_dedup_window_handset_reference: 30m
  network_dedup_window_without_id: 90s
  resend_window: 0s
  group_commit:
    max_messages: 100
    max_delay: 2ms
keys:
  create_missing: true
grammar: /etc/smsgw/grammar.yaml
limits:
  messages_per_msisdn: 20
  rate_window: 30s
  challenge_ttl: 2m
  wrong_pins_per_challenge: 2
  wrong_pins_per_24h: 4
  lockout_duration: 1h30m
  locked_bind_notice_interval: 6h
ussd:
  session_timeout: 2m
admin:
  listen: "[::1]:9000"
  token_file: keys/admin.token
logging:
  level: debug
  format: json
)";

GatewayConfig ExpectedFull() {
  GatewayConfig c;
  c.source_file = "gw.yaml";
  c.base_dir = "/srv/smsgw";
  SmppConnection a;
  a.name = "smsc-a";
  a.host = "smsc.example.net";
  a.port = 3775;
  a.system_id = "gw01";
  a.password = "pw1";
  a.system_type = "VMA";
  a.bind = BindMode::kTransmitterReceiver;
  a.address_range = "^2547";
  a.interface_version = 0x33;
  a.window = 50;
  a.throughput = 200;
  a.enquire_link_interval = seconds(45);
  a.response_timeout = milliseconds(2500);
  a.stop_timeout = seconds(45);
  a.reconnect_backoff_min = milliseconds(250);
  a.reconnect_backoff_max = minutes(5);
  a.max_pdu_size = 4096;
  a.tls = TlsConfig{true, "/srv/smsgw/ca.pem", "smsc.example.net", false};
  a.dcs0_charset = Charset::kLatin1;
  a.ussd_dialogue = UssdDialogue::kUserMessageReference;
  a.source_ton = 5;
  a.source_npi = 0;
  a.destination_ton = 2;
  a.destination_npi = 8;
  SmppConnection b;
  b.name = "smsc_b";
  b.host = "::1";
  b.port = 2776;
  b.system_id = "gw02";
  c.smpp.connections = {a, b};
  c.short_codes = {ShortCode{"20555", {"smsc-a", "smsc_b"}, "sw"}, ShortCode{"INFO", {}, ""}};

  c.backend.type = BackendType::kHttp;
  HttpBackend& h = c.backend.http;
  h.url = "https://bank.example.com:8443/v1";
  h.key_id = "k-2024.1";
  h.hmac_key.file = "/etc/smsgw/hmac.key";
  h.ca_file = "/etc/ssl/bank.pem";
  h.connect_timeout = seconds(1);
  h.request_timeout = seconds(20);
  h.pool_size = 16;
  h.max_attempts = 5;
  h.backoff_min = seconds(1);
  h.backoff_max = minutes(10);
  h.circuit_breaker_threshold = 3;
  h.circuit_breaker_open_time = minutes(1);

  c.store.path = "/srv/smsgw/data/gw.db";
  c.store.key.file = "/srv/smsgw/keys/store.key";
  c.store.key.create_if_missing = true;
  c.store.synchronous = Synchronous::kExtra;
  c.store.network_dedup_window = hours(48);
  c.store.network_dedup_window_handset_reference = minutes(30);
  c.store.network_dedup_window_without_id = seconds(90);
  c.store.resend_window = seconds(0);
  c.store.group_commit = GroupCommit{100, milliseconds(2)};
  c.keys.create_missing = true;
  c.grammar_path = "/etc/smsgw/grammar.yaml";
  c.limits = LimitsConfig{20, seconds(30), minutes(2), 2, 4, minutes(90), hours(6)};
  c.ussd.session_timeout = minutes(2);
  c.admin.listen = Endpoint{"::1", 9000};
  c.admin.token.file = "/srv/smsgw/keys/admin.token";
  c.admin.token.create_if_missing = true;
  c.logging = LoggingConfig{LogLevel::kDebug, LogFormat::kJson};
  return c;
}

TEST(LoadConfig, EveryKeyRoundTrips) {
  Result<GatewayConfig> r = ParseGatewayConfig(kFull, "gw.yaml", "/srv/smsgw", WithEnv({}));
  ASSERT_TRUE(r.ok()) << r.status().message();
  GatewayConfig want = ExpectedFull();
  // Section by section, so that a failure says where.
  ASSERT_EQ(r->smpp.connections.size(), 2u);
  EXPECT_TRUE(r->smpp.connections[0] == want.smpp.connections[0]);
  EXPECT_TRUE(r->smpp.connections[1] == want.smpp.connections[1]);
  EXPECT_TRUE(r->short_codes == want.short_codes);
  EXPECT_TRUE(r->backend == want.backend);
  EXPECT_TRUE(r->store == want.store);
  EXPECT_TRUE(r->limits == want.limits);
  EXPECT_TRUE(r->admin == want.admin);
  EXPECT_TRUE(r->logging == want.logging);
  EXPECT_TRUE(*r == want);
}

constexpr const char* kMinimal = R"(
smpp:
  connections:
    - {name: a, host: h, port: 1, system_id: s, password: p}
short_codes:
  - code: "1"
backend:
  type: embedded
  embedded: {ledger_path: l.db, pepper_key_file: p.key}
store: {path: s.db, key_file: s.key}
grammar: g.yaml
admin: {token_file: a.token}
)";

TEST(LoadConfig, LeftOutKeysTakeTheirDefaults) {
  Result<GatewayConfig> r = ParseGatewayConfig(kMinimal, "gw.yaml", "/x", WithEnv({}));
  ASSERT_TRUE(r.ok()) << r.status().message();
  const SmppConnection& c = r->smpp.connections.at(0);
  SmppConnection defaults;
  EXPECT_EQ(c.bind, BindMode::kTransceiver);
  EXPECT_EQ(c.interface_version, 0x34);
  EXPECT_EQ(c.window, 10u);
  EXPECT_EQ(c.throughput, 0u);
  EXPECT_EQ(c.enquire_link_interval, seconds(30));
  EXPECT_EQ(c.stop_timeout, seconds(10));
  EXPECT_EQ(c.max_pdu_size, 70000u);
  EXPECT_TRUE(c.tls == defaults.tls);
  EXPECT_EQ(c.source_ton, 0);
  EXPECT_EQ(c.source_npi, 1);
  EXPECT_EQ(c.destination_ton, 1);
  EXPECT_EQ(c.destination_npi, 1);
  EXPECT_EQ(r->short_codes.at(0).language, "") << "the grammar's default_language";
  EXPECT_TRUE(r->short_codes.at(0).connections.empty());
  EXPECT_EQ(r->store.synchronous, Synchronous::kFull);
  EXPECT_EQ(r->store.network_dedup_window, hours(24));
  EXPECT_EQ(r->store.network_dedup_window_handset_reference, minutes(10));
  EXPECT_EQ(r->store.network_dedup_window_without_id, minutes(2));
  EXPECT_EQ(r->store.resend_window, minutes(10));
  EXPECT_FALSE(r->keys.create_missing);
  EXPECT_FALSE(r->store.key.create_if_missing);
  EXPECT_TRUE(r->limits == LimitsConfig{});
  EXPECT_EQ(r->limits.challenge_ttl, minutes(5));
  EXPECT_EQ(r->limits.wrong_pins_per_challenge, 3u);
  EXPECT_EQ(r->limits.wrong_pins_per_24h, 5u);
  EXPECT_EQ(r->limits.locked_bind_notice_interval, hours(24));
  EXPECT_EQ(r->ussd.session_timeout, seconds(180));
  EXPECT_TRUE(r->admin.listen == (Endpoint{"127.0.0.1", 7780}));
  EXPECT_EQ(r->logging.level, LogLevel::kInfo);
  EXPECT_EQ(r->logging.format, LogFormat::kKeyValue);
  EXPECT_EQ(r->store.path, "/x/s.db");
  EXPECT_EQ(r->grammar_path, "/x/g.yaml");
}

// A stop waits for the submits in flight as long as each may wait for its response: left out,
// stop_timeout grows with a response_timeout above its default, and stays at its default
// below it.
TEST(LoadConfig, LeftOutStopTimeoutCoversTheResponseTimeout) {
  for (const auto& [response, stop] : {std::pair{"30s", seconds(30)}, {"2s", seconds(10)}}) {
    std::string text = kMinimal;
    text.replace(text.find("password: p}"), 12,
                 std::string("password: p, response_timeout: ") + response + "}");
    Result<GatewayConfig> r = ParseGatewayConfig(text, "gw.yaml", "/x", WithEnv({}));
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->smpp.connections.at(0).stop_timeout, stop) << response;
  }
}

// The config accepts exactly the TON and NPI values SMPP 3.4 lists, as the PDU code does, so
// an MT never goes out with an address the codec calls invalid.
TEST(LoadConfig, TonAndNpiAreTheSpecsValues) {
  for (int v = 0; v <= 255; ++v) {
    for (const char* key : {"source_ton", "destination_ton", "source_npi", "destination_npi"}) {
      std::string text = kMinimal;
      text.replace(text.find("password: p}"), 12,
                   "password: p, " + std::string(key) + ": " + std::to_string(v) + "}");
      Result<GatewayConfig> r = ParseGatewayConfig(text, "gw.yaml", "/x", WithEnv({}));
      const bool ton = std::string(key).ends_with("ton");
      const auto value = static_cast<uint8_t>(v);
      EXPECT_EQ(r.ok(), ton ? smpp::IsSpecTon(value) : smpp::IsSpecNpi(value)) << key << " " << v;
    }
  }
}

TEST(LoadConfig, RelativePathsResolveAgainstTheFilesDirectory) {
  TempDir dir;
  std::string text = kMinimal;
  text.replace(text.find("store: {path: s.db"), 18, "store: {path: ../var/./s.db");
  dir.Write("etc/g.yaml", "");
  std::string file = dir.Write("etc/gateway.yaml", text);
  Result<GatewayConfig> r = LoadGatewayConfig(file, WithEnv({}));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->base_dir, dir.path() + "/etc");
  EXPECT_EQ(r->store.path, dir.path() + "/var/s.db");
  EXPECT_EQ(r->grammar_path, dir.path() + "/etc/g.yaml");
  EXPECT_EQ(r->source_file, file);
}

// ---- secrets from the environment

TEST(LoadConfig, PasswordEnvironmentVariableName) {
  EXPECT_EQ(SmppPasswordEnvVar("local"), "SMSGW_SMPP_PASSWORD_LOCAL");
  EXPECT_EQ(SmppPasswordEnvVar("smsc-1.Nairobi"), "SMSGW_SMPP_PASSWORD_SMSC_1_NAIROBI");
}

std::string WithoutPassword() {
  std::string text = kMinimal;
  text.replace(text.find(", password: p"), 13, "");
  return text;
}

TEST(LoadConfig, PasswordFromEnvironment) {
  Result<GatewayConfig> r = ParseGatewayConfig(WithoutPassword(), "gw.yaml", "/x",
                                               WithEnv({{"SMSGW_SMPP_PASSWORD_A", "fromenv"}}));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->smpp.connections.at(0).password, "fromenv");
}

TEST(LoadConfig, EnvironmentPasswordWinsOverTheFile) {
  Result<GatewayConfig> r =
      ParseGatewayConfig(kMinimal, "gw.yaml", "/x", WithEnv({{"SMSGW_SMPP_PASSWORD_A", "env"}}));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->smpp.connections.at(0).password, "env");
}

TEST(LoadConfig, PasswordMissingEverywhere) {
  // An empty variable counts as unset.
  Result<GatewayConfig> r = ParseGatewayConfig(WithoutPassword(), "gw.yaml", "/x",
                                               WithEnv({{"SMSGW_SMPP_PASSWORD_A", ""}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "gw.yaml:4:7: smpp.connections[0].password: required key is missing (or set "
            "SMSGW_SMPP_PASSWORD_A)");
}

TEST(LoadConfig, BadPasswordInEnvironmentIsNamedNotShown) {
  Result<GatewayConfig> r = ParseGatewayConfig(WithoutPassword(), "gw.yaml", "/x",
                                               WithEnv({{"SMSGW_SMPP_PASSWORD_A", "muchtoolong"}}));
  ASSERT_FALSE(r.ok());
  const std::string& msg = r.status().message();
  EXPECT_NE(msg.find("smpp.connections[0].password: SMSGW_SMPP_PASSWORD_A: expected"),
            std::string::npos)
      << msg;
  EXPECT_EQ(msg.find("muchtoolong"), std::string::npos) << msg;
}

TEST(LoadConfig, KeysFromEnvironmentNeedNoFiles) {
  std::string text = kMinimal;
  text.replace(text.find(", pepper_key_file: p.key"), 24, "");
  text.replace(text.find(", key_file: s.key"), 17, "");
  text.replace(text.find("admin: {token_file: a.token}"), 28, "");
  Result<GatewayConfig> r = ParseGatewayConfig(text, "gw.yaml", "/x",
                                               WithEnv({{"SMSGW_STORE_KEY", kHexKey},
                                                        {"SMSGW_LEDGER_PEPPER_KEY", kHexKey},
                                                        {"SMSGW_ADMIN_TOKEN", kHexKey}},
                                                       /*check_files=*/true));
  // grammar g.yaml does not exist under /x: that is the only error.
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(ErrorLines(r.status()).size(), 1u) << r.status().message();
  EXPECT_NE(r.status().message().find("grammar: file not found: /x/g.yaml"), std::string::npos);

  TempDir dir;
  dir.Write("g.yaml", "");
  r = ParseGatewayConfig(text, "gw.yaml", dir.path(),
                         WithEnv({{"SMSGW_STORE_KEY", kHexKey},
                                  {"SMSGW_LEDGER_PEPPER_KEY", kHexKey},
                                  {"SMSGW_ADMIN_TOKEN", kHexKey}},
                                 true));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->store.key.env_value, kHexKey);
  EXPECT_TRUE(r->store.key.file.empty());
  Result<KeyBytes> key = ReadKey(r->store.key);
  ASSERT_TRUE(key.ok()) << key.status().message();
  ASSERT_EQ(key->size(), 32u);
  EXPECT_EQ(key->bytes()[1], 0x11);
}

TEST(LoadConfig, WithoutSecretsNoneIsRequiredOrRead) {
  std::string text = WithoutPassword();
  text.replace(text.find(", pepper_key_file: p.key"), 24, "");
  text.replace(text.find(", key_file: s.key"), 17, "");
  text.replace(text.find("admin: {token_file: a.token}"), 28, "");
  LoadOptions options = WithEnv({{"SMSGW_STORE_KEY", "abcd-not-hex"}});
  Result<GatewayConfig> r = ParseGatewayConfig(text, "gw.yaml", "/x", options);
  ASSERT_FALSE(r.ok()) << "the daemon needs them";
  options.read_secrets = false;
  r = ParseGatewayConfig(text, "gw.yaml", "/x", options);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->store.key.env_value.empty());
  EXPECT_TRUE(r->smpp.connections.at(0).password.empty());
}

TEST(LoadConfig, MalformedKeyInEnvironment) {
  Result<GatewayConfig> r =
      ParseGatewayConfig(kMinimal, "gw.yaml", "/x", WithEnv({{"SMSGW_STORE_KEY", "abcd-not-hex"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "gw.yaml:10:31: store.key_file: SMSGW_STORE_KEY does not hold a key of 64 "
            "hexadecimal characters");
}

// ---- the shipped file

TEST(LoadConfig, ShippedConfigurationIsValidAndRunsAlone) {
  std::string source = testing::SourceDir();
  Result<GatewayConfig> r = LoadGatewayConfig(source + "/conf/gateway.yaml", WithEnv({}, true));
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::string root = r->base_dir.substr(0, r->base_dir.rfind('/'));
  ASSERT_EQ(r->smpp.connections.size(), 1u);
  const SmppConnection& c = r->smpp.connections[0];
  EXPECT_EQ(c.name, "local");
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 2775);
  EXPECT_EQ(c.system_id, "smsgw");
  EXPECT_EQ(c.password, "secret");
  EXPECT_EQ(c.window, 10u);
  SmppConnection expected;
  expected.name = "local";
  expected.host = "127.0.0.1";
  expected.port = 2775;
  expected.system_id = "smsgw";
  expected.password = "secret";
  EXPECT_TRUE(c == expected)
      << "the shipped file writes every default explicitly; they must match the code's";
  ASSERT_EQ(r->short_codes.size(), 1u);
  EXPECT_TRUE(r->short_codes[0] == (ShortCode{"20555", {"local"}, "en"}));
  EXPECT_EQ(r->backend.type, BackendType::kEmbedded);
  EXPECT_TRUE(r->backend.embedded.seed_demo_data);
  EXPECT_EQ(r->backend.embedded.ledger_path, root + "/var/ledger.db");
  EXPECT_EQ(r->backend.embedded.pepper_key.file, root + "/var/keys/pepper.key");
  EXPECT_EQ(r->store.path, root + "/var/smsgw.db");
  EXPECT_EQ(r->store.key.file, root + "/var/keys/store.key");
  EXPECT_TRUE(r->store.key.create_if_missing);
  EXPECT_TRUE(r->admin.token.create_if_missing);
  EXPECT_EQ(r->grammar_path, root + "/conf/grammar.yaml");
  // Every other value is written out at its default.
  GatewayConfig defaults;
  EXPECT_TRUE(r->limits == defaults.limits);
  EXPECT_TRUE(r->ussd == defaults.ussd);
  EXPECT_TRUE(r->admin.listen == defaults.admin.listen);
  EXPECT_TRUE(r->logging == defaults.logging);
  EXPECT_EQ(r->store.synchronous, defaults.store.synchronous);
  EXPECT_EQ(r->store.network_dedup_window, defaults.store.network_dedup_window);
  EXPECT_EQ(r->store.resend_window, defaults.store.resend_window);
  EXPECT_TRUE(r->store.group_commit == defaults.store.group_commit);
}

}  // namespace
}  // namespace smsgw::conf
