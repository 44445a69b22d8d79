// A TCP relay on 127.0.0.1 between the daemon and a test peer (the SMSC simulator, the backend
// simulator) that misbehaves on demand, for faults the peers cannot play themselves:
//   kPass       bytes relayed both ways;
//   kDown       the peer is down: open connections are reset and nothing listens on the
//               proxy's port (new connections are refused) until the mode changes back;
//   kSmppNack   SMPP only: every request the client sends after its bind (enquire_link,
//               submit_sm, ...) is answered with generic_nack (status `nack_status`) and not
//               relayed; binds, unbinds and responses pass, so MOs still flow.
// One thread, poll(2), bounded buffers; every public method is thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace smsgw::drills {

class TcpFaultProxy {
 public:
  enum class Mode { kPass, kDown, kSmppNack };

  explicit TcpFaultProxy(uint16_t upstream_port);
  ~TcpFaultProxy();
  TcpFaultProxy(const TcpFaultProxy&) = delete;
  TcpFaultProxy& operator=(const TcpFaultProxy&) = delete;

  uint16_t port() const { return port_; }
  void set_mode(Mode mode) { mode_ = mode; }
  void set_nack_status(uint32_t status) { nack_status_ = status; }

  uint64_t connections() const { return connections_; }
  uint64_t resets() const { return resets_; }  // connections reset by kDown
  uint64_t nacks() const { return nacks_; }    // generic_nack sent by kSmppNack

 private:
  void Loop();

  uint16_t upstream_port_;
  uint16_t port_ = 0;
  int listen_fd_ = -1;  // -1 while kDown; owned by the loop's thread once it runs
  std::atomic<Mode> mode_{Mode::kPass};
  std::atomic<uint32_t> nack_status_{0x00000003};  // ESME_RINVCMDID
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> connections_{0}, resets_{0}, nacks_{0};
  std::thread thread_;
};

}  // namespace smsgw::drills
