#include "conf/gateway_config.h"

namespace smsgw::conf {

std::string SmppPasswordEnvVar(const std::string& connection_name) {
  std::string out = "SMSGW_SMPP_PASSWORD_";
  for (char c : connection_name) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    bool keep = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out += keep ? c : '_';
  }
  return out;
}

}  // namespace smsgw::conf
