// What the ESME session tests share: a sink that acknowledges on demand, and a fixture running
// one EsmeSession against the SMSC simulator on one io_context (loops bounded in time).
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gateway/smpp/session.h"
#include "tests/support/smsc_simulator.h"

namespace smsgw::smpp {

using smpp::testing::SmscSimConfig;
using smpp::testing::SmscSimulator;

// Acknowledges with `status`, or holds acks until Release() when `hold` is set.
class FakeSink : public MoSink {
 public:
  void Deliver(std::vector<InboundMo> batch, Ack ack) override {
    seen.insert(seen.end(), batch.begin(), batch.end());
    if (hold) {
      held.emplace_back(batch.size(), std::move(ack));
      return;
    }
    ack(std::vector<uint32_t>(batch.size(), status));
  }
  void Release(uint32_t with = 0) {
    auto h = std::move(held);
    held.clear();
    for (auto& [n, ack] : h) ack(std::vector<uint32_t>(n, with));
  }

  bool hold = false;
  uint32_t status = 0;
  std::vector<InboundMo> seen;
  std::vector<std::pair<size_t, Ack>> held;
};

class SessionFixture : public ::testing::Test {
 protected:
  explicit SessionFixture(SmscSimConfig sim_config = {}) : sim_(io_, std::move(sim_config)) {}

  SessionConfig Config() {
    SessionConfig c;
    c.name = "sim";
    c.port = sim_.port();
    c.system_id = "smsgw";
    c.password = "secret";
    c.enquire_link_interval = Millis(5000);
    c.response_timeout = Millis(1000);
    c.reconnect_min = Millis(10);
    c.reconnect_max = Millis(50);
    c.refused_bind_backoff = Millis(100);
    c.throttle_pause = Millis(20);
    c.max_throttle_pause = Millis(40);
    c.throttled_resend_delay = Millis(5);
    c.stop_timeout = Millis(1000);
    c.log = [this](const std::string& line) { log_.push_back(line); };
    return c;
  }
  // Whether a log line so far contains `part`.
  bool Logged(const std::string& part) const {
    for (const std::string& line : log_) {
      if (line.find(part) != std::string::npos) return true;
    }
    return false;
  }

  // Every log line so far, for failure messages.
  std::string LogText() const {
    std::string all;
    for (const std::string& line : log_) all += line + "\n";
    return all;
  }

  void StartSession(SessionConfig c) {
    session_ = EsmeSession::Create(io_, std::move(c), sink_);
    session_->Start();
  }

  // Runs the loop until `pred` holds or 10 s pass; returns pred().
  template <typename Pred>
  bool RunUntil(Pred pred) {
    const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!pred() && std::chrono::steady_clock::now() < limit) io_.run_for(Millis(2));
    return pred();
  }
  // Lets every ready handler run (no waiting on timers).
  void Settle() {
    for (int i = 0; i < 50; ++i) io_.poll();
  }
  bool Bound() { return session_->state() == SessionState::kBound && sim_.bound(); }

  static DeliverSm Mo(const std::string& from, const std::string& text) {
    DeliverSm d;
    d.source = {1, 1, from};
    d.destination = {0, 0, "15555"};
    d.short_message.assign(text.begin(), text.end());
    return d;
  }
  static SubmitSm Mt(const std::string& text) {
    SubmitSm s;
    s.source = {5, 0, "PAYBANK"};
    s.destination = {1, 1, "255712345678"};
    s.short_message.assign(text.begin(), text.end());
    return s;
  }

  boost::asio::io_context io_;
  SmscSimulator sim_;
  std::vector<std::string> log_;  // the session's lines
  FakeSink sink_;
  std::shared_ptr<EsmeSession> session_;
};

}  // namespace smsgw::smpp
