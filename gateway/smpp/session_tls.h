// TLS for one ESME session: what the configuration says and the client context it makes. The
// verification itself (chain, RFC 6125 name rules, IP SANs) is the HTTP client's, in
// gateway/tls_client.h, so both links to the outside are checked the same way.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "conf/status.h"

namespace smsgw::smpp {

struct SessionTls {
  bool enabled = false;
  // PEM file of the CAs to trust; empty: the system store. The operator's own CA is the
  // safer choice when they issue the SMSC's certificate themselves.
  std::string ca_file;
  // Sent as SNI (names only) and checked against the certificate: a DNS name against its DNS
  // subjectAltNames (no partial wildcards), an IP literal against its IP entries. Empty: the
  // session's host.
  std::string server_name;
  // false: any certificate is accepted. For a lab only; every connect logs it.
  bool verify = true;
};

// The client context for `tls` (TLS 1.2 or later). InvalidArgument when the CA file (or the
// system store) cannot be loaded; the daemon calls it at start so such a setting stops it.
Result<std::shared_ptr<boost::asio::ssl::context>> MakeSessionTlsContext(const SessionTls& tls);

// The identity the certificate must prove: server_name, else host.
inline const std::string& TlsPeerName(const SessionTls& tls, const std::string& host) {
  return tls.server_name.empty() ? host : tls.server_name;
}

}  // namespace smsgw::smpp
