#include "tests/packaging/host.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "gateway/version.h"

namespace smsgw::packaging {
namespace {

constexpr const char* kLockFile = "/tmp/smsgw-package-test.lock";
// Another run holds the lock for the few seconds of an install and a purge; waiting longer
// than this means something is stuck, and this run skips rather than hang.
constexpr auto kLockWait = std::chrono::seconds(30);
constexpr auto kLockPoll = std::chrono::milliseconds(200);

bool OnPath(const std::string& tool) {
  return Shell("command -v " + tool).code == 0;
}

std::string Trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

Outcome Shell(const std::string& command, int seconds) {
  std::string full =
      "timeout " + std::to_string(seconds) + " sh -c " + Quote(command) + " </dev/null 2>&1";
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed for: " + command};
  Outcome outcome;
  char buffer[4096];
  for (std::size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    outcome.output.append(buffer, n);
  }
  int status = pclose(pipe);
  outcome.code = (status != -1 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
  return outcome;
}

std::string Quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

FileInfo Stat(const std::string& path) {
  FileInfo info;
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return info;
  info.exists = true;
  info.directory = S_ISDIR(st.st_mode);
  info.regular = S_ISREG(st.st_mode);
  info.mode = st.st_mode & 07777;
  const passwd* pw = getpwuid(st.st_uid);
  info.owner = pw != nullptr ? pw->pw_name : std::to_string(st.st_uid);
  const group* gr = getgrgid(st.st_gid);
  info.group = gr != nullptr ? gr->gr_name : std::to_string(st.st_gid);
  return info;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Host& Host::Get() {
  static Host host;
  return host;
}

Host::Host() {
  Prepare();
}

void Host::Prepare() {
  if (geteuid() != 0) {
    skip_reason_ = "needs root: installs and purges the package with dpkg (make test runs as root)";
    return;
  }
  for (const char* tool : {"dpkg", "dpkg-deb", "dpkg-query", "dpkg-statoverride"}) {
    if (!OnPath(tool)) {
      skip_reason_ = std::string(tool) + " not found: not a Debian system";
      return;
    }
  }
  const char* bin = std::getenv("SMSGW_BIN");
  if (bin == nullptr || access(bin, X_OK) != 0) {
    skip_reason_ = "SMSGW_BIN does not name the built smsgw (tests/run_tests.sh sets it)";
    return;
  }
  lock_fd_ = open(kLockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  bool locked = lock_fd_ >= 0 && flock(lock_fd_, LOCK_EX | LOCK_NB) == 0;
  for (auto waited = std::chrono::milliseconds(0); !locked && lock_fd_ >= 0 && waited < kLockWait;
       waited += kLockPoll) {
    std::this_thread::sleep_for(kLockPoll);
    locked = flock(lock_fd_, LOCK_EX | LOCK_NB) == 0;
  }
  if (!locked) {
    skip_reason_ = std::string("another run of this test holds ") + kLockFile;
    return;
  }
  // Installed, half-installed or removed with its configuration kept: all mean someone's smsgw.
  if (Shell("dpkg-query -W smsgw").code == 0) {
    skip_reason_ =
        "the smsgw package is on this machine; this test would replace and purge it "
        "(dpkg --purge smsgw, after a backup, lets it run)";
    return;
  }
  for (const char* dir : {"/etc/smsgw", "/var/lib/smsgw"}) {
    if (Stat(dir).exists) {
      skip_reason_ = std::string(dir) + " exists; the package's purge would delete it";
      return;
    }
  }
  user_existed_ = getpwnam("smsgw") != nullptr;
  group_existed_ = getgrnam("smsgw") != nullptr;

  std::filesystem::path bin_dir = std::filesystem::path(bin).parent_path();
  const char* source = std::getenv("SMSGW_SOURCE_DIR");
  std::string script = std::string(source != nullptr ? source : ".") + "/packaging/build_deb.sh";
  // Five minutes: under the sanitizers the binary is about 140 MB, and compressing it alone
  // took a minute on a quiet 2-core machine.
  Outcome built = Shell(Quote(script) + " " + Quote(bin_dir.string()), 300);
  std::string arch = Trimmed(Shell("dpkg --print-architecture").output);
  std::string expected =
      (bin_dir / "deb" / ("smsgw_" + std::string(kVersion) + "_" + arch + ".deb")).string();
  if (built.code != 0 || Trimmed(built.output) != expected || !Stat(expected).regular) {
    build_error_ = script + " failed (exit " + std::to_string(built.code) + ", expected " +
                   expected + "):\n" + built.output;
    return;
  }
  deb_ = expected;
}

void Host::Restore() const {
  if (!skip_reason_.empty()) return;
  Shell("if dpkg-query -W smsgw >/dev/null 2>&1; then dpkg --purge smsgw; fi");
  if (!user_existed_ && getpwnam("smsgw") != nullptr) Shell("deluser --system --quiet smsgw");
  if (!group_existed_ && getgrnam("smsgw") != nullptr) Shell("delgroup --system --quiet smsgw");
}

}  // namespace smsgw::packaging
