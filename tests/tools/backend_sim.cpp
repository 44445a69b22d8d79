// backend_sim: a test account backend on loopback for integration tests, the kill -9 test and
// the benchmarks (see tests/support/backend_sim.h for its API and faults).
//
//   build/tools/backend_sim [--port 0] [--key-file F] [--fail-rate 0.1 --fail-mode 500] ...
//
// The first line on stdout is the port it listens on (useful with --port 0). It runs until
// SIGINT or SIGTERM, then prints its statistics as one JSON line.
#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "gateway/cli_args.h"
#include "store/crypto.h"
#include "tests/support/backend_sim.h"

namespace {

using smsgw::gateway::OptionSpec;

const std::vector<OptionSpec> kOptions = {
    {"address", "ADDR", "address to listen on (default 127.0.0.1)"},
    {"port", "N", "port to listen on; 0 picks a free one (default 0)"},
    {"key-file", "FILE", "shared HMAC key file (64 hex digits, mode 0600); none: no signatures"},
    {"skew", "SECONDS", "accepted signature timestamp skew (default 300)"},
    {"slow-ms", "MS", "delay of the slow fault (default 1000)"},
    {"fail-rate", "P", "share of unscripted instruction requests that fail (default 0)"},
    {"fail-mode", "FAULT", "fault used by --fail-rate: 500, 503, 429, reset, drop, slow, ..."},
    {"seed", "N", "random seed for --fail-rate (default 1)"},
    {"tls-cert", "FILE", "serve HTTPS with this certificate chain (PEM)"},
    {"tls-key", "FILE", "private key of --tls-cert (PEM)"},
    {"help", "", "show this help"},
};

int Fail(const std::string& message) {
  std::cerr << "backend_sim: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = smsgw::gateway::ParseArgs(args, kOptions);
  if (!parsed.ok()) return Fail(parsed.status().message());
  if (parsed->Has("help")) {
    std::cout << "usage: backend_sim [options]\n\n" << smsgw::gateway::FormatOptions(kOptions);
    return 0;
  }
  smsgw::test::BackendSimOptions o;
  try {
    o.address = parsed->GetOr("address", o.address);
    o.port = static_cast<uint16_t>(std::stoul(parsed->GetOr("port", "0")));
    o.max_skew = std::chrono::seconds(std::stol(parsed->GetOr("skew", "300")));
    o.slow_delay = std::chrono::milliseconds(std::stol(parsed->GetOr("slow-ms", "1000")));
    o.fail_rate = std::stod(parsed->GetOr("fail-rate", "0"));
    o.seed = std::stoull(parsed->GetOr("seed", "1"));
  } catch (const std::exception&) {
    return Fail("a numeric option has a bad value");
  }
  if (auto mode = parsed->Get("fail-mode")) {
    auto fault = smsgw::test::ParseSimFault(*mode);
    if (!fault) return Fail("unknown --fail-mode " + *mode);
    o.fail_mode = *fault;
  }
  if (auto file = parsed->Get("key-file")) {
    auto key = smsgw::store::LoadKeyFile(*file);
    if (!key.ok()) return Fail(key.status().ToString());
    o.key = std::string(key->bytes());
  }
  o.tls_cert_file = parsed->GetOr("tls-cert", "");
  o.tls_key_file = parsed->GetOr("tls-key", "");

  // Block the stop signals before any thread starts, so only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  smsgw::test::BackendSim sim(std::move(o));
  smsgw::Status started = sim.Start();
  if (!started.ok()) return Fail(started.ToString());
  std::cout << sim.port() << std::endl;

  int signal = 0;
  sigwait(&stop_signals, &signal);
  sim.Stop();
  std::cout << sim.StatsJson(false) << std::endl;
  return 0;
}
