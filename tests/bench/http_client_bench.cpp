// http_client_bench: requests/s from HttpClient to the backend simulator on loopback, over
// keep-alive connections, for several pool sizes. The simulator runs in this process on its own
// thread; the client runs on the main thread, as it would on the gateway's loop.
//
//   build/bench/http_client_bench [--requests=100000] [--connections=1,8,32] [--inflight=0]
//                                 [--modes=raw,signed,port] [--pipeline=1,16]
//
// Modes: "raw" is the transport alone (POST with an Idempotency-Key, unsigned); "signed" is a
// full BackendExchange::Submit: JSON encoding, HMAC signing, the simulator verifying the
// request and signing its answer, the client verifying the answer and decoding it; "port" is
// what the outbox calls, HttpBackend::Submit of a commands::Instruction: "signed" plus the
// port's validation and the mapping of the answer onto a BackendResult.
// --pipeline lists the pipeline depths to run (HttpClientOptions::pipeline_depth).
// --inflight is the number of requests outstanding at once (0: twice connections x depth, so a
// connection never waits for the client to issue its next request).
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gateway/backend_exchange.h"
#include "gateway/http_backend.h"
#include "gateway/http_client.h"
#include "tests/support/backend_sim.h"

namespace {

using namespace smsgw::gateway;
using Clock = std::chrono::steady_clock;

struct Flags {
  int requests = 100000;
  std::vector<int> connections = {1, 8, 32};
  int inflight = 0;
  std::vector<std::string> modes = {"raw", "signed", "port"};
  std::vector<int> pipeline = {1, 16};
};

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

bool ParseFlags(int argc, char** argv, Flags& f) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto eq = a.find('=');
    std::string name = a.substr(0, eq), value = eq == std::string::npos ? "" : a.substr(eq + 1);
    if (name == "--requests") {
      f.requests = std::stoi(value);
    } else if (name == "--connections") {
      f.connections.clear();
      for (const auto& c : Split(value)) f.connections.push_back(std::stoi(c));
    } else if (name == "--inflight") {
      f.inflight = std::stoi(value);
    } else if (name == "--modes") {
      f.modes = Split(value);
    } else if (name == "--pipeline") {
      f.pipeline.clear();
      for (const auto& d : Split(value)) f.pipeline.push_back(std::stoi(d));
    } else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return false;
    }
  }
  return true;
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double ProcessCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void PrintEnvironment() {
  std::string cpu = "unknown";
  std::ifstream info("/proc/cpuinfo");
  for (std::string line; std::getline(info, line);) {
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  }
  std::printf("machine: %u cores, %s\n", std::thread::hardware_concurrency(), cpu.c_str());
#if !defined(__OPTIMIZE__)
  std::printf("WARNING: built without optimisation; figures are not representative\n");
#endif
}

struct Figures {
  int completed = 0;
  int failed = 0;
  double seconds = 0;
  double client_cpu = 0;
  double server_cpu = 0;
  std::vector<double> latency_us;
};

// Runs `total` requests with `inflight` outstanding over at most `connections` connections.
Figures RunOne(const std::string& mode, int connections, int depth, int total, int inflight) {
  const std::string key(32, 'b');
  bool is_port = mode == "port";
  bool is_signed = mode == "signed" || is_port;
  smsgw::test::BackendSimOptions so;
  if (is_signed) so.key = key;
  smsgw::test::BackendSim sim(so);
  if (!sim.Start().ok()) return {};

  boost::asio::io_context io;
  HttpClientOptions co;
  co.max_connections_per_origin = static_cast<std::size_t>(connections);
  co.pipeline_depth = static_cast<std::size_t>(depth);
  co.max_queued_per_origin = static_cast<std::size_t>(inflight) + 16;
  co.request_timeout = std::chrono::milliseconds(10000);
  auto client_owner = HttpClient::Create(io, co).value();
  HttpClient* client = client_owner.get();
  Url base = *ParseUrl("http://127.0.0.1:" + std::to_string(sim.port()));

  auto signing_key = smsgw::store::Key::FromBytes(key).value();
  SignatureVerifier verifier;
  verifier.AddKey(signing_key);
  BackendExchangeOptions eo;
  eo.base_url = base;
  eo.breaker.consecutive_failures = 0;
  eo.breaker.failure_percent = 0;
  std::optional<BackendExchange> exchange;
  std::unique_ptr<HttpBackend> backend;  // owns the client in port mode
  if (is_port) {
    backend = std::make_unique<HttpBackend>(
        std::move(client_owner), eo, RequestSigner::FromKey(signing_key), std::move(verifier));
  } else {
    exchange.emplace(*client, eo, RequestSigner::FromKey(signing_key), std::move(verifier));
  }

  Figures f;
  f.latency_us.reserve(static_cast<std::size_t>(total));
  std::vector<Clock::time_point> started(static_cast<std::size_t>(total));
  int next = 0;
  const std::string prefix =
      "bench-" + mode + "-" + std::to_string(connections) + "-" + std::to_string(depth) + "-";
  std::function<void()> issue = [&] {
    int i = next++;
    std::string id = prefix + std::to_string(i);
    started[static_cast<std::size_t>(i)] = Clock::now();
    auto finish = [&, i](bool ok) {
      f.latency_us.push_back(std::chrono::duration<double, std::micro>(
                                 Clock::now() - started[static_cast<std::size_t>(i)])
                                 .count());
      ++f.completed;
      if (!ok) ++f.failed;
      if (next < total) issue();
    };
    if (is_port) {
      smsgw::commands::Instruction ci;
      ci.id = id;
      ci.operation = "transfer";
      ci.msisdn = "254712345678";
      ci.fields = {{"amount", int64_t{1500}}, {"recipient", std::string("254798765432")}};
      ci.pin = smsgw::store::SecretBytes("4821");
      return backend->Submit(std::move(ci),
                             [finish](smsgw::commands::BackendResult r) { finish(r.accepted()); });
    }
    WireInstruction in;
    in.id = id;
    in.operation = "transfer";
    in.msisdn = "254712345678";
    in.fields = {{"amount", 1500}, {"recipient", "254798765432"}};
    in.pin = smsgw::store::SecretBytes("4821");
    if (is_signed) {
      exchange->Submit(
          in, [finish](BackendReply r) { finish(r.kind == BackendReply::Kind::kAccepted); });
    } else {
      HttpClientRequest req;
      req.url = base;
      req.url.target = "/v1/instructions";
      req.headers = {{"Content-Type", "application/json"}, {"Idempotency-Key", id}};
      req.body = EncodeInstruction(in);
      client->Send(std::move(req), [finish](HttpOutcome o) { finish(o.ok()); });
    }
  };

  double cpu0 = ThreadCpuSeconds(), process0 = ProcessCpuSeconds();
  auto t0 = Clock::now();
  for (int k = 0; k < inflight && next < total; ++k) issue();
  while (f.completed < total) io.run_one();
  f.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  f.client_cpu = ThreadCpuSeconds() - cpu0;
  f.server_cpu = ProcessCpuSeconds() - process0 - f.client_cpu;
  client->Stop();
  io.run();
  sim.Stop();
  return f;
}

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, flags)) return 2;
  PrintEnvironment();
  std::printf("requests per run: %d (after a warm-up of %d)\n", flags.requests,
              flags.requests / 10);
  for (const auto& mode : flags.modes) {
    for (int depth : flags.pipeline) {
      for (int conns : flags.connections) {
        int inflight = flags.inflight > 0 ? flags.inflight : 2 * conns * depth;
        RunOne(mode, conns, depth, flags.requests / 10, inflight);  // warm-up
        Figures f = RunOne(mode, conns, depth, flags.requests, inflight);
        double n = f.completed > 0 ? f.completed : 1;
        std::printf(
            "http_client %-6s conns=%-3d pipeline=%-3d inflight=%-4d : %7.0f req/s  p50 %6.0f us"
            "  p99 %6.0f us  client CPU %5.1f us/req  simulator CPU %5.1f us/req  failed %d\n",
            mode.c_str(), conns, depth, inflight, f.completed / f.seconds,
            Percentile(f.latency_us, 0.5), Percentile(f.latency_us, 0.99), f.client_cpu * 1e6 / n,
            f.server_cpu * 1e6 / n, f.failed);
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
