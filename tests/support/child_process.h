// A program started by a test (the daemon, a simulator): its output goes to a file the test
// reads while it runs, it can be signalled, and it is killed and reaped when the object dies,
// so no test leaves a process behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace smsgw::test {

// A program's path and argv for exec, made before fork: the test's other threads may hold the
// allocator's lock at the fork, and a child that allocates before exec waits for it forever.
// Between fork and exec a child calls only async-signal-safe functions (open, dup2, close,
// exec*, _exit) and these accessors, which do not allocate.
class ExecArgv {
 public:
  ExecArgv(std::string path, std::vector<std::string> args);
  ExecArgv(const ExecArgv&) = delete;
  ExecArgv& operator=(const ExecArgv&) = delete;

  const char* path() const { return path_.c_str(); }
  char* const* argv() { return argv_.data(); }  // path first, then args, then nullptr

 private:
  std::string path_;
  std::vector<std::string> args_;
  std::vector<char*> argv_;
};

class ChildProcess {
 public:
  // Starts `path` with `args`; stdout and stderr both go to `output_file` (appended).
  // `env` entries are added to the environment. running() is false when it could not start.
  ChildProcess(const std::string& path, const std::vector<std::string>& args,
               const std::string& output_file, const std::map<std::string, std::string>& env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();

  void Signal(int signo);

  // The exit status as waitpid reports it, once the process ended within `timeout`; nullopt
  // when it is still running then.
  std::optional<int> Wait(std::chrono::milliseconds timeout);

  // SIGKILL and reap.
  void Kill();

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// The whole content of a file ("" when it cannot be read).
std::string ReadFileText(const std::string& path);

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
int FreeLoopbackPort();

}  // namespace smsgw::test
