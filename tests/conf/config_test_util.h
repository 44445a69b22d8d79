// Helpers for the configuration tests: temporary directories with files of a chosen mode,
// a controlled environment, and errors split into lines.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "conf/config_loader.h"

namespace smsgw::conf::testing {

// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Writes `name` (relative to the directory) with `content` and `mode`; returns its path.
  std::string Write(const std::string& name, const std::string& content, int mode = 0644) const;

 private:
  std::string path_;
};

// Options whose environment holds exactly `env`.
LoadOptions WithEnv(std::map<std::string, std::string> env, bool check_files = false);

// The lines of a failed load's message.
std::vector<std::string> ErrorLines(const Status& status);

// The repository root ($SMSGW_SOURCE_DIR, set by tests/run_tests.sh, else ".").
std::string SourceDir();

// 64 hex characters: a well-formed 32-byte key.
inline constexpr const char* kHexKey =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

}  // namespace smsgw::conf::testing
