// An SMSC for tests, `make run` and benchmarks: accepts binds (password checked), answers
// enquire_link, records submit_sm, pushes MOs and redelivers those not acknowledged, and
// misbehaves on demand (throttling, black hole, silence, raw garbage, dropped links, unbind).
// Runs on the caller's io_context; one ESME connection at a time (a new one replaces it).
// With a certificate and key it listens with TLS only (like an SMSC's TLS port).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gateway/smpp/pdu.h"

namespace smsgw::smpp::testing {

struct SmscSimConfig {
  uint16_t port = 0;  // 0: any free port on 127.0.0.1
  std::string system_id = "SIMSMSC";
  std::string password = "secret";  // other passwords get ESME_RINVPASWD
  uint32_t throttle_every = 0;      // answer every Nth submit_sm with ESME_RTHROTTLED
  bool answer_submits = true;       // false: black hole for submit_sm
  bool answer_enquire_link = true;
  bool send_receipts = false;  // a receipt for each accepted submit_sm asking for one
  size_t mo_window = 0;        // deliver_sm in flight at most; 0: no limit

  // Observers for programs built on the simulator (the phone console), called on the
  // io_context's thread once the event is recorded: each submit_sm (after its response, unless
  // held), and each change of the bind (bound by bind_*; unbound by unbind, a dropped or
  // replaced connection). An observer may push MOs; it must not destroy the simulator (post
  // that instead).
  std::function<void(const SubmitSm&)> on_submit;
  std::function<void(bool bound)> on_bind_change;

  // PEM certificate chain and key, both set: every connection starts with a TLS handshake
  // (the constructor throws std::runtime_error when they do not load).
  std::string tls_cert_file;
  std::string tls_key_file;
};

class SmscSimulator {
 public:
  SmscSimulator(boost::asio::io_context& io, SmscSimConfig config);
  ~SmscSimulator();

  uint16_t port() const;
  SmscSimConfig& config() { return config_; }

  // Queues an MO for the bound ESME; sent at once when bound, else on the next bind. MOs not
  // acknowledged with ESME_ROK (no response, or an error) are sent again on every new bind.
  // Returns its index in mos().
  size_t PushMo(DeliverSm mo);
  // Bytes as they are, on the current connection (malformed PDUs, garbage).
  void PushRaw(const std::vector<uint8_t>& bytes);
  // Closes the connection without unbind.
  void DropConnection();
  // Sends unbind to the ESME.
  void SendUnbind();

  struct Mo {
    DeliverSm pdu;
    uint32_t last_status = 0xFFFFFFFF;  // of its last deliver_sm_resp; 0xFFFFFFFF: none yet
    int deliveries = 0;
    bool acked() const { return last_status == 0; }
  };
  const std::vector<Mo>& mos() const { return mos_; }
  size_t acked_mos() const { return acked_mos_; }
  const std::vector<SubmitSm>& submits() const { return submits_; }
  // Every PDU the ESME sent, in order.
  const std::vector<Pdu>& received() const { return received_; }
  bool bound() const;
  int binds() const { return binds_; }
  int bind_refusals() const { return bind_refusals_; }
  int connections() const { return connections_; }
  size_t max_submits_in_flight() const { return max_in_flight_; }
  // TLS handshakes that failed (a plain ESME, an ESME refusing our certificate).
  int tls_failures() const { return tls_failures_; }
  // close_notify alerts received from the ESME (each answered with ours).
  int close_notifies() const { return close_notifies_; }
  // Submits held unanswered (answer_submits false); Release answers them all with ESME_ROK.
  void ReleaseHeldSubmits();

 private:
  struct Connection;
  void Accept();
  void OnPdu(const Pdu& pdu);
  void SendMos();
  void Drain();
  void Send(const Pdu& pdu);
  void AnswerSubmit(uint32_t seq, const SubmitSm& sm, uint32_t status);
  void NotifyBind(bool bound);

  boost::asio::io_context& io_;
  SmscSimConfig config_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::shared_ptr<Connection> conn_;
  uint32_t next_seq_ = 1;
  uint64_t next_message_id_ = 0x1000;
  std::vector<Mo> mos_;
  std::map<uint32_t, size_t> mo_by_seq_;  // deliver_sm in flight on this connection
  std::deque<size_t> to_send_;            // MOs waiting for the window
  size_t acked_mos_ = 0;
  std::vector<SubmitSm> submits_;
  std::vector<std::pair<uint32_t, SubmitSm>> held_;
  std::vector<Pdu> received_;
  int binds_ = 0;
  int bind_refusals_ = 0;
  int connections_ = 0;
  int tls_failures_ = 0;
  int close_notifies_ = 0;
  uint32_t submit_count_ = 0;
  size_t in_flight_ = 0;
  size_t max_in_flight_ = 0;
};

}  // namespace smsgw::smpp::testing
