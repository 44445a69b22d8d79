#include "conf/config_loader.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "conf/config_checks.h"
#include "conf/config_reader.h"

namespace smsgw::conf {

namespace {

using schema::ConfigError;
using schema::Position;

constexpr std::uintmax_t kMaxConfigBytes = 4 << 20;

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
  schema::ReadContext ctx({config.base_dir, options.check_files});
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
  std::error_code ec;
  std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxConfigBytes) {
    return Status::InvalidArgument(path + ": larger than 4 MiB; not a configuration file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::string why = std::strerror(errno);
    if (errno == ENOENT) return Status::NotFound(path + ": cannot read: " + why);
    return Status::IOError(path + ": cannot read: " + why);
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IOError(path + ": read failed");
  std::string dir = std::filesystem::path(path).parent_path().string();
  return ParseGatewayConfig(text.str(), path, dir.empty() ? "." : dir, options);
}

}  // namespace smsgw::conf
