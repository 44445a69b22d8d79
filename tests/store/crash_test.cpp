// Kill -9 while accepting: a child process accepts batches in a loop and reports each batch
// Accept answered; it is killed with SIGKILL at random moments, 50 times. After each kill the
// database opens, passes PRAGMA integrity_check, and every reported batch is there exactly once
// (the next child first redelivers the batch that may have been in flight, as an SMSC would).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "tests/support/child_process.h"
#include "tests/support/store_fixture.h"

namespace smsgw::store::testing {
namespace {

constexpr int kKills = 50;
// Starting a writer (exec, open, WAL recovery) takes tens of milliseconds on a loaded machine:
// the kill moments spread over the start and over the accept loop.
constexpr int kMaxDelayMs = 250;

std::string WriterPath() {
  std::filesystem::path tools;
  if (const char* env = std::getenv("SMSGW_TOOLS")) {
    tools = env;
  } else {
    tools = std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path() / "tools";
  }
  return (tools / "store_crash_writer").string();
}

// Starts the writer, kills it after `delay`, and returns what it printed.
std::string RunAndKill(const std::string& writer, const std::vector<std::string>& args,
                       std::chrono::milliseconds delay) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return "";
  test::ExecArgv exec(writer, args);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::execv(exec.path(), exec.argv());
    ::_exit(127);
  }
  ::close(fds[1]);
  std::this_thread::sleep_for(delay);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, n);
  ::close(fds[0]);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the writer ended by itself (status " << status << "), output: " << out;
  return out;
}

TEST(CrashTest, EveryAcknowledgedBatchSurvivesSigkillExactlyOnce) {
  const std::string writer = WriterPath();
  ASSERT_TRUE(std::filesystem::exists(writer)) << writer << " is missing: build it with `make "
                                               << "build/tools/store_crash_writer`";
  TempDir dir;
  const std::string db = dir.File("store.db");
  const std::string key_file = dir.File("store.key");
  ASSERT_TRUE(CreateKeyFile(key_file).ok());
  auto key = LoadKeyFile(key_file);
  ASSERT_TRUE(key.ok());
  auto keys = std::make_shared<const KeyRing>(std::move(*key));

  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> delay_ms(0, kMaxDelayMs);

  std::map<long, int> acknowledged;  // batch -> size
  long next = 0;
  for (int kill = 0; kill < kKills; ++kill) {
    std::istringstream out(RunAndKill(writer, {db, key_file, std::to_string(next)},
                                      std::chrono::milliseconds(delay_ms(rng))));
    long batch = 0;
    int size = 0;
    while (out >> batch >> size) {
      acknowledged[batch] = size;
      next = batch + 1;  // the batch after the last answer may have been in flight: resend it
    }
    if (!std::filesystem::exists(db)) continue;  // killed before it created the file

    Options o;
    o.path = db;
    o.keys = keys;
    auto store = Store::Open(o);
    ASSERT_TRUE(store.ok()) << "after kill " << kill << ": " << store.status().ToString();
    auto check = (*store)->Check();
    ASSERT_TRUE(check.ok()) << check.status().ToString();
    ASSERT_TRUE(check->problems.empty()) << "after kill " << kill << ": " << check->problems[0];
    std::map<std::string, int> count;
    auto rows = (*store)->PendingInbound(0, 1'000'000);
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    for (const auto& m : *rows) ++count[std::string(m.text.view())];
    for (const auto& [text, n] : count) ASSERT_EQ(n, 1) << text << " after kill " << kill;
    for (const auto& [b, n] : acknowledged) {
      for (int i = 0; i < n; ++i) {
        const std::string text = "crash b=" + std::to_string(b) + " i=" + std::to_string(i);
        ASSERT_EQ(count.count(text), 1u)
            << text << " was acknowledged but is lost (kill " << kill << ")";
      }
    }
  }
  // Not a timing assertion: the test is vacuous if no writer ever got an answer.
  EXPECT_GE(acknowledged.size(), 10u);
}

}  // namespace
}  // namespace smsgw::store::testing
