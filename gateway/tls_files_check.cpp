#include "gateway/tls_files_check.h"

#include "gateway/tls_client.h"

namespace smsgw::gateway {
namespace {

void CheckCaFile(const std::string& ca_file, const std::string& key_path,
                 const std::string& config_path, std::vector<std::string>& errors) {
  if (ca_file.empty()) return;  // the system's store
  TlsClientOptions options;
  options.ca_file = ca_file;
  Result<std::shared_ptr<boost::asio::ssl::context>> ctx = MakeTlsClientContext(options);
  if (!ctx.ok()) errors.push_back(config_path + ": " + key_path + ": " + ctx.status().message());
}

}  // namespace

std::vector<std::string> CheckTlsFiles(const conf::GatewayConfig& config,
                                       const std::string& config_path) {
  std::vector<std::string> errors;
  for (size_t i = 0; i < config.smpp.connections.size(); ++i) {
    const conf::SmppConnection& c = config.smpp.connections[i];
    if (!c.tls.enabled) continue;
    CheckCaFile(c.tls.ca_file, "smpp.connections[" + std::to_string(i) + "].tls.ca_file",
                config_path, errors);
  }
  if (config.backend.type == conf::BackendType::kHttp) {
    CheckCaFile(config.backend.http.ca_file, "backend.http.ca_file", config_path, errors);
  }
  return errors;
}

}  // namespace smsgw::gateway
