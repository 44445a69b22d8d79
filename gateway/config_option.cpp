#include "gateway/config_option.h"

#include <algorithm>
#include <ostream>

#include "conf/config_loader.h"
#include "gateway/grammar_check.h"
#include "gateway/subcommand.h"
#include "gateway/tls_files_check.h"

namespace smsgw::gateway {

OptionSpec ConfigOption() {
  return {"config", "FILE",
          std::string("gateway configuration (default ") + kDefaultConfigPath + ")"};
}

namespace {

// Every error on its own line(s), then a summary naming the command; returns kExitInvalid.
int ReportConfigErrors(const std::vector<std::string>& errors, const std::string& command,
                       const std::string& path, bool with_grammar, std::ostream& err) {
  std::size_t count = 0;
  for (const std::string& e : errors) {
    err << e << "\n";
    count += 1 + std::count(e.begin(), e.end(), '\n');
  }
  err << "smsgw " << command << ": " << count << (count == 1 ? " error" : " errors") << " in "
      << path << (with_grammar ? " and the grammar it names" : "") << "\n";
  return kExitInvalid;
}

// The file named by --config, else `default_path` (when not null) if it exists; nullopt when
// neither is there.
std::variant<std::optional<conf::GatewayConfig>, int> LoadGivenOrDefault(
    const ParsedArgs& args, const std::string& command, const char* default_path,
    const conf::LoadOptions& options, std::ostream& err) {
  const std::optional<std::string> given = args.Get("config");
  if (!given && default_path == nullptr) return std::optional<conf::GatewayConfig>();
  const std::string path = given ? *given : default_path;
  Result<conf::GatewayConfig> config = conf::LoadGatewayConfig(path, options);
  if (config.ok()) return std::optional<conf::GatewayConfig>(std::move(config).value());
  if (!given && config.status().IsNotFound()) return std::optional<conf::GatewayConfig>();
  return ReportConfigErrors({config.status().message()}, command, path, false, err);
}

}  // namespace

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
    for (std::string& e : CheckTlsFiles(*config, path)) errors.push_back(std::move(e));
  } else {
    errors.push_back(config.status().message());  // one line per error already
  }
  if (errors.empty()) return std::move(config).value();
  return ReportConfigErrors(errors, command, path, config.ok(), err);
}

std::variant<std::optional<conf::GatewayConfig>, int> LoadAdminConfigOrExit(
    const ParsedArgs& args, const std::string& command, std::ostream& err,
    const char* default_path) {
  return LoadGivenOrDefault(args, command, default_path, conf::LoadOptions{}, err);
}

std::variant<std::optional<conf::GatewayConfig>, int> LoadTryConfigOrExit(const ParsedArgs& args,
                                                                          std::ostream& err) {
  conf::LoadOptions options;
  options.check_files = false;
  options.read_secrets = false;
  return LoadGivenOrDefault(args, "try", kDefaultConfigPath, options, err);
}

}  // namespace smsgw::gateway
