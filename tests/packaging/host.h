// The machine the package test installs on: shell commands, file metadata, and the one-time
// preparation (may this run touch the system? build the package) that every test shares.
#pragma once

#include <string>

namespace smsgw::packaging {

// What a command printed (stdout and stderr together) and its exit status; -1 when it did not
// exit normally (killed by the time limit or a signal).
struct Outcome {
  int code = -1;
  std::string output;
};

// Runs `command` with /bin/sh, stdin from /dev/null (a dpkg prompt fails instead of waiting),
// killed after `seconds`.
Outcome Shell(const std::string& command, int seconds = 60);

// `text` quoted for /bin/sh.
std::string Quote(const std::string& text);

// lstat(2) of a path, with owner and group as names.
struct FileInfo {
  bool exists = false;
  bool directory = false;
  bool regular = false;
  unsigned mode = 0;  // permission bits only, e.g. 0640
  std::string owner;
  std::string group;
};
FileInfo Stat(const std::string& path);

// The whole content of a file; empty when it cannot be read.
std::string Slurp(const std::string& path);

// Decided once per test binary, before the first test: whether this machine may be used, and
// the package built from $SMSGW_BIN. Holds an exclusive lock on a machine-wide lock file while
// the binary runs, so that two test runs (two worktrees' `make test`) never install over each
// other.
class Host {
 public:
  static Host& Get();

  // Non-empty when the tests must be skipped: not root, no dpkg, no SMSGW_BIN, another run
  // holds the lock, or smsgw is already on this machine (a purge would delete its data).
  const std::string& skip_reason() const { return skip_reason_; }
  // Non-empty when building the package failed: the build's output.
  const std::string& build_error() const { return build_error_; }
  // The .deb built for this run.
  const std::string& deb() const { return deb_; }

  // Puts the machine back as it was: purges the package if dpkg knows it in any state, and
  // removes the system user and group smsgw unless they existed before this run.
  void Restore() const;

 private:
  Host();
  void Prepare();
  std::string skip_reason_;
  std::string build_error_;
  std::string deb_;
  bool user_existed_ = false;
  bool group_existed_ = false;
  int lock_fd_ = -1;
};

}  // namespace smsgw::packaging
