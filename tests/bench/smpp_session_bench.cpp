// MOs per second from the SMSC simulator through one EsmeSession bind and back as
// deliver_sm_resp, with the SMSC keeping 10 or 100 deliver_sm in flight (its window). Both
// ends share one thread and one io_context, and the sink acknowledges at once: this measures
// the SMPP path alone (framing, validation, decoding, batching, responses), not the store.
//
//   smpp_session_bench [MOS]   (default 200000)
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "gateway/smpp/session.h"
#include "tests/support/smsc_simulator.h"

namespace {

using namespace smsgw::smpp;

class AckAtOnce : public MoSink {
 public:
  void Deliver(std::vector<InboundMo> batch, Ack ack) override {
    batches++;
    ack(std::vector<uint32_t>(batch.size(), 0));
  }
  size_t batches = 0;
};

void Run(size_t window, long mos) {
  boost::asio::io_context io;
  testing::SmscSimConfig sc;
  sc.mo_window = window;
  testing::SmscSimulator sim(io, sc);
  AckAtOnce sink;
  SessionConfig c;
  c.port = sim.port();
  c.system_id = "bench";
  c.password = "secret";
  c.max_unacked_mos = 100000;
  auto session = EsmeSession::Create(io, c, sink);
  session->Start();
  while (!sim.bound()) io.run_one();
  DeliverSm d;
  d.source = {1, 1, "255712345678"};
  d.destination = {0, 0, "15555"};
  const std::string text = "PAY KPLC 123456 1500";
  d.short_message.assign(text.begin(), text.end());
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  for (long i = 0; i < mos; ++i) sim.PushMo(d);
  while (sim.acked_mos() < static_cast<size_t>(mos)) io.run_one();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  std::printf(
      "smpp_session window %-4zu: %ld MOs in %.3f s = %.0f MO/s wall, %.0f MO per CPU second "
      "(simulator included), %.1f MOs per batch\n",
      window, mos, s, mos / s, mos / cpu, static_cast<double>(mos) / sink.batches);
  session->Stop();
  io.run_for(std::chrono::milliseconds(100));
}

}  // namespace

int main(int argc, char** argv) {
  const long mos = argc > 1 ? std::atol(argv[1]) : 200000;
  for (size_t window : {10, 100}) Run(window, mos);
  return 0;
}
