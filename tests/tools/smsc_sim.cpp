// smsc_sim: the project's SMSC simulator as a program, for `make run`, manual tests and
// benchmarks against a running gateway.
//
//   smsc_sim [--port N] [--password P] [--throttle-every N] [--black-hole] [--silent]
//            [--receipts] [--mo-window N] [--mos N] [--from MSISDN] [--to CODE] [--text T]
//            [--tls-cert PEM --tls-key PEM]
//
// Prints "listening on 127.0.0.1:PORT" once it accepts connections. With --mos N it pushes N
// MOs (text T, senders MSISDN, MSISDN+1, ...) once an ESME is bound, and exits after all are
// acknowledged, printing how long that took. Otherwise it runs until killed.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "tests/support/smsc_simulator.h"

namespace {

using smsgw::smpp::DeliverSm;
using smsgw::smpp::testing::SmscSimConfig;
using smsgw::smpp::testing::SmscSimulator;

struct Options {
  SmscSimConfig sim;
  long mos = 0;
  std::string from = "255700000000";
  std::string to = "15555";
  std::string text = "BAL";
};

int Usage() {
  std::fprintf(stderr,
               "usage: smsc_sim [--port N] [--password P] [--throttle-every N] [--black-hole]\n"
               "                [--silent] [--receipts] [--mo-window N] [--mos N] [--from MSISDN]\n"
               "                [--to CODE] [--text T] [--tls-cert PEM --tls-key PEM]\n");
  return 2;
}

bool Parse(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--black-hole") {
      o->sim.answer_submits = false;
    } else if (a == "--silent") {
      o->sim.answer_enquire_link = false;
    } else if (a == "--receipts") {
      o->sim.send_receipts = true;
    } else if ((v = value()) == nullptr) {
      return false;
    } else if (a == "--port") {
      o->sim.port = static_cast<uint16_t>(std::atoi(v));
    } else if (a == "--password") {
      o->sim.password = v;
    } else if (a == "--throttle-every") {
      o->sim.throttle_every = static_cast<uint32_t>(std::atoi(v));
    } else if (a == "--mo-window") {
      o->sim.mo_window = static_cast<size_t>(std::atol(v));
    } else if (a == "--mos") {
      o->mos = std::atol(v);
    } else if (a == "--from") {
      o->from = v;
    } else if (a == "--to") {
      o->to = v;
    } else if (a == "--text") {
      o->text = v;
    } else if (a == "--tls-cert") {
      o->sim.tls_cert_file = v;
    } else if (a == "--tls-key") {
      o->sim.tls_key_file = v;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!Parse(argc, argv, &o)) return Usage();
  boost::asio::io_context io;
  std::unique_ptr<SmscSimulator> made;
  try {
    made = std::make_unique<SmscSimulator>(io, o.sim);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  SmscSimulator& sim = *made;
  std::printf("listening on 127.0.0.1:%u%s\n", sim.port(),
              o.sim.tls_cert_file.empty() ? "" : " (TLS)");
  std::fflush(stdout);

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });

  // With --mos: push once bound, then wait for every acknowledgement.
  boost::asio::steady_timer tick(io);
  bool pushed = false;
  std::chrono::steady_clock::time_point started;
  std::function<void()> poll = [&] {
    if (!pushed && sim.bound()) {
      started = std::chrono::steady_clock::now();
      const long long base = std::atoll(o.from.c_str());
      for (long i = 0; i < o.mos; ++i) {
        DeliverSm d;
        d.source = {1, 1, std::to_string(base + i)};
        d.destination = {0, 0, o.to};
        d.short_message.assign(o.text.begin(), o.text.end());
        sim.PushMo(std::move(d));
      }
      pushed = true;
    }
    if (pushed) {
      if (sim.acked_mos() == sim.mos().size()) {
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        std::printf("%ld MOs acknowledged in %.3f s (%.0f MO/s)\n", o.mos, s, o.mos / s);
        io.stop();
        return;
      }
    }
    tick.expires_after(std::chrono::milliseconds(pushed ? 1 : 10));
    tick.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) poll();
    });
  };
  if (o.mos > 0) poll();
  io.run();
  return 0;
}
