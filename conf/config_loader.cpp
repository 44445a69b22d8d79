#include "conf/config_loader.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "conf/config_checks.h"
#include "conf/config_reader.h"
#include "conf/text_file.h"

namespace smsgw::conf {

namespace {

using schema::ConfigError;
using schema::Position;

constexpr std::size_t kMaxConfigBytes = 4 << 20;

std::string Format(const std::string& file, const ConfigError& e) {
  std::string out =
      file + ":" + std::to_string(e.at.line) + ":" + std::to_string(e.at.column) + ": ";
  if (!e.key_path.empty()) out += e.key_path + ": ";
  return out + e.message;
}

Status Failure(const std::string& file, std::vector<ConfigError> errors) {
  std::stable_sort(errors.begin(), errors.end(), [](const ConfigError& a, const ConfigError& b) {
    return std::pair(a.at.line, a.at.column) < std::pair(b.at.line, b.at.column);
  });
  std::string text;
  for (const ConfigError& e : errors) text += (text.empty() ? "" : "\n") + Format(file, e);
  return Status::InvalidArgument(std::move(text));
}

std::optional<std::string> ProcessEnv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

}  // namespace

Result<GatewayConfig> ParseGatewayConfig(std::string_view yaml, const std::string& file_label,
                                         const std::string& base_dir, const LoadOptions& options) {
  GatewayConfig config;
  config.source_file = file_label;
  config.base_dir = std::filesystem::absolute(base_dir).lexically_normal().string();
  schema::ReadContext ctx({config.base_dir, options.check_files, options.read_secrets});
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    schema::ReadSection(ctx, root, "", Position{}, config);
    schema::CheckAndComplete(config, ctx, options.getenv ? options.getenv : ProcessEnv);
  } catch (const YAML::Exception& e) {
    // Syntax errors; yaml-cpp reports nothing else once the tree is built, but a Node misuse
    // would land here too rather than escape the module.
    ctx.Error(schema::PositionOf(e.mark), "", "YAML syntax error: " + e.msg);
  }
  if (!ctx.errors().empty()) return Failure(file_label, ctx.errors());
  return config;
}

Result<GatewayConfig> LoadGatewayConfig(const std::string& path, const LoadOptions& options) {
  Result<std::string> text = ReadTextFile(path, kMaxConfigBytes);
  if (!text.ok()) {
    const Status& s = text.status();
    if (s.IsNotFound()) return Status::NotFound(path + ": " + s.message());
    if (s.IsInvalidArgument()) {
      return Status::InvalidArgument(path + ": " + s.message() + "; not a configuration file");
    }
    return Status::IOError(path + ": " + s.message());
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  return ParseGatewayConfig(*text, path, dir.empty() ? "." : dir, options);
}

}  // namespace smsgw::conf
