// The whole daemon under MO load: `smsgw run` as a process with the embedded ledger, the SMSC
// simulator in this process keeping `window` deliver_sm in flight on one bind. N MOs are
// queued before the gateway binds; the clock starts at the bind. Two figures per run:
//   acked    MOs durably stored and acknowledged per second (deliver_sm_resp ESME_ROK)
//   replied  MOs answered per second (the reply's submit_sm received), i.e. parsed, run
//            through the engine, the reply stored, claimed and sent
// Each MO is HELP from its own subscriber (no dedup hits, one reply each). Runs three times
// per window and prints the median.
//
//   daemon_bench [N=5000]   (SMSGW_BIN: the smsgw binary, default build/smsgw;
//                            SMSGW_SOURCE_DIR: where conf/grammar.yaml is, default .)
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/sim_thread.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Run {
  double acked_per_s = 0;
  double replied_per_s = 0;
};

std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : fallback;
}

std::string Config(int port, int admin_port, const std::string& grammar) {
  return "smpp:\n  connections:\n    - name: sim\n      host: 127.0.0.1\n      port: " +
         std::to_string(port) +
         "\n      system_id: smsgw\n      password: secret\n      window: 100\n"
         "short_codes:\n  - code: \"20555\"\n"
         "backend:\n  type: embedded\n  embedded:\n    ledger_path: var/ledger.db\n"
         "    pepper_key_file: var/keys/pepper.key\n"
         "store:\n  path: var/smsgw.db\n  key_file: var/keys/store.key\n"
         "keys:\n  create_missing: true\n"
         "grammar: " +
         grammar +
         "\n"
         "admin:\n  listen: \"127.0.0.1:" +
         std::to_string(admin_port) +
         "\"\n"
         "  token_file: var/keys/admin.token\n"
         "logging:\n  level: warn\n";
}

bool RunOnce(int n, size_t window, Run* out) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("smsgw-daemon-bench-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  smsgw::smpp::testing::SmscSimConfig sim_config;
  sim_config.mo_window = window;
  bool ok = false;
  {
    smsgw::test::SimThread sim(sim_config);
    const std::string config = (dir / "gateway.yaml").string();
    std::ofstream(config) << Config(
        sim.port(), smsgw::test::FreeLoopbackPort(),
        std::filesystem::absolute(Env("SMSGW_SOURCE_DIR", ".") + "/conf/grammar.yaml").string());
    for (int i = 0; i < n; ++i)
      sim.SendText("2547" + std::to_string(10000000 + i), "20555", "HELP");
    smsgw::test::ChildProcess daemon(Env("SMSGW_BIN", "build/smsgw"), {"run", "--config", config},
                                     (dir / "smsgw.log").string());
    if (smsgw::test::WaitFor([&] { return sim.binds() > 0; }, 60s)) {
      const Clock::time_point start = Clock::now();
      const bool acked =
          smsgw::test::WaitFor([&] { return sim.acked_mos() == static_cast<size_t>(n); }, 300s);
      const Clock::time_point t_acked = Clock::now();
      const bool replied =
          acked && smsgw::test::WaitFor(
                       [&] { return sim.Messages().size() >= static_cast<size_t>(n); }, 600s);
      const Clock::time_point t_replied = Clock::now();
      if (acked && replied) {
        out->acked_per_s = n / std::chrono::duration<double>(t_acked - start).count();
        out->replied_per_s = n / std::chrono::duration<double>(t_replied - start).count();
        ok = true;
      }
    }
    daemon.Signal(SIGTERM);
    daemon.Wait(30s);
    if (!ok)
      std::fprintf(stderr, "%s", smsgw::test::ReadFileText((dir / "smsgw.log").string()).c_str());
  }
  std::filesystem::remove_all(dir);
  return ok;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 5000;
  std::printf("%d MOs per run, HELP from distinct subscribers, embedded ledger, one bind\n", n);
  std::printf("%-10s %16s %16s   (median of 3; runs)\n", "window", "acked MO/s", "replied MO/s");
  for (size_t window : {size_t{10}, size_t{100}}) {
    std::vector<double> acked, replied;
    for (int r = 0; r < 3; ++r) {
      Run run;
      if (!RunOnce(n, window, &run)) {
        std::fprintf(stderr, "run failed (window %zu)\n", window);
        return 1;
      }
      acked.push_back(run.acked_per_s);
      replied.push_back(run.replied_per_s);
    }
    std::printf("%-10zu %16.0f %16.0f   (%.0f %.0f %.0f / %.0f %.0f %.0f)\n", window, Median(acked),
                Median(replied), acked[0], acked[1], acked[2], replied[0], replied[1], replied[2]);
  }
  return 0;
}
