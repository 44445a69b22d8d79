// An SMSC for tests, `make run` and benchmarks: accepts binds (password checked), answers
// enquire_link, records submit_sm, pushes MOs and redelivers those not acknowledged, and
// misbehaves on demand (throttling, black hole, silence, raw garbage, dropped links, unbind),
// and plays the network side of USSD dialogues (DialUssd / AnswerUssd / AbortUssd).
// Runs on the caller's io_context; one ESME connection at a time (a new one replaces it).
// With a certificate and key it listens with TLS only (like an SMSC's TLS port).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "conf/gateway_config.h"
#include "gateway/smpp/pdu.h"

namespace smsgw::smpp::testing {

struct SmscSimConfig {
  uint16_t port = 0;  // 0: any free port on 127.0.0.1
  std::string system_id = "SIMSMSC";
  std::string password = "secret";  // other passwords get ESME_RINVPASWD
  uint32_t throttle_every = 0;      // answer every Nth submit_sm with ESME_RTHROTTLED
  bool answer_submits = true;       // false: black hole for submit_sm
  bool answer_enquire_link = true;
  bool nack_binds = false;     // answer every bind with generic_nack ESME_ROK (a broken SMSC)
  bool send_receipts = false;  // a receipt for each accepted submit_sm asking for one
  // submit_sm_resp gives message ids in hex; true: receipts give the same number in decimal,
  // as many SMSCs do.
  bool receipt_ids_in_decimal = false;
  size_t mo_window = 0;  // deliver_sm in flight at most; 0: no limit

  // Observers for programs built on the simulator (the phone console), called on the
  // io_context's thread once the event is recorded: each submit_sm (after its response, unless
  // held), and each change of the bind (bound by bind_*; unbound by unbind, a dropped or
  // replaced connection). An observer may push MOs; it must not destroy the simulator (post
  // that instead).
  std::function<void(const SubmitSm&)> on_submit;
  // Each SMS submit_sm answered, with the status it got (ESME_RTHROTTLED when throttled).
  std::function<void(const SubmitSm&, uint32_t status)> on_submit_answered;
  std::function<void(bool bound)> on_bind_change;
  // Each USSD screen recorded (index into ussd_dialogues(), the screen's index in it).
  std::function<void(size_t dialogue, size_t screen)> on_ussd_screen;
  // A USSD MO answered with an error status: the dialogue ended (kRefused).
  std::function<void(size_t dialogue, uint32_t status)> on_ussd_refused;

  // How this SMSC names USSD dialogues towards the ESME. A network release (AbortUssd) is the
  // end bit of its_session_info in that mode, ussd_service_op 0x20 with user_message_reference.
  conf::UssdDialogue ussd_dialogue = conf::UssdDialogue::kItsSessionInfo;

  // Load generation (benchmarks). MOs also come from `mo_source`, after those queued with
  // PushMo, as the window and `mo_rate` allow. They are not kept in mos(): the simulator holds
  // one only while it is in flight, and sends it again when it is answered with an error or
  // its connection is lost. The source returns nullopt when it has nothing now; PullMos asks
  // it again. `tag` names the MO to the observers.
  struct SourcedMo {
    uint64_t tag = 0;
    DeliverSm pdu;
  };
  std::function<std::optional<SourcedMo>()> mo_source;
  double mo_rate = 0;  // sourced MOs per second at most, paced from the first one; 0: no pace
  std::function<void(uint64_t tag)> on_mo_sent;  // a sourced MO's first deliver_sm
  std::function<void(uint64_t tag, uint32_t status)> on_mo_answered;  // each deliver_sm_resp
  // False: received() and submits() stay empty, so a run of millions of PDUs holds no history.
  bool record_pdus = true;

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
  // Asks mo_source again (it has MOs now, after returning nullopt).
  void PullMos();

  struct Mo {
    DeliverSm pdu;
    uint32_t last_status = 0xFFFFFFFF;  // of its last deliver_sm_resp; 0xFFFFFFFF: none yet
    int deliveries = 0;
    bool redeliver = true;  // false: sent once at most (USSD)
    bool acked() const { return last_status == 0; }
  };
  const std::vector<Mo>& mos() const { return mos_; }
  size_t acked_mos() const { return acked_mos_; }
  // mo_source's MOs answered ESME_ROK (each once).
  uint64_t sourced_acked() const { return sourced_acked_; }
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

  // USSD, as a phone network does it. Each dialogue gets a fresh id (a session number that
  // cycles 0-255, or a user_message_reference); its MOs are sent once, never redelivered (a
  // refused one ends the dialogue, as the handset is told "connection problem"). A USSD
  // submit_sm for a live dialogue is recorded and answered ESME_ROK; the dialogue ends when
  // the screen is a PSSR response or has the end bit. A USSD submit_sm for no live dialogue is
  // recorded nowhere and answered ESME_RSUBMITFAIL.
  struct UssdScreen {
    std::string text;  // decoded; "<undecodable>" when it is not
    uint8_t op = 0;    // ussd_service_op
    bool end = false;  // PSSR response, or the end bit
    // its_session_info's sequence number (bits 7-1 of octet 2); unset in the
    // user_message_reference mode.
    std::optional<uint8_t> sequence = std::nullopt;
  };
  enum class UssdEnd { kOpen, kByGateway, kByNetwork, kRefused };
  struct UssdDialogue {
    std::string msisdn;
    std::string service;
    conf::UssdDialogue mode = conf::UssdDialogue::kItsSessionInfo;
    uint16_t id = 0;  // the session number, or the user_message_reference
    // The next MO's its_session_info sequence. The network numbers the units in turn: an MO n,
    // the screen answering it n + 1, the next MO n + 2.
    uint8_t next_sequence = 0;
    std::vector<UssdScreen> screens;
    UssdEnd end = UssdEnd::kOpen;
    uint32_t refused_status = 0;  // the deliver_sm_resp status when kRefused
    std::vector<size_t> mos;      // indexes into mos()
  };
  // Opens a dialogue: a deliver_sm with ussd_service_op 1 (PSSR indication) from `msisdn` to
  // `service` holding `dial` ("*384*12#"), in the config's mode. Returns the dialogue's index.
  size_t DialUssd(const std::string& msisdn, const std::string& service, const std::string& dial);
  size_t DialUssd(const std::string& msisdn, const std::string& service, const std::string& dial,
                  conf::UssdDialogue mode);
  // The subscriber's answer: ussd_service_op 18 (USSR confirm). False when the dialogue ended.
  bool AnswerUssd(size_t dialogue, const std::string& text);
  // The network releases the dialogue (the subscriber hung up, a timeout). False when it ended.
  bool AbortUssd(size_t dialogue);
  // The network delivers the dialogue's last MO again, as it came the first time (the same
  // its_session_info sequence): what a network does when our deliver_sm_resp came late. False
  // when the dialogue ended or has no MO.
  bool ResendUssd(size_t dialogue);
  const std::vector<UssdDialogue>& ussd_dialogues() const { return ussd_dialogues_; }

 private:
  struct Connection;
  void Accept();
  void OnPdu(const Pdu& pdu);
  void SendMos();
  void Drain();
  bool DrainSourced();
  void RequeueInFlight();
  void Send(const Pdu& pdu);
  void AnswerSubmit(uint32_t seq, const SubmitSm& sm, uint32_t status);
  void NotifyBind(bool bound);
  void PushUssd(size_t dialogue, uint8_t op, const std::string& text, bool end);
  bool TakeUssdSubmit(uint32_t seq, const SubmitSm& sm);
  void UssdMoAnswered(size_t mo, uint32_t status);

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
  std::map<uint32_t, SmscSimConfig::SourcedMo> sourced_by_seq_;  // mo_source's, in flight
  std::deque<SmscSimConfig::SourcedMo> sourced_again_;           // to be sent again first
  uint64_t sourced_sent_ = 0;                                    // first sendings
  uint64_t sourced_acked_ = 0;
  std::optional<std::chrono::steady_clock::time_point> pace_start_;
  boost::asio::steady_timer pace_timer_;
  bool pace_armed_ = false;
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
  std::vector<UssdDialogue> ussd_dialogues_;
  std::map<size_t, size_t> ussd_by_mo_;  // mos() index -> dialogue
  uint8_t next_session_ = 0;
  uint16_t next_user_reference_ = 1;
};

}  // namespace smsgw::smpp::testing
