// TLS for the backend client: a context that always verifies the server, and the per-connection
// settings that tie the verification to the host the URL names.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "conf/status.h"

namespace smsgw::gateway {

struct TlsClientOptions {
  // PEM file of the CAs to trust. Empty: the system store (/etc/ssl/certs via OpenSSL's
  // default paths). A bank usually gives its own CA; trusting only it is the safer setting.
  std::string ca_file;
  // Client certificate chain and private key (PEM) for mutual TLS; both or neither.
  std::string cert_file;
  std::string key_file;
  // false: the handshake accepts any certificate (no chain, name or date check). Only for a
  // lab; callers say so loudly in their logs.
  bool verify = true;
};

// TLS 1.2 or later, peer verification on (unless `verify` is false), no compression or
// renegotiation. InvalidArgument when a file cannot be loaded (the message names the file,
// never its content).
Result<std::shared_ptr<boost::asio::ssl::context>> MakeTlsClientContext(
    const TlsClientOptions& options);

// Sets one connection up for `host` before its handshake: SNI (only for names: RFC 6066 forbids
// IP literals there) and the identity the certificate must prove, a DNS name checked against
// its subjectAltName without partial wildcards, or an IP address checked against its IP
// entries. Internal when OpenSSL refuses the settings.
Status PrepareTlsHost(SSL* ssl, const std::string& host);

// Why certificate verification failed after a handshake error, as a class an operator acts on
// and OpenSSL's words: "unknown CA (unable to get local issuer certificate)", "name mismatch
// (hostname mismatch)", "expired or not yet valid (certificate has expired)", or
// "certificate refused (...)" for the rest. Empty when verification was not the cause.
std::string TlsVerifyError(const SSL* ssl);

}  // namespace smsgw::gateway
