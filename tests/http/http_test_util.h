// Helpers shared by the HTTP client tests: running the client's io_context until something has
// happened, and a backend simulator with the suite's shared key.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "gateway/backend_wire.h"
#include "gateway/http_client.h"
#include "tests/support/backend_sim.h"

namespace smsgw::test {

// An instruction without secrets (set pin and the others afterwards when needed).
inline gateway::WireInstruction MakeInstruction(std::string id, std::string operation,
                                                std::string msisdn,
                                                nlohmann::json fields = nlohmann::json::object()) {
  gateway::WireInstruction in;
  in.id = std::move(id);
  in.operation = std::move(operation);
  in.msisdn = std::move(msisdn);
  in.fields = std::move(fields);
  return in;
}

// The suite's shared HMAC key (raw bytes).
inline std::string TestKey() {
  return std::string(32, 'k');
}

// Runs `io` until `done()` holds or `limit` passes (a guard against a hung test, not a timing
// assertion). Returns done().
inline bool RunUntil(boost::asio::io_context& io, const std::function<bool()>& done,
                     std::chrono::seconds limit = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    if (io.run_for(std::chrono::milliseconds(5)) == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  return done();
}

// Stops `client` and runs `io` until its connections are closed and its handlers have run.
inline void StopClient(boost::asio::io_context& io, gateway::HttpClient& client) {
  client.Stop();
  RunUntil(
      io, [&] { return client.stats().open_connections == 0; }, std::chrono::seconds(10));
  io.restart();
  io.poll();
}

inline std::unique_ptr<BackendSim> StartSim(BackendSimOptions options) {
  auto sim = std::make_unique<BackendSim>(std::move(options));
  Status started = sim->Start();
  return started.ok() ? std::move(sim) : nullptr;
}

}  // namespace smsgw::test
