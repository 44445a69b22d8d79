#include "tests/support/tool_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "tests/support/child_process.h"

namespace smsgw::test {

namespace {

// Reads what `fd` holds; false at its end (or on an error other than "nothing yet").
bool DrainFd(int fd, std::string* into) {
  if (fd < 0) return false;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      into->append(buf, static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return n < 0 && errno == EAGAIN;
    }
  }
}

}  // namespace

std::string ToolPath(const std::string& name) {
  const char* dir = std::getenv("SMSGW_TOOLS");
  return std::string(dir != nullptr ? dir : "build/tools") + "/" + name;
}

ToolProcess::ToolProcess(const std::string& name, std::vector<std::string> args) {
  int in[2], out[2], err[2];
  if (pipe(in) != 0) return;
  if (pipe(out) != 0 || pipe(err) != 0) return;
  ExecArgv exec(ToolPath(name), std::move(args));
  pid_ = fork();
  if (pid_ == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
    execv(exec.path(), exec.argv());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  stdin_ = in[1];
  stdout_ = out[0];
  stderr_ = err[0];
  fcntl(stdout_, F_SETFL, O_NONBLOCK);
  fcntl(stderr_, F_SETFL, O_NONBLOCK);
}

ToolProcess::~ToolProcess() {
  if (pid_ > 0 && !reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  for (int fd : {stdin_, stdout_, stderr_}) {
    if (fd >= 0) close(fd);
  }
}

bool ToolProcess::Write(const std::string& text) {
  size_t done = 0;
  while (stdin_ >= 0 && done < text.size()) {
    const ssize_t n = write(stdin_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return done == text.size();
}

void ToolProcess::CloseStdin() {
  if (stdin_ >= 0) close(stdin_);
  stdin_ = -1;
}

void ToolProcess::Signal(int sig) {
  if (pid_ > 0 && !reaped_) kill(pid_, sig);
}

bool ToolProcess::Drain() {
  const bool out_open = DrainFd(stdout_, &out_);
  const bool err_open = DrainFd(stderr_, &err_);
  return out_open || err_open;
}

int ToolProcess::TryWait() {
  if (reaped_ || pid_ <= 0) return status_;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return -1;
  reaped_ = true;
  status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return status_;
}

}  // namespace smsgw::test
