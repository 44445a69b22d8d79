#include "gateway/grammar_check.h"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace smsgw::gateway {

std::vector<std::string> CheckGrammar(const conf::GatewayConfig& config) {
  // The grammar loader (parser/) is not part of this build yet: until it is, this only makes
  // sure the file can be opened. When it lands, load the grammar here and return its errors,
  // so `smsgw check` reports both files at once. LoadGatewayConfig has already checked that
  // the file exists.
  const std::string& path = config.grammar_path;
  std::ifstream in(path, std::ios::binary);
  if (!in) return {path + ": cannot read: " + std::strerror(errno)};
  return {};
}

}  // namespace smsgw::gateway
