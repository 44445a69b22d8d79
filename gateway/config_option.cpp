#include "gateway/config_option.h"

#include <algorithm>
#include <ostream>

#include "conf/config_loader.h"
#include "gateway/grammar_check.h"
#include "gateway/subcommand.h"

namespace smsgw::gateway {

OptionSpec ConfigOption() {
  return {"config", "FILE",
          std::string("gateway configuration (default ") + kDefaultConfigPath + ")"};
}

std::variant<conf::GatewayConfig, int> LoadConfigOrExit(const ParsedArgs& args,
                                                        const std::string& command,
                                                        std::ostream& err) {
  if (!args.positionals().empty()) {
    err << "smsgw " << command << ": unexpected argument '" << args.positionals().front()
        << "'\nRun 'smsgw " << command << " --help' for the options.\n";
    return kExitUsage;
  }
  std::string path = args.GetOr("config", kDefaultConfigPath);
  Result<conf::GatewayConfig> config = conf::LoadGatewayConfig(path);
  std::vector<std::string> errors;
  if (config.ok()) {
    errors = CheckGrammar(*config);
  } else {
    errors.push_back(config.status().message());  // one line per error already
  }
  if (errors.empty()) return std::move(config).value();
  std::size_t count = 0;
  for (const std::string& e : errors) {
    err << e << "\n";
    count += 1 + std::count(e.begin(), e.end(), '\n');
  }
  err << "smsgw " << command << ": " << count << (count == 1 ? " error" : " errors") << " in "
      << path << (config.ok() ? " and the grammar it names" : "") << "\n";
  return kExitInvalid;
}

}  // namespace smsgw::gateway
