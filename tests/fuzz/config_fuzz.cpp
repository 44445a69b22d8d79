// The configuration loader on arbitrary text: it must return a config or a list of errors,
// never crash, hang or throw. Files and the environment are left out of it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "conf/config_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const smsgw::conf::LoadOptions kOptions = [] {
    smsgw::conf::LoadOptions o;
    o.check_files = false;
    o.getenv = [](const std::string&) { return std::optional<std::string>(); };
    return o;
  }();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  smsgw::Result<smsgw::conf::GatewayConfig> r =
      smsgw::conf::ParseGatewayConfig(text, "fuzz.yaml", "/srv/smsgw", kOptions);
  // Every error line names the file: a message without a position would be a bug.
  if (!r.ok() && r.status().message().rfind("fuzz.yaml:", 0) != 0) __builtin_trap();
  return 0;
}
