#include "tests/conf/config_test_util.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace smsgw::conf::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/smsgw-conf-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::Write(const std::string& name, const std::string& content, int mode) const {
  std::filesystem::path p = std::filesystem::path(path_) / name;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
  ::chmod(p.c_str(), static_cast<mode_t>(mode));
  return p.string();
}

LoadOptions WithEnv(std::map<std::string, std::string> env, bool check_files) {
  LoadOptions options;
  options.check_files = check_files;
  options.getenv = [env = std::move(env)](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  return options;
}

std::vector<std::string> ErrorLines(const Status& status) {
  std::vector<std::string> lines;
  std::istringstream in(status.message());
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string SourceDir() {
  const char* dir = std::getenv("SMSGW_SOURCE_DIR");
  return dir && *dir ? dir : ".";
}

}  // namespace smsgw::conf::testing
