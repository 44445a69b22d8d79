// build/tools/backend_sim as a process, the way scripts and the kill -9 test use it: the port
// on the first line, the HTTP API, faults scripted over HTTP, statistics at SIGTERM.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "gateway/backend_exchange.h"
#include "tests/http/http_test_util.h"
#include "tests/support/child_process.h"

namespace smsgw::gateway {
namespace {

using smsgw::test::RunUntil;

std::string ToolPath() {
  const char* dir = std::getenv("SMSGW_TOOLS");
  return std::string(dir != nullptr ? dir : "build/tools") + "/backend_sim";
}

class SimProcess {
 public:
  // Starts the tool with `args`; its stdout comes through a pipe.
  explicit SimProcess(std::vector<std::string> args) {
    int fds[2];
    if (pipe(fds) != 0) return;
    test::ExecArgv exec(ToolPath(), std::move(args));
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      close(fds[1]);
      execv(exec.path(), exec.argv());
      _exit(127);
    }
    close(fds[1]);
    out_ = fdopen(fds[0], "r");
  }
  ~SimProcess() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ != nullptr) fclose(out_);
  }

  // One line of the tool's stdout, without its newline; empty at end of file.
  std::string ReadLine() {
    char buf[4096];
    if (out_ == nullptr || fgets(buf, sizeof buf, out_) == nullptr) return "";
    std::string line(buf);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    return line;
  }

  // SIGTERM, then the exit status.
  int Terminate() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
    return status;
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  bool reaped_ = false;
};

TEST(BackendSimTool, ServesTheApiAndReportsAtExit) {
  // A key file in the project's format (64 hex digits, mode 0600).
  char dir_tmpl[] = "/tmp/smsgw-sim-XXXXXX";
  ASSERT_NE(mkdtemp(dir_tmpl), nullptr);
  std::string key_file = std::string(dir_tmpl) + "/backend.key";
  ASSERT_TRUE(store::CreateKeyFile(key_file).ok());
  auto key = store::LoadKeyFile(key_file);
  ASSERT_TRUE(key.ok());

  SimProcess sim({"--port", "0", "--key-file", key_file});
  std::string port = sim.ReadLine();
  ASSERT_FALSE(port.empty());
  ASSERT_GT(std::stoi(port), 0);

  boost::asio::io_context io;
  auto client = HttpClient::Create(io, {});
  ASSERT_TRUE(client.ok());
  auto base = ParseUrl("http://127.0.0.1:" + port);
  ASSERT_TRUE(base.ok());

  // Script a fault over HTTP, as a shell script would.
  HttpClientRequest script;
  script.url = *base;
  script.url.target = "/sim/faults";
  script.body = R"({"key":"tool-1","faults":["500"]})";
  std::optional<HttpOutcome> scripted;
  (*client)->Send(script, [&](HttpOutcome o) { scripted = std::move(o); });
  ASSERT_TRUE(RunUntil(io, [&] { return scripted.has_value(); }));
  ASSERT_TRUE(scripted->ok());

  BackendExchangeOptions eo;
  eo.base_url = *base;
  SignatureVerifier verifier;
  verifier.AddKey(*key);
  BackendExchange exchange(**client, eo, RequestSigner::FromKey(*key), std::move(verifier));
  WireInstruction in = smsgw::test::MakeInstruction("tool-1", "balance", "254700000001");
  for (BackendReply::Kind expected :
       {BackendReply::Kind::kUnavailable, BackendReply::Kind::kAccepted}) {
    std::optional<BackendReply> reply;
    exchange.Submit(in, [&](BackendReply r) { reply = std::move(r); });
    ASSERT_TRUE(RunUntil(io, [&] { return reply.has_value(); }));
    EXPECT_EQ(reply->kind, expected) << reply->error_code;
  }
  smsgw::test::StopClient(io, **client);

  int status = sim.Terminate();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  auto stats = nlohmann::json::parse(sim.ReadLine(), nullptr, false);
  ASSERT_TRUE(stats.is_object());
  EXPECT_EQ(stats["instructions"], 2);
  EXPECT_EQ(stats["applied"], 1);
  EXPECT_EQ(stats["faults"], 1);
  EXPECT_EQ(stats["max_applications_per_key"], 1);
  std::error_code ec;
  std::filesystem::remove_all(dir_tmpl, ec);
}

TEST(BackendSimTool, RefusesABadOption) {
  SimProcess sim({"--fail-mode", "sometimes"});
  EXPECT_EQ(sim.ReadLine(), "");
  int status = sim.Terminate();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2);
}

}  // namespace
}  // namespace smsgw::gateway
