// The few URLs the gateway calls (the account backend's base URL and what is built from it):
// http or https, a host, an optional port, a path and query. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "conf/status.h"

namespace smsgw::gateway {

struct Url {
  std::string scheme;  // "http" or "https", lower case
  std::string host;    // lower case; an IPv6 literal without its brackets
  uint16_t port = 0;   // 80 or 443 when the URL gives none
  std::string target;  // path and query as on the request line, "/" when empty

  bool tls() const { return scheme == "https"; }
  // "https://host:port": connections are pooled per origin.
  std::string Origin() const;
  // The Host header: the host, bracketed when IPv6, with ":port" unless it is the default.
  std::string HostHeader() const;
};

// InvalidArgument for another scheme, user information ("user:pass@": credentials do not
// belong in a URL that may be logged), a fragment, a bad port, an empty host, or whitespace
// and control characters anywhere.
Result<Url> ParseUrl(std::string_view text);

// True when `host` is an IPv4 or IPv6 literal (such hosts get no SNI and are checked against
// the certificate's IP addresses, not its names).
bool IsIpLiteral(std::string_view host);

}  // namespace smsgw::gateway
