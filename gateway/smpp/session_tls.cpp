#include "gateway/smpp/session_tls.h"

#include "gateway/tls_client.h"

namespace smsgw::smpp {

Result<std::shared_ptr<boost::asio::ssl::context>> MakeSessionTlsContext(const SessionTls& tls) {
  gateway::TlsClientOptions options;
  options.ca_file = tls.ca_file;
  options.verify = tls.verify;
  return gateway::MakeTlsClientContext(options);
}

}  // namespace smsgw::smpp
