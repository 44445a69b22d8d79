// Structured, single-line logging to stderr, in the systemd style: one event per line, either
// key=value or JSON, with a level. Lines are formatted in full and written with one write(2),
// so lines from different threads never interleave.
//
// Callers pass values that are safe to log. PINs, full account numbers and keys must never be
// given to the logger; mask them first (see parser's masking helpers). The daemon's end-to-end
// test greps the log for the PINs and account numbers it used.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>

namespace smsgw::gateway {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogFormat { kKeyValue, kJson };

// "debug", "info", "warn", "error"; false when the name is none of these.
bool ParseLogLevel(std::string_view name, LogLevel* out);
std::string_view LogLevelName(LogLevel level);

struct LogField {
  LogField(std::string_view k, std::string_view v) : key(k), value(v), quoted(true) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v), quoted(true) {}
  LogField(std::string_view k, const char* v) : key(k), value(v), quoted(true) {}
  LogField(std::string_view k, int64_t v) : key(k), value(std::to_string(v)), quoted(false) {}
  LogField(std::string_view k, uint64_t v) : key(k), value(std::to_string(v)), quoted(false) {}
  LogField(std::string_view k, int v) : key(k), value(std::to_string(v)), quoted(false) {}
  LogField(std::string_view k, unsigned v) : key(k), value(std::to_string(v)), quoted(false) {}
  LogField(std::string_view k, double v);
  LogField(std::string_view k, bool v) : key(k), value(v ? "true" : "false"), quoted(false) {}

  std::string_view key;
  std::string value;
  bool quoted;  // strings are quoted in JSON and when they need it in key=value
};

class Logger {
 public:
  // Writes to `fd` (stderr by default). The clock is wall time in UTC with milliseconds.
  explicit Logger(int fd = 2) : fd_(fd) {}

  void set_level(LogLevel level) { level_.store(static_cast<int>(level)); }
  void set_format(LogFormat format) { format_.store(static_cast<int>(format)); }
  bool Enabled(LogLevel level) const { return static_cast<int>(level) >= level_.load(); }

  void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields);

  // The formatted line without the trailing newline; exposed for tests.
  std::string Format(LogLevel level, std::string_view event, std::initializer_list<LogField> fields,
                     int64_t unix_ms) const;

 private:
  int fd_;
  std::atomic<int> level_{static_cast<int>(LogLevel::kInfo)};
  std::atomic<int> format_{static_cast<int>(LogFormat::kKeyValue)};
};

// The process-wide logger the daemon configures at start and on reload.
Logger& Log();

inline void LogDebug(std::string_view event, std::initializer_list<LogField> fields = {}) {
  if (Log().Enabled(LogLevel::kDebug)) Log().Log(LogLevel::kDebug, event, fields);
}
inline void LogInfo(std::string_view event, std::initializer_list<LogField> fields = {}) {
  Log().Log(LogLevel::kInfo, event, fields);
}
inline void LogWarn(std::string_view event, std::initializer_list<LogField> fields = {}) {
  Log().Log(LogLevel::kWarn, event, fields);
}
inline void LogError(std::string_view event, std::initializer_list<LogField> fields = {}) {
  Log().Log(LogLevel::kError, event, fields);
}

}  // namespace smsgw::gateway
