#include "conf/config_specs.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "conf/duration.h"

namespace smsgw::conf::schema {

namespace fs = std::filesystem;

std::string Quote(std::string_view text) {
  constexpr std::size_t kMax = 40;
  std::string out = "\"";
  for (char c : text.substr(0, kMax)) {
    if (c == '"' || c == '\\') out += '\\';
    out += (static_cast<unsigned char>(c) < 0x20) ? '?' : c;
  }
  if (text.size() > kMax) out += "...";
  return out + "\"";
}

namespace {

std::string Got(const std::string& expected, std::string_view text) {
  return "expected " + expected + ", got " + Quote(text);
}

bool AllOf(std::string_view s, bool (*ok)(char)) {
  return std::all_of(s.begin(), s.end(), ok);
}
bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

// ---- integers

std::string IntSpec::RenderInt(std::int64_t v) const {
  if (!hex) return std::to_string(v);
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string IntSpec::Range() const {
  if (only.empty()) return RenderInt(min) + "-" + RenderInt(max);
  std::string out;
  for (std::int64_t v : only) out += (out.empty() ? "" : ", ") + RenderInt(v);
  return out;
}
std::string IntSpec::Expected() const {
  return (only.empty() ? "an integer " : "one of ") + Range();
}

std::string IntSpec::ParseInt(std::string_view text, std::int64_t* out) const {
  int base = 10;
  std::string_view digits = text;
  if (hex && digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    base = 16;
    digits.remove_prefix(2);
  }
  std::int64_t v = 0;
  bool ok = !digits.empty() && digits.size() <= 18;
  for (char c : digits) {
    int d = (c >= '0' && c <= '9')                 ? c - '0'
            : (base == 16 && c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (base == 16 && c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                   : -1;
    if (d < 0) ok = false;
    v = v * base + std::max(d, 0);
  }
  if (!ok || v < min || v > max) return Got(Expected(), text);
  if (!only.empty() && std::find(only.begin(), only.end(), v) == only.end()) {
    return Got(Expected(), text);
  }
  *out = v;
  return "";
}

// ---- bool

std::string BoolSpec::Parse(std::string_view text, bool& out, const ParseContext&) const {
  // Only the YAML 1.2 spellings: "yes", "on" and "n" mean too many things to too many people.
  if (text == "true" || text == "false") {
    out = text == "true";
    return "";
  }
  return Got(Expected(), text);
}

// ---- durations

std::string DurationSpec::Range() const {
  return FormatDuration(min) + "-" + FormatDuration(max);
}
std::string DurationSpec::Expected() const {
  return "a duration " + Range() + " such as \"250ms\", \"10s\", \"5m\" or \"24h\"";
}
std::string DurationSpec::Render(Duration v) const {
  return FormatDuration(v);
}

std::string DurationSpec::Parse(std::string_view text, Duration& out, const ParseContext&) const {
  std::optional<Duration> d = ParseDuration(text);
  if (!d || *d < min || *d > max) return Got(Expected(), text);
  out = *d;
  return "";
}

// ---- text

std::string TextSpec::Range() const {
  if (min_len == max_len) return std::to_string(min_len) + " characters";
  return std::to_string(min_len) + "-" + std::to_string(max_len) + " characters";
}
std::string TextSpec::Expected() const {
  return std::string(what) + " of " + Range();
}

std::string TextSpec::Parse(std::string_view text, std::string& out, const ParseContext&) const {
  bool ok = text.size() >= min_len && text.size() <= max_len && (!valid || valid(text));
  if (ok) {
    out = std::string(text);
    return "";
  }
  if (!secret) return Got(Expected(), text);
  // Say what is wrong without a single character of the value.
  return "expected " + Expected() + ", got " + std::to_string(text.size()) + " characters" +
         (valid && !valid(text) ? " including some that are not allowed" : "");
}

// ---- paths

namespace {

std::string Resolve(std::string_view text, const ParseContext& ctx) {
  fs::path p{std::string(text)};
  if (p.is_relative()) p = fs::path(ctx.base_dir) / p;
  return p.lexically_normal().string();
}

}  // namespace

std::string PathSpec::Parse(std::string_view text, std::string& out,
                            const ParseContext& ctx) const {
  if (text.empty()) {
    if (!optional) return Got(Expected(), text);
    out.clear();
    return "";
  }
  std::string path = Resolve(text, ctx);
  if (ctx.check_files) {
    std::error_code ec;
    fs::file_status st = fs::status(path, ec);
    if (fs::is_directory(st)) return "expected a file, " + path + " is a directory";
    if (must_exist && !fs::exists(st)) return "file not found: " + path;
    if (must_exist && ::access(path.c_str(), R_OK) != 0) {
      return "cannot read " + path + ": " + std::strerror(errno);
    }
  }
  out = std::move(path);
  return "";
}

std::string KeyFileSpec::Parse(std::string_view text, KeySource& out,
                               const ParseContext& ctx) const {
  if (text.empty()) return Got(Expected(), text);
  out.file = Resolve(text, ctx);
  return "";
}

// ---- endpoints

std::string EndpointSpec::Parse(std::string_view text, Endpoint& out, const ParseContext&) const {
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return Got(Expected(), text);
  std::string host(text.substr(0, colon));
  bool v6 = host.size() > 2 && host.front() == '[' && host.back() == ']';
  if (v6) host = host.substr(1, host.size() - 2);
  unsigned char addr[16];
  if (::inet_pton(v6 ? AF_INET6 : AF_INET, host.c_str(), addr) != 1) return Got(Expected(), text);
  std::int64_t port = 0;
  if (!IntSpec{1, 65535}.ParseInt(text.substr(colon + 1), &port).empty()) {
    return Got(Expected(), text);
  }
  out = Endpoint{host, static_cast<std::uint16_t>(port)};
  return "";
}

std::string EndpointSpec::Render(const Endpoint& v) const {
  bool v6 = v.host.find(':') != std::string::npos;
  return "\"" + (v6 ? "[" + v.host + "]" : v.host) + ":" + std::to_string(v.port) + "\"";
}

// ---- character rules

bool IsName(std::string_view s) {
  return AllOf(s, [](char c) { return IsAlnum(c) || c == '-' || c == '_'; });
}
bool IsHostName(std::string_view s) {
  return AllOf(s, [](char c) { return IsAlnum(c) || c == '.' || c == '-' || c == ':'; });
}
bool IsPrintableAscii(std::string_view s) {
  return AllOf(s, [](char c) { return c >= 0x20 && c <= 0x7e; });
}
bool IsAlphanumeric(std::string_view s) {
  return AllOf(s, IsAlnum);
}
bool IsLanguageTag(std::string_view s) {
  return AllOf(s, [](char c) { return c >= 'a' && c <= 'z'; });
}
bool IsKeyId(std::string_view s) {
  return AllOf(s, [](char c) { return IsAlnum(c) || c == '.' || c == '-' || c == '_'; });
}

bool IsHttpUrl(std::string_view s) {
  std::size_t start = s.starts_with("http://") ? 7 : s.starts_with("https://") ? 8 : 0;
  if (start == 0 || !IsPrintableAscii(s) || s.find(' ') != std::string_view::npos) return false;
  std::string_view authority = s.substr(start, s.find('/', start) - start);
  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (authority.starts_with('[')) {  // [IPv6]:port
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return false;
    has_port = !after.empty();
    if (has_port) port = after.substr(1);
  } else if (std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    has_port = true;
  }
  std::int64_t n = 0;
  return !host.empty() && IsHostName(host) &&
         (!has_port || IntSpec{1, 65535}.ParseInt(port, &n).empty());
}

}  // namespace smsgw::conf::schema
