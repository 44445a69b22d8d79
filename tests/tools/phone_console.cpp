// phone_console: the operator's SMSC and a subscriber's phone in one program, for `make run`
// (tests/tools/run_demo.sh) and for scripted sessions against a running gateway.
//
//   phone_console [--port N] [--password P] [--short-code CODE] [--phone MSISDN]
//                 [--reply-wait DURATION] [--wait-bind DURATION]
//
// The behaviour is in tests/support/phone_console.h; this file reads stdin and runs the loop.
// Exit status: 0 after /quit, end of input or SIGINT/SIGTERM handled; 1 when the port cannot
// be listened on or the gateway did not bind within --wait-bind; 2 for a bad command line.
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/phone_console.h"

namespace {

using smsgw::console::PhoneConsole;

// Hands stdin's lines to the console on the io_context's thread. A thread, not an Asio
// descriptor, so that stdin may also be a regular file (epoll refuses those). The thread may
// still be blocked in read() when main returns; Close() makes it drop what it reads after that.
class StdinLines : public std::enable_shared_from_this<StdinLines> {
 public:
  StdinLines(boost::asio::io_context& io, PhoneConsole& console) : io_(io), console_(console) {}

  void Start() {
    std::thread([self = shared_from_this()] { self->Run(); }).detach();
  }
  void Close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }

 private:
  static constexpr size_t kMaxLine = 1 << 20;  // a longer "line" is cut here

  void Run() {
    std::string buffer;
    char chunk[4096];
    for (;;) {
      const ssize_t n = read(STDIN_FILENO, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      buffer.append(chunk, static_cast<size_t>(n));
      size_t start = 0;
      for (size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
        Post(buffer.substr(start, nl - start), false);
      }
      buffer.erase(0, start);
      if (buffer.size() >= kMaxLine) Post(std::exchange(buffer, {}), false);
    }
    if (!buffer.empty()) Post(std::move(buffer), false);
    Post({}, true);
  }
  void Post(std::string line, bool end) {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    boost::asio::post(io_, [self = shared_from_this(), line = std::move(line), end]() mutable {
      if (self->IsClosed()) return;
      end ? self->console_.OnEndOfInput() : self->console_.OnLine(std::move(line));
    });
  }
  bool IsClosed() {
    std::lock_guard lock(mutex_);
    return closed_;
  }

  boost::asio::io_context& io_;
  PhoneConsole& console_;
  std::mutex mutex_;
  bool closed_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  auto options = smsgw::console::ParseConsoleArgs(std::vector<std::string>(argv + 1, argv + argc));
  if (!options.ok()) {
    std::cerr << "phone_console: " << options.status().message() << "\n"
              << smsgw::console::ConsoleUsage();
    return 2;
  }
  if (options->help) {
    std::cout << smsgw::console::ConsoleUsage();
    return 0;
  }
  boost::asio::io_context io;
  const smsgw::console::ConsoleTerminal terminal{isatty(STDIN_FILENO) == 1,
                                                 isatty(STDOUT_FILENO) == 1};
  PhoneConsole console(io, std::move(*options), terminal, std::cout, std::cerr);
  if (smsgw::Status s = console.Start(); !s.ok()) {
    std::cerr << "phone_console: " << s.message() << "\n";
    return 1;
  }
  auto input = std::make_shared<StdinLines>(io, console);
  input->Start();
  io.run();
  input->Close();
  return console.exit_code();
}
