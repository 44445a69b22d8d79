#include "gateway/url.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace smsgw::gateway {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool HasWhitespaceOrControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

bool IsHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

std::string Bracketed(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

bool IsIpLiteral(std::string_view host) {
  std::string h(host);
  unsigned char buf[16];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

std::string Url::Origin() const {
  return scheme + "://" + Bracketed(host) + ":" + std::to_string(port);
}

std::string Url::HostHeader() const {
  bool default_port = (tls() && port == 443) || (!tls() && port == 80);
  return default_port ? Bracketed(host) : Bracketed(host) + ":" + std::to_string(port);
}

Result<Url> ParseUrl(std::string_view text) {
  if (text.empty() || HasWhitespaceOrControl(text)) {
    return Status::InvalidArgument("URL is empty or has whitespace or control characters");
  }
  if (text.find('#') != std::string_view::npos) {
    return Status::InvalidArgument("URL must not have a fragment");
  }
  auto sep = text.find("://");
  if (sep == std::string_view::npos) return Status::InvalidArgument("URL has no scheme");
  Url url;
  url.scheme = Lower(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https") {
    return Status::InvalidArgument("URL scheme must be http or https");
  }
  std::string_view rest = text.substr(sep + 3);
  auto slash = std::min(rest.find('/'), rest.find('?'));
  std::string_view authority = rest.substr(0, slash);
  url.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (url.target.front() == '?') url.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) {
    return Status::InvalidArgument("URL must not carry user information");
  }

  std::string_view host, port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return Status::InvalidArgument("URL has an unclosed [");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') {
      return Status::InvalidArgument("URL has text after the IPv6 address");
    }
    if (!after.empty()) port = after.substr(1);
    if (!IsIpLiteral(host)) return Status::InvalidArgument("URL has a bad IPv6 address");
  } else {
    auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    if (!std::all_of(host.begin(), host.end(), IsHostChar)) {
      return Status::InvalidArgument("URL host has a bad character");
    }
  }
  if (host.empty()) return Status::InvalidArgument("URL has no host");
  url.host = Lower(host);

  url.port = url.tls() ? 443 : 80;
  if (!port.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return Status::InvalidArgument("URL port must be 1-65535");
    }
    url.port = static_cast<uint16_t>(value);
  } else if (authority.back() == ':') {
    return Status::InvalidArgument("URL has an empty port");
  }
  return url;
}

}  // namespace smsgw::gateway
