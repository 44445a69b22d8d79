#include "gateway/tls_client.h"

#include <openssl/x509v3.h>

#include "gateway/url.h"

namespace smsgw::gateway {

namespace ssl = boost::asio::ssl;

Result<std::shared_ptr<ssl::context>> MakeTlsClientContext(const TlsClientOptions& options) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::no_compression,
                   ec);
  if (ec) return Status::Internal("TLS context options refused: " + ec.message());
  SSL_CTX_set_options(ctx->native_handle(), SSL_OP_NO_RENEGOTIATION);
  ctx->set_verify_mode(options.verify ? ssl::verify_peer : ssl::verify_none, ec);
  if (ec) return Status::Internal("TLS verify mode refused: " + ec.message());

  if (options.ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
    if (ec) return Status::InvalidArgument("cannot load the system CA store: " + ec.message());
  } else {
    ctx->load_verify_file(options.ca_file, ec);
    if (ec) {
      return Status::InvalidArgument("cannot load CA file " + options.ca_file + ": " +
                                     ec.message());
    }
  }
  if (options.cert_file.empty() != options.key_file.empty()) {
    return Status::InvalidArgument("a TLS client certificate needs both cert_file and key_file");
  }
  if (!options.cert_file.empty()) {
    ctx->use_certificate_chain_file(options.cert_file, ec);
    if (ec) {
      return Status::InvalidArgument("cannot load client certificate " + options.cert_file + ": " +
                                     ec.message());
    }
    ctx->use_private_key_file(options.key_file, ssl::context::pem, ec);
    if (ec) {
      return Status::InvalidArgument("cannot load client key " + options.key_file + ": " +
                                     ec.message());
    }
  }
  return ctx;
}

Status PrepareTlsHost(SSL* ssl, const std::string& host) {
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (IsIpLiteral(host)) {
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
      return Status::Internal("OpenSSL refused the IP address to verify");
    }
    return Status::OK();
  }
  if (SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) {
    return Status::Internal("OpenSSL refused the SNI host name");
  }
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) != 1) {
    return Status::Internal("OpenSSL refused the host name to verify");
  }
  return Status::OK();
}

namespace {

const char* VerifyErrorClass(long result) {
  switch (result) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_CERT_REJECTED:
      return "unknown CA";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
    case X509_V_ERR_EMAIL_MISMATCH:
      return "name mismatch";
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
    case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
      return "expired or not yet valid";
    default:
      return "certificate refused";
  }
}

}  // namespace

std::string TlsVerifyError(const SSL* ssl) {
  long result = SSL_get_verify_result(ssl);
  if (result == X509_V_OK) return std::string();
  return std::string(VerifyErrorClass(result)) + " (" + X509_verify_cert_error_string(result) + ")";
}

}  // namespace smsgw::gateway
