// The typed configuration of the gateway (conf/gateway.yaml), as the rest of smsgw sees it.
//
// Plain values with their defaults; no YAML types leak out of conf/. LoadGatewayConfig
// (conf/config_loader.h) fills these from a file and validates them, so a consumer may rely on
// every value being inside the range docs/configuration.md gives for it, and on every path
// being absolute (relative paths in the file resolve against the file's own directory).
//
// Each field is marked [reload] when a SIGHUP applies a new value to the running daemon, or
// [restart] when a new value only takes effect after a restart. RestartOnlyChanges
// (conf/config_reload.h) lists the [restart] fields that differ between two configurations;
// the marks here and in docs/configuration.md come from the same schema
// (conf/config_schema.h), and a test keeps the document in step with it.
//
// Fields marked SECRET must never reach a log line or an error message.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace smsgw::conf {

// Durations are written "250ms", "10s", "5m", "24h" (or combined, "1h30m") in the file.
using Duration = std::chrono::milliseconds;

// A key or token. It comes from the environment variable `env_var` when that is set (hex text),
// else from `file`. Read it with ReadKey (conf/key_file.h), which also creates a missing file
// when `create_if_missing` is set. Key files hold the key as hexadecimal text and must have
// mode 0600 or stricter.
struct KeySource {
  std::string file;            // absolute; empty when the file does not name one
  std::string env_var;         // fixed per key, e.g. "SMSGW_STORE_KEY"
  std::size_t min_bytes = 32;  // length of the decoded key
  std::size_t max_bytes = 32;
  bool create_if_missing = false;  // keys.create_missing, for keys smsgw may mint itself
  std::string env_value;           // SECRET: env_var's value when the config was loaded
  bool operator==(const KeySource&) const = default;

  static KeySource Named(std::string env_var, std::size_t max_bytes = 32) {
    KeySource k;
    k.env_var = std::move(env_var);
    k.max_bytes = max_bytes;
    return k;
  }
};

enum class BindMode { kTransceiver, kTransmitterReceiver };
enum class Charset { kGsm7, kLatin1, kUcs2 };
enum class UssdDialogue { kItsSessionInfo, kUserMessageReference };
// How an SMSC writes a message id: compared as text, or read as a decimal or hex number.
enum class MessageIdBase { kAsIs, kDecimal, kHex };

struct TlsConfig {
  bool enabled = false;     // [restart]
  std::string ca_file;      // [restart] empty: the system's trusted CAs
  std::string server_name;  // [restart] SNI and the name checked; empty: the connection's host
  bool verify = true;       // [restart] verify the chain and the name
  bool operator==(const TlsConfig&) const = default;
};

// One SMSC bind (or transmitter + receiver pair). All fields [restart]: changing them means a
// new bind.
struct SmppConnection {
  std::string name;  // unique; logs, metrics and SMSGW_SMPP_PASSWORD_<NAME>
  std::string host;
  std::uint16_t port = 0;
  std::string system_id;    // SMPP 3.4: at most 15 characters
  std::string password;     // SECRET; at most 8 characters; env SMSGW_SMPP_PASSWORD_<NAME>
  std::string system_type;  // at most 12 characters
  BindMode bind = BindMode::kTransceiver;
  std::string address_range;  // at most 40 characters
  std::uint8_t interface_version = 0x34;
  std::uint32_t window = 10;     // outstanding requests per bind
  std::uint32_t throughput = 0;  // submit_sm per second per bind; 0 = no cap
  Duration enquire_link_interval = std::chrono::seconds(30);
  Duration response_timeout = std::chrono::seconds(10);
  // How long a stop waits for in-flight work (the SMSC's responses, MOs being stored) before it
  // unbinds. At least response_timeout, so that no submit in flight is cut off before its
  // response could come; left out, the larger of 10 s and response_timeout.
  Duration stop_timeout = std::chrono::seconds(10);
  Duration reconnect_backoff_min = std::chrono::seconds(1);
  Duration reconnect_backoff_max = std::chrono::seconds(60);
  std::uint32_t max_pdu_size = 70000;  // command_length above this is refused before allocating
  TlsConfig tls;
  Charset dcs0_charset = Charset::kGsm7;  // what data_coding 0 means on this SMSC
  UssdDialogue ussd_dialogue = UssdDialogue::kItsSessionInfo;
  // How MTs (replies, USSD screens) address their ends: SMPP 3.4 TON 0-6 and NPI codes. The
  // source is the short code, the destination the subscriber's E.164 digits.
  std::uint8_t source_ton = 0;       // unknown
  std::uint8_t source_npi = 1;       // ISDN (E.164)
  std::uint8_t destination_ton = 1;  // international
  std::uint8_t destination_npi = 1;  // ISDN (E.164)
  // The base of the message_id in submit_sm_resp and of the id in delivery receipts. Both are
  // brought to one form before a receipt is matched to its reply.
  MessageIdBase submit_id_base = MessageIdBase::kAsIs;
  MessageIdBase receipt_id_base = MessageIdBase::kAsIs;
  bool operator==(const SmppConnection&) const = default;
};

struct SmppConfig {
  std::vector<SmppConnection> connections;  // at least one
  // [restart] After a reply found no bind up: no reply is claimed for this long, then one at a
  // time until one reaches an SMSC. A bind coming up ends the hold at once.
  Duration reply_hold = std::chrono::seconds(1);
  bool operator==(const SmppConfig&) const = default;
};

struct ShortCode {
  std::string code;                      // [restart] the MO destination address
  std::vector<std::string> connections;  // [restart] connection names; empty = every connection
  std::string language;                  // [reload] replies until the subscriber picks one;
                                         // empty: the grammar's default_language
  bool operator==(const ShortCode&) const = default;
};

enum class BackendType { kEmbedded, kHttp };

struct EmbeddedBackend {
  std::string ledger_path;  // [restart] SQLite file of the double-entry ledger
  KeySource pepper_key = KeySource::Named("SMSGW_LEDGER_PEPPER_KEY");  // [restart] PIN hash key
  bool seed_demo_data = false;  // [restart] load demo accounts into an empty ledger
  bool operator==(const EmbeddedBackend&) const = default;
};

struct HttpBackend {
  std::string url;     // [restart] http:// or https://
  std::string key_id;  // [restart] names hmac_key in the signature header
  KeySource hmac_key = KeySource::Named("SMSGW_BACKEND_HMAC_KEY", 64);  // [restart]
  std::string ca_file;                                  // [restart] empty: the system's trusted CAs
  Duration connect_timeout = std::chrono::seconds(2);   // [restart]
  Duration request_timeout = std::chrono::seconds(10);  // [restart]
  std::uint32_t pool_size = 8;                          // [restart]
  std::uint32_t max_attempts = 10;                      // [restart] then dead letter
  Duration backoff_min = std::chrono::milliseconds(500);          // [restart]
  Duration backoff_max = std::chrono::minutes(2);                 // [restart]
  std::uint32_t circuit_breaker_threshold = 5;                    // [restart] consecutive failures
  Duration circuit_breaker_open_time = std::chrono::seconds(30);  // [restart]
  bool operator==(const HttpBackend&) const = default;
};

// Only the section named by `type` is used; the other keeps its defaults when absent.
struct BackendConfig {
  BackendType type = BackendType::kEmbedded;  // [restart]
  EmbeddedBackend embedded;
  HttpBackend http;
  bool operator==(const BackendConfig&) const = default;
};

enum class Synchronous { kNormal, kFull, kExtra };

struct GroupCommit {
  std::uint32_t max_messages = 500;  // [restart] MOs made durable by one commit
  Duration max_delay = Duration(1);  // [restart] extra wait for a fuller batch; 0 = none
  bool operator==(const GroupCommit&) const = default;
};

// All fields [restart].
struct StoreConfig {
  std::string path;                                     // SQLite database (WAL)
  KeySource key = KeySource::Named("SMSGW_STORE_KEY");  // AES-256-GCM at rest and dedup HMAC
  Synchronous synchronous = Synchronous::kFull;
  Duration network_dedup_window = std::chrono::hours(24);  // SMSC redeliveries of MOs with an id
  // ... of MOs whose only id is the handset's message reference (TP-MR): 8 bits, constant on
  // some handsets, so only as long as an SMSC's retries, not a day.
  Duration network_dedup_window_handset_reference = std::chrono::minutes(10);
  // ... of MOs without one (SMPP 3.4 deliver_sm has none): only as long as an SMSC's resend
  // after a lost response, so a subscriber's identical repeat is a new message.
  Duration network_dedup_window_without_id = std::chrono::minutes(2);
  Duration resend_window = std::chrono::minutes(10);  // identical subscriber re-sends
  GroupCommit group_commit;
  bool operator==(const StoreConfig&) const = default;
};

struct KeysConfig {
  bool create_missing = false;  // [restart] mint missing key files (0600) at start
  bool operator==(const KeysConfig&) const = default;
};

// All fields [reload].
struct LimitsConfig {
  std::uint32_t messages_per_msisdn = 10;  // MOs accepted per rate_window; more get one warning
  Duration rate_window = std::chrono::minutes(1);
  Duration challenge_ttl = std::chrono::minutes(5);
  std::uint32_t wrong_pins_per_challenge = 3;
  std::uint32_t wrong_pins_per_24h = 5;  // then the MSISDN is locked for lockout_duration
  Duration lockout_duration = std::chrono::hours(24);
  // At most one notice per this period to a locked account's own phone about binds of it from
  // other phones, however many phones try.
  Duration locked_bind_notice_interval = std::chrono::hours(24);
  bool operator==(const LimitsConfig&) const = default;
};

struct UssdConfig {
  Duration session_timeout = std::chrono::seconds(180);  // [reload]
  bool operator==(const UssdConfig&) const = default;
};

// An IP literal and a port, written "127.0.0.1:7780" or "[::1]:7780".
struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
  bool operator==(const Endpoint&) const = default;
};

// All fields [restart].
struct AdminConfig {
  Endpoint listen{"127.0.0.1", 7780};  // loopback unless a firewall stands in front
  KeySource token = KeySource::Named("SMSGW_ADMIN_TOKEN");  // the bearer token is its hex text
  bool operator==(const AdminConfig&) const = default;
};

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kKeyValue, kJson };

// All fields [reload].
struct LoggingConfig {
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kKeyValue;
  bool operator==(const LoggingConfig&) const = default;
};

struct GatewayConfig {
  std::string source_file;  // the file it was loaded from, as given
  std::string base_dir;     // absolute; relative paths in the file resolved against it
  SmppConfig smpp;
  std::vector<ShortCode> short_codes;  // at least one
  BackendConfig backend;
  StoreConfig store;
  KeysConfig keys;
  std::string grammar_path;  // [reload] conf/grammar.yaml; the file is re-read on SIGHUP
  LimitsConfig limits;
  UssdConfig ussd;
  AdminConfig admin;
  LoggingConfig logging;
  bool operator==(const GatewayConfig&) const = default;
};

// The environment variable that overrides a connection's password:
// "SMSGW_SMPP_PASSWORD_" + the name upper-cased, every other character than A-Z 0-9 made '_'.
std::string SmppPasswordEnvVar(const std::string& connection_name);

}  // namespace smsgw::conf
