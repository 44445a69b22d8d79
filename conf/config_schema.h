// The schema of conf/gateway.yaml: every key, its value kind with range, whether it is
// required, and whether SIGHUP applies it. Written once, as data; three visitors walk it:
// the reader (config_reader.h) fills a GatewayConfig from YAML, the reload diff
// (config_reload.cpp) compares two configurations, and the key listing (config_keys.cpp) feeds
// the documentation test. Internal to conf/.
//
// A visitor V provides, for a struct T:
//   v.Field(key, &T::member, spec, flags)        a scalar (or list of scalars) checked by spec
//   v.Section(key, &T::member, flags)            a nested mapping with its own Schema
//   v.List(key, &T::member, flags)               a list of such mappings
// Conditions that span keys (backoff min <= max, names that must exist, the backend section
// its type needs, key files and the environment) are in config_checks.cpp.
#pragma once

#include "conf/config_specs.h"
#include "conf/gateway_config.h"

namespace smsgw::conf::schema {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

template <class T>
struct Schema;

inline constexpr EnumName<BindMode> kBindModes[] = {
    {"transceiver", BindMode::kTransceiver},
    {"transmitter_receiver", BindMode::kTransmitterReceiver}};
inline constexpr EnumName<Charset> kCharsets[] = {
    {"gsm7", Charset::kGsm7}, {"latin1", Charset::kLatin1}, {"ucs2", Charset::kUcs2}};
inline constexpr EnumName<UssdDialogue> kUssdDialogues[] = {
    {"its_session_info", UssdDialogue::kItsSessionInfo},
    {"user_message_reference", UssdDialogue::kUserMessageReference}};
inline constexpr EnumName<MessageIdBase> kMessageIdBases[] = {{"as_is", MessageIdBase::kAsIs},
                                                              {"decimal", MessageIdBase::kDecimal},
                                                              {"hex", MessageIdBase::kHex}};
inline constexpr EnumName<BackendType> kBackendTypes[] = {{"embedded", BackendType::kEmbedded},
                                                          {"http", BackendType::kHttp}};
inline constexpr EnumName<Synchronous> kSynchronous[] = {
    {"normal", Synchronous::kNormal}, {"full", Synchronous::kFull}, {"extra", Synchronous::kExtra}};
inline constexpr EnumName<LogLevel> kLogLevels[] = {{"debug", LogLevel::kDebug},
                                                    {"info", LogLevel::kInfo},
                                                    {"warn", LogLevel::kWarn},
                                                    {"error", LogLevel::kError}};
inline constexpr EnumName<LogFormat> kLogFormats[] = {{"kv", LogFormat::kKeyValue},
                                                      {"json", LogFormat::kJson}};

template <class E, std::size_t N>
EnumSpec<E> OneOf(const EnumName<E> (&names)[N]) {
  return EnumSpec<E>{names};
}

// Shared kinds.
inline constexpr IntSpec kPort{1, 65535};
// SMPP 3.4 5.2.5: type of number 0-6 (unknown, international, national, network specific,
// subscriber number, alphanumeric, abbreviated).
inline constexpr IntSpec kTon{0, 6};
// SMPP 3.4 5.2.6: numbering plan indicators (unknown, ISDN E.163/E.164, data X.121, telex
// F.69, land mobile E.212, national, private, ERMES, Internet, WAP client id).
inline constexpr std::int64_t kNpiValues[] = {0, 1, 3, 4, 6, 8, 9, 10, 14, 18};
inline constexpr IntSpec kNpi{0, 18, false, kNpiValues};
inline constexpr PathSpec kExistingFile{true};
inline constexpr PathSpec kCreatedFile{false};
inline constexpr PathSpec kOptionalFile{true, true};  // "": use the system's default
inline constexpr TextSpec kHost{1, 253, "a host name or IP address", IsHostName};
// Also applied to SMSGW_SMPP_PASSWORD_<NAME> (config_checks.cpp).
inline constexpr TextSpec kSmppPassword{0, 8, "printable ASCII", IsPrintableAscii, true};

template <>
struct Schema<TlsConfig> {
  template <class V>
  static void Fields(V& v) {
    using T = TlsConfig;
    v.Field("enabled", &T::enabled, BoolSpec{}, kRestart);
    v.Field("ca_file", &T::ca_file, kOptionalFile, kRestart);
    v.Field("server_name", &T::server_name, TextSpec{0, 253, "a host name", IsHostName}, kRestart);
    v.Field("verify", &T::verify, BoolSpec{}, kRestart);
  }
};

template <>
struct Schema<SmppConnection> {
  template <class V>
  static void Fields(V& v) {
    using T = SmppConnection;
    constexpr unsigned kNeeded = kRequired | kRestart;
    // SMPP 3.4 section 4.1: each C-Octet String's maximum includes its NUL.
    v.Field("name", &T::name, TextSpec{1, 32, "a name of letters, digits, '-' or '_'", IsName},
            kNeeded);
    v.Field("host", &T::host, kHost, kNeeded);
    v.Field("port", &T::port, kPort, kNeeded);
    v.Field("system_id", &T::system_id, TextSpec{1, 15, "printable ASCII", IsPrintableAscii},
            kNeeded);
    // Required unless SMSGW_SMPP_PASSWORD_<NAME> is set: config_checks.cpp.
    v.Field("password", &T::password, kSmppPassword, kRestart);
    v.Field("system_type", &T::system_type, TextSpec{0, 12, "printable ASCII", IsPrintableAscii},
            kRestart);
    v.Field("bind", &T::bind, OneOf(kBindModes), kRestart);
    v.Field("address_range", &T::address_range,
            TextSpec{0, 40, "printable ASCII", IsPrintableAscii}, kRestart);
    v.Field("interface_version", &T::interface_version, IntSpec{0, 0x34, true}, kRestart);
    v.Field("window", &T::window, IntSpec{1, 1000}, kRestart);
    v.Field("throughput", &T::throughput, IntSpec{0, 100000}, kRestart);
    v.Field("enquire_link_interval", &T::enquire_link_interval, DurationSpec{seconds(1), hours(1)},
            kRestart);
    v.Field("response_timeout", &T::response_timeout, DurationSpec{milliseconds(100), minutes(5)},
            kRestart);
    // At least response_timeout; left out, follows a longer one: config_checks.cpp.
    v.Field("stop_timeout", &T::stop_timeout, DurationSpec{milliseconds(100), minutes(5)},
            kRestart);
    v.Field("reconnect_backoff_min", &T::reconnect_backoff_min,
            DurationSpec{milliseconds(100), hours(1)}, kRestart);
    v.Field("reconnect_backoff_max", &T::reconnect_backoff_max, DurationSpec{seconds(1), hours(24)},
            kRestart);
    v.Field("max_pdu_size", &T::max_pdu_size, IntSpec{1024, 1 << 20}, kRestart);
    v.Section("tls", &T::tls, kRestart);
    v.Field("dcs0_charset", &T::dcs0_charset, OneOf(kCharsets), kRestart);
    v.Field("ussd_dialogue", &T::ussd_dialogue, OneOf(kUssdDialogues), kRestart);
    v.Field("source_ton", &T::source_ton, kTon, kRestart);
    v.Field("source_npi", &T::source_npi, kNpi, kRestart);
    v.Field("destination_ton", &T::destination_ton, kTon, kRestart);
    v.Field("destination_npi", &T::destination_npi, kNpi, kRestart);
    v.Field("submit_id_base", &T::submit_id_base, OneOf(kMessageIdBases), kRestart);
    v.Field("receipt_id_base", &T::receipt_id_base, OneOf(kMessageIdBases), kRestart);
  }
};

template <>
struct Schema<SmppConfig> {
  template <class V>
  static void Fields(V& v) {
    v.List("connections", &SmppConfig::connections, kRequired | kRestart);
    v.Field("reply_hold", &SmppConfig::reply_hold, DurationSpec{milliseconds(100), hours(1)},
            kRestart);
  }
};

template <>
struct Schema<ShortCode> {
  template <class V>
  static void Fields(V& v) {
    using T = ShortCode;
    v.Field("code", &T::code, TextSpec{1, 20, "letters and digits", IsAlphanumeric},
            kRequired | kRestart);
    v.Field("connections", &T::connections,
            ListSpec<TextSpec>{{1, 32, "a connection name", IsName}}, kRestart);
    v.Field("language", &T::language, TextSpec{2, 8, "a lower-case language code", IsLanguageTag},
            kReload);
  }
};

template <>
struct Schema<EmbeddedBackend> {
  template <class V>
  static void Fields(V& v) {
    using T = EmbeddedBackend;
    // Required when backend.type is embedded: config_checks.cpp.
    v.Field("ledger_path", &T::ledger_path, kCreatedFile, kRestart);
    v.Field("pepper_key_file", &T::pepper_key, KeyFileSpec{}, kRestart);
    v.Field("seed_demo_data", &T::seed_demo_data, BoolSpec{}, kRestart);
  }
};

template <>
struct Schema<HttpBackend> {
  template <class V>
  static void Fields(V& v) {
    using T = HttpBackend;
    // url, key_id and the key are required when backend.type is http: config_checks.cpp.
    // All restart: the HTTP client, the breaker and the store's instruction retry policy are
    // built once at start (and the engine's dead-letter count must match the store's).
    v.Field("url", &T::url, TextSpec{1, 2048, "an http:// or https:// URL", IsHttpUrl}, kRestart);
    v.Field("key_id", &T::key_id, TextSpec{1, 64, "letters, digits, '.', '-' or '_'", IsKeyId},
            kRestart);
    v.Field("hmac_key_file", &T::hmac_key, KeyFileSpec{}, kRestart);
    v.Field("ca_file", &T::ca_file, kOptionalFile, kRestart);
    v.Field("connect_timeout", &T::connect_timeout, DurationSpec{milliseconds(100), minutes(1)},
            kRestart);
    v.Field("request_timeout", &T::request_timeout, DurationSpec{milliseconds(100), minutes(5)},
            kRestart);
    v.Field("pool_size", &T::pool_size, IntSpec{1, 256}, kRestart);
    v.Field("max_attempts", &T::max_attempts, IntSpec{1, 1000}, kRestart);
    v.Field("backoff_min", &T::backoff_min, DurationSpec{milliseconds(10), hours(1)}, kRestart);
    v.Field("backoff_max", &T::backoff_max, DurationSpec{milliseconds(100), hours(24)}, kRestart);
    v.Field("circuit_breaker_threshold", &T::circuit_breaker_threshold, IntSpec{1, 1000}, kRestart);
    v.Field("circuit_breaker_open_time", &T::circuit_breaker_open_time,
            DurationSpec{seconds(1), hours(1)}, kRestart);
  }
};

template <>
struct Schema<BackendConfig> {
  template <class V>
  static void Fields(V& v) {
    using T = BackendConfig;
    v.Field("type", &T::type, OneOf(kBackendTypes), kRequired | kRestart);
    v.Section("embedded", &T::embedded, kRestart);
    v.Section("http", &T::http, kRestart);
  }
};

template <>
struct Schema<GroupCommit> {
  template <class V>
  static void Fields(V& v) {
    v.Field("max_messages", &GroupCommit::max_messages, IntSpec{1, 10000}, kRestart);
    v.Field("max_delay", &GroupCommit::max_delay, DurationSpec{milliseconds(0), milliseconds(100)},
            kRestart);
  }
};

template <>
struct Schema<StoreConfig> {
  template <class V>
  static void Fields(V& v) {
    using T = StoreConfig;
    v.Field("path", &T::path, kCreatedFile, kRequired | kRestart);
    v.Field("key_file", &T::key, KeyFileSpec{}, kRestart);  // or SMSGW_STORE_KEY
    v.Field("synchronous", &T::synchronous, OneOf(kSynchronous), kRestart);
    v.Field("network_dedup_window", &T::network_dedup_window, DurationSpec{minutes(1), hours(720)},
            kRestart);
    v.Field("network_dedup_window_handset_reference", &T::network_dedup_window_handset_reference,
            DurationSpec{seconds(10), hours(24)}, kRestart);
    v.Field("network_dedup_window_without_id", &T::network_dedup_window_without_id,
            DurationSpec{seconds(10), hours(24)}, kRestart);
    v.Field("resend_window", &T::resend_window, DurationSpec{seconds(0), hours(24)}, kRestart);
    v.Section("group_commit", &T::group_commit, kRestart);
  }
};

template <>
struct Schema<KeysConfig> {
  template <class V>
  static void Fields(V& v) {
    v.Field("create_missing", &KeysConfig::create_missing, BoolSpec{}, kRestart);
  }
};

template <>
struct Schema<LimitsConfig> {
  template <class V>
  static void Fields(V& v) {
    using T = LimitsConfig;
    v.Field("messages_per_msisdn", &T::messages_per_msisdn, IntSpec{1, 100000}, kReload);
    v.Field("rate_window", &T::rate_window, DurationSpec{seconds(1), hours(24)}, kReload);
    v.Field("challenge_ttl", &T::challenge_ttl, DurationSpec{seconds(30), hours(1)}, kReload);
    v.Field("wrong_pins_per_challenge", &T::wrong_pins_per_challenge, IntSpec{1, 10}, kReload);
    v.Field("wrong_pins_per_24h", &T::wrong_pins_per_24h, IntSpec{1, 100}, kReload);
    v.Field("lockout_duration", &T::lockout_duration, DurationSpec{minutes(1), hours(720)},
            kReload);
    // Counted from the audit trail, whose purge keeps at least a day: no longer than that.
    v.Field("locked_bind_notice_interval", &T::locked_bind_notice_interval,
            DurationSpec{hours(1), hours(24)}, kReload);
  }
};

template <>
struct Schema<UssdConfig> {
  template <class V>
  static void Fields(V& v) {
    v.Field("session_timeout", &UssdConfig::session_timeout, DurationSpec{seconds(10), minutes(10)},
            kReload);
  }
};

template <>
struct Schema<AdminConfig> {
  template <class V>
  static void Fields(V& v) {
    v.Field("listen", &AdminConfig::listen, EndpointSpec{}, kRestart);
    v.Field("token_file", &AdminConfig::token, KeyFileSpec{}, kRestart);  // or SMSGW_ADMIN_TOKEN
  }
};

template <>
struct Schema<LoggingConfig> {
  template <class V>
  static void Fields(V& v) {
    v.Field("level", &LoggingConfig::level, OneOf(kLogLevels), kReload);
    v.Field("format", &LoggingConfig::format, OneOf(kLogFormats), kReload);
  }
};

template <>
struct Schema<GatewayConfig> {
  template <class V>
  static void Fields(V& v) {
    using T = GatewayConfig;
    v.Section("smpp", &T::smpp, kRequired | kRestart);
    v.List("short_codes", &T::short_codes, kRequired | kRestart);
    v.Section("backend", &T::backend, kRequired | kRestart);
    v.Section("store", &T::store, kRequired | kRestart);
    v.Section("keys", &T::keys, kRestart);
    v.Field("grammar", &T::grammar_path, kExistingFile, kRequired | kReload);
    v.Section("limits", &T::limits, kReload);
    v.Section("ussd", &T::ussd, kReload);
    v.Section("admin", &T::admin, kRestart);
    v.Section("logging", &T::logging, kReload);
  }
};

}  // namespace smsgw::conf::schema
