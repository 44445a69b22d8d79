// A program of build/tools (or $SMSGW_TOOLS) run as a child process with its stdin, stdout and
// stderr on pipes, for tests that drive a tool the way a script does. Output is collected
// without blocking (Drain), so a test can run its own io_context in the same thread.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace smsgw::test {

// $SMSGW_TOOLS/<name>, or build/tools/<name> when the variable is not set.
std::string ToolPath(const std::string& name);

class ToolProcess {
 public:
  // Starts the tool; started() is false when the pipes or fork failed.
  ToolProcess(const std::string& name, std::vector<std::string> args);
  // SIGKILL and reap if it still runs.
  ~ToolProcess();
  ToolProcess(const ToolProcess&) = delete;
  ToolProcess& operator=(const ToolProcess&) = delete;

  bool started() const { return pid_ > 0; }
  // False when not all of `text` could be written.
  bool Write(const std::string& text);
  void CloseStdin();
  void Signal(int sig);

  // Appends what the pipes hold to out() and err(); false once both are at their end.
  bool Drain();
  // The exit status (128 + signal for a signal) once the process ended, else -1.
  int TryWait();

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  int stderr_ = -1;
  std::string out_;
  std::string err_;
  bool reaped_ = false;
  int status_ = -1;
};

}  // namespace smsgw::test
