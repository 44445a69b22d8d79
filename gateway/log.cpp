#include "gateway/log.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace smsgw::gateway {

bool ParseLogLevel(std::string_view name, LogLevel* out) {
  static constexpr std::pair<std::string_view, LogLevel> kNames[] = {{"debug", LogLevel::kDebug},
                                                                     {"info", LogLevel::kInfo},
                                                                     {"warn", LogLevel::kWarn},
                                                                     {"error", LogLevel::kError}};
  for (const auto& [n, l] : kNames) {
    if (n == name) {
      *out = l;
      return true;
    }
  }
  return false;
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

LogField::LogField(std::string_view k, double v) : key(k), quoted(false) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  value = buf;
}

namespace {

void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

bool NeedsQuotes(std::string_view s) {
  if (s.empty()) return true;
  for (unsigned char c : s) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) return true;
  }
  return false;
}

// Quoted like JSON strings so a value can never break the line or fake another key.
void AppendKvValue(std::string& out, std::string_view s, bool quoted) {
  if (quoted && NeedsQuotes(s)) {
    AppendJsonString(out, s);
  } else {
    out += s;
  }
}

std::string Timestamp(int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];  // sized for any int, so the compiler can prove no truncation
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(unix_ms % 1000));
  return buf;
}

}  // namespace

std::string Logger::Format(LogLevel level, std::string_view event,
                           std::initializer_list<LogField> fields, int64_t unix_ms) const {
  std::string out;
  out.reserve(128);
  if (static_cast<LogFormat>(format_.load()) == LogFormat::kJson) {
    out += "{\"ts\":\"" + Timestamp(unix_ms) + "\",\"level\":\"";
    out += LogLevelName(level);
    out += "\",\"event\":";
    AppendJsonString(out, event);
    for (const auto& f : fields) {
      out.push_back(',');
      AppendJsonString(out, f.key);
      out.push_back(':');
      if (f.quoted) {
        AppendJsonString(out, f.value);
      } else {
        out += f.value;
      }
    }
    out.push_back('}');
    return out;
  }
  out += "ts=" + Timestamp(unix_ms) + " level=";
  out += LogLevelName(level);
  out += " event=";
  AppendKvValue(out, event, true);
  for (const auto& f : fields) {
    out.push_back(' ');
    out += f.key;
    out.push_back('=');
    AppendKvValue(out, f.value, f.quoted);
  }
  return out;
}

void Logger::Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
  if (!Enabled(level)) return;
  auto now = std::chrono::system_clock::now().time_since_epoch();
  std::string line = Format(level, event, fields,
                            std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
  line.push_back('\n');
  std::size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n <= 0) return;  // nowhere to report a failing stderr
    done += static_cast<std::size_t>(n);
  }
}

Logger& Log() {
  static Logger logger;
  return logger;
}

}  // namespace smsgw::gateway
