// One ESME bind to an SMSC over TCP or TLS (Boost.Asio), kept alive for the daemon's lifetime:
// connect, TLS handshake when configured, bind, enquire_link on a timer, answer the SMSC's
// requests, hand MOs to an MoSink and acknowledge them only with the sink's status, send submit_sm
// within a window and a throughput cap, reconnect with exponential backoff and jitter, unbind on
// Stop().
//
// Threading: every public method runs on the io_context's thread (post to it from elsewhere);
// the session is never touched by two threads. The MoSink's ack may come from any thread and
// is posted back. Timers are explicit actors: a reconnect timer, an enquire_link timer, one
// response deadline timer armed for the earliest outstanding sequence number, a send timer
// for the throughput cap, whole-bind pauses and throttled resends.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "conf/status.h"
#include "gateway/smpp/command_status.h"
#include "gateway/smpp/decode.h"
#include "gateway/smpp/framer.h"
#include "gateway/smpp/mo_sink.h"
#include "gateway/smpp/pdu.h"
#include "gateway/smpp/session_tls.h"

namespace smsgw::smpp {

using Millis = std::chrono::milliseconds;

struct SessionConfig {
  std::string name = "smsc";  // names the connection in logs and in InboundMo
  std::string host = "127.0.0.1";
  uint16_t port = 2775;
  BindMode bind_mode = BindMode::kTransceiver;
  std::string system_id;
  std::string password;
  std::string system_type;
  Address address_range;
  // Sent in the bind. smsgw speaks 3.4 whatever it says; some old SMSCs only accept 0x33.
  uint8_t interface_version = kInterfaceVersion34;
  // TLS over the TCP connection, before bind. A handshake or verification failure is a failed
  // connection: logged with its reason, retried with the reconnect backoff.
  SessionTls tls;

  size_t window = 10;                 // outstanding requests we sent, at most
  double max_submits_per_second = 0;  // 0: no cap
  size_t max_queued_submits = 10000;  // Submit() refuses beyond this
  size_t max_unacked_mos = 1000;      // stop reading while the sink holds this many

  Millis enquire_link_interval{30000};
  // For every request we send, bind included; also bounds resolve + connect + TLS handshake,
  // and the TLS close_notify exchange at Stop().
  Millis response_timeout{10000};
  // Throttling (ESME_RTHROTTLED, ESME_RMSGQFUL). A throttled submit is resent after
  // throttled_resend_delay, the first three times; then doubling for each further throttle
  // of that submit, capped at max_throttle_pause (throttled_resend.h). It is not final and
  // its callback does not run, within the bounds below. The whole bind pauses only when throttling
  // dominates: at least half of the last 20 submit responses. The pause starts at throttle_pause
  // and doubles on each further pause up to max_throttle_pause, until 20 responses in a row come
  // back mostly accepted. docs/smpp.md says why.
  Millis throttle_pause{1000};
  Millis max_throttle_pause{30000};
  Millis throttled_resend_delay{100};
  // A submit throttled again after max_throttled_resends resends, or max_throttled_wait after
  // its first throttle, is finished with that throttle status (temporary): its caller's retry
  // policy takes over, and the slot it holds there is freed. With the defaults a submit is
  // resent over about 26 s of resend delays, plus any whole-bind pauses, for at most 2 min.
  uint32_t max_throttled_resends = 10;
  Millis max_throttled_wait{120000};
  Millis reconnect_min{1000};  // backoff doubles from here, with +-50 % jitter
  Millis reconnect_max{60000};
  Millis refused_bind_backoff{60000};  // after a bind_resp with an error status
  // Bound on draining in-flight work at Stop(): the sink's acks and our requests. A submit in
  // flight is waited for up to its own deadline even when this is shorter (the wait is the
  // longer of stop_timeout and response_timeout): cut off, its outcome is unknown and its
  // reply is sent again after the restart, though the SMSC may have taken it.
  Millis stop_timeout{10000};

  uint32_t max_command_length = kDefaultMaxCommandLength;
  size_t max_tlvs = kDefaultMaxTlvs;

  // One line per event worth an operator's attention (never message content).
  std::function<void(const std::string&)> log;
  // Runs on the io_context's thread each time a bind succeeds (the first and every re-bind),
  // once the session is kBound: whoever holds work for want of a bind can send it now.
  std::function<void()> on_bound;
};

// The final word on one submit_sm. Throttling is not final: the session resends by itself,
// within max_throttled_resends and max_throttled_wait (beyond them, and while stopping, it is
// final, with its status).
struct SubmitResult {
  uint32_t status = 0;     // the SMSC's, or ESME_RSYSERR when `outcome_unknown`
  std::string message_id;  // on success
  StatusConsequence consequence;
  // No response came (response timer, or the connection dropped with it in flight): the SMSC
  // may or may not have taken it. Resending risks a duplicate SMS, which the reference in
  // every reply makes harmless.
  bool outcome_unknown = false;
  // The submit was never written on a connection (still queued when the link dropped or the
  // session stopped): the SMSC cannot have it.
  bool never_sent = false;
};
using SubmitCallback = std::function<void(const SubmitResult&)>;

// kUnbinding: leaving the bind. Our unbind is on its way, or the SMSC's is answered, or the
// SMSC answered ESME_RINVBNDSTS and the session waits for the submits in flight before it
// binds again. Nothing more is sent but responses.
enum class SessionState { kIdle, kConnecting, kBinding, kBound, kUnbinding, kWaiting, kStopped };

struct SessionStats {
  uint64_t connects = 0;
  uint64_t tls_failures = 0;  // TLS setup or handshake (verification, protocol) failed
  uint64_t binds = 0;
  uint64_t bind_refusals = 0;
  uint64_t mos_received = 0;
  uint64_t mos_acked_ok = 0;
  uint64_t mos_acked_error = 0;
  uint64_t pdus_refused = 0;  // PDUs the validator refused (answered, session kept)
  // Responses that answer no request of ours: a sequence number with nothing pending, a
  // command_id that is not the pending request's response nor generic_nack, or an unknown
  // response command_id (query_sm_resp, ...). Ignored, never answered.
  uint64_t responses_unmatched = 0;
  uint64_t submits_sent = 0;  // resends included
  uint64_t submits_done = 0;
  uint64_t throttled = 0;           // submit responses ESME_RTHROTTLED / ESME_RMSGQFUL
  uint64_t throttle_pauses = 0;     // whole-bind pauses: throttling dominated
  uint64_t throttled_finished = 0;  // submits finished after too many or too long throttles
  uint64_t enquire_links_sent = 0;
};

class EsmeSession : public std::enable_shared_from_this<EsmeSession> {
 public:
  static std::shared_ptr<EsmeSession> Create(boost::asio::io_context& io, SessionConfig config,
                                             MoSink& sink);
  ~EsmeSession();
  EsmeSession(const EsmeSession&) = delete;
  EsmeSession& operator=(const EsmeSession&) = delete;

  // Connects and binds, and keeps doing so until Stop().
  void Start();

  // Stops taking MOs (new ones get ESME_RX_T_APPN so the SMSC retries them later), waits up
  // to the longer of stop_timeout and response_timeout for the sink's acks and our
  // outstanding responses (each submit also up to its own deadline), sends unbind, closes.
  // Submits still queued are answered with status ESME_RSYSERR and outcome_unknown false
  // (never sent). While leaving the bind after ESME_RINVBNDSTS it waits the same way for the
  // submits in flight, then closes without unbind (the SMSC no longer holds the bind).
  // Submits written and still unanswered at the close complete with outcome_unknown. `done`
  // runs once the session is closed: at most that wait, plus response_timeout for the
  // unbind_resp and response_timeout for the TLS close_notify, after Stop(). A Stop() while
  // one is under way changes nothing of it; its `done` runs after the first's.
  void Stop(std::function<void()> done = {});

  // Queues a submit_sm (sequence number assigned at sending); `cb` runs once with its final
  // result. When the connection drops, or the SMSC answers ESME_RINVBNDSTS, submits not yet
  // written (queued, or waiting for a throttled resend) complete with status ESME_RSYSERR and
  // outcome_unknown false (never sent), so the caller can route them to another bind; those
  // written and unanswered complete with outcome_unknown. After ESME_RINVBNDSTS the session
  // first waits, up to their deadlines, for the responses of those written (docs/smpp.md).
  // InvalidArgument when it does not encode; Unavailable when the queue holds
  // max_queued_submits or the session is stopping (cb not kept).
  Status Submit(SubmitSm sm, SubmitCallback cb);

  SessionState state() const { return state_; }
  const SessionStats& stats() const { return stats_; }
  size_t queued_submits() const { return queue_.size() + resend_.size(); }
  size_t outstanding() const { return outstanding_.size(); }

 private:
  using Clock = std::chrono::steady_clock;
  using tcp = boost::asio::ip::tcp;
  using TlsStream = boost::asio::ssl::stream<tcp::socket&>;

  struct Queued {
    uint64_t order;  // submission order: a throttled resend goes back to its place
    SubmitSm sm;
    SubmitCallback cb;
    uint32_t throttles = 0;  // times the SMSC throttled this submit
    std::chrono::steady_clock::time_point first_throttled{};
  };
  struct Outstanding {
    uint32_t command_id;
    Clock::time_point deadline;
    std::unique_ptr<Queued> submit;  // set for submit_sm
    uint64_t pause_epoch = 0;        // pause_epoch_ when it was sent
  };
  // MOs of one read, handed to the sink together.
  struct MoBatch {
    std::vector<InboundMo> mos;
    std::vector<uint32_t> command_ids;
    std::vector<uint32_t> sequence_numbers;
  };

  EsmeSession(boost::asio::io_context& io, SessionConfig config, MoSink& sink);

  // Connection life.
  void Connect();
  void OnConnected(const boost::system::error_code& ec);
  void OnHandshake(const boost::system::error_code& ec);
  void Bind();
  void Disconnect(const std::string& why, Millis reconnect_after);
  void Close();
  void FinishClose();
  Millis NextBackoff();
  Millis Jitter(Millis base);

  // Reading and dispatch.
  void Read();
  void OnRead(const boost::system::error_code& ec, size_t n);
  void HandleFrame(std::span<const uint8_t> frame, MoBatch* batch);
  void HandleRequest(Pdu pdu, MoBatch* batch);
  void HandleResponse(const Pdu& pdu);
  void HandleSubmitResponse(Outstanding out, const Pdu& pdu);
  void HandleMalformedResponse(std::span<const uint8_t> frame, const PduError& error);
  void IgnoreMismatchedResponse(uint32_t command_id, uint32_t seq, uint32_t request_id);
  void DropUnknownResponse(const PduError& error);
  void OnMoAck(uint64_t generation, MoBatch batch, std::vector<uint32_t> statuses);

  // Writing.
  void SendRequest(Pdu pdu, std::unique_ptr<Queued> submit = nullptr);
  void Reply(uint32_t request_id, uint32_t seq, uint32_t status);
  void Flush();
  void OnWritten(const boost::system::error_code& ec);

  // Submit flow and timers.
  void Pump();
  void Requeue(std::unique_ptr<Queued> q);
  bool ResendThrottled(std::unique_ptr<Queued>& q);
  void ReleaseResends(Clock::time_point now);
  void CountSubmitResponse(bool throttled, uint64_t epoch, uint32_t status);
  void ArmSendTimer(Clock::time_point at);
  void ArmResponseTimer();
  void OnResponseTimer();
  void ArmEnquireLink();
  void FailOutstanding();
  void CompleteUnknown(std::unique_ptr<Queued> q);
  void FailQueued();
  void MaybeUnbind();
  void StopAfterSubmitsInFlight();
  // How long Stop() waits for in-flight work: never less than a submit's deadline.
  Millis StopWait() const;
  void LeaveBind(const std::string& why);
  void MaybeRebind();
  // Submits written and not yet answered.
  size_t SubmitsInFlight() const;
  void Log(const std::string& line) const;

  boost::asio::io_context& io_;
  SessionConfig config_;
  MoSink& sink_;
  tcp::resolver resolver_;
  tcp::socket socket_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;  // made once, when tls.enabled
  // This connection's TLS layer over socket_ (null when plain); its handlers hold it, so a
  // new connection replaces it safely.
  std::shared_ptr<TlsStream> tls_;
  bool tls_up_ = false;  // handshake done: close_notify is due at Close()
  boost::asio::steady_timer reconnect_timer_;
  boost::asio::steady_timer enquire_timer_;
  boost::asio::steady_timer response_timer_;
  boost::asio::steady_timer send_timer_;
  std::optional<Clock::time_point> send_timer_at_;  // while send_timer_ is set: for when
  boost::asio::steady_timer stop_timer_;
  Framer framer_;
  DecodeOptions decode_options_;

  SessionState state_ = SessionState::kIdle;
  uint64_t generation_ = 0;  // bumps per connection; stale handlers and acks compare it
  uint32_t next_seq_ = 1;
  uint64_t next_order_ = 0;
  bool reading_ = false;
  bool stopping_ = false;
  std::string close_after_write_;  // non-empty: disconnect with this reason once flushed
  // Non-empty while leaving the bind after ESME_RINVBNDSTS: the reason to disconnect with once
  // the submits in flight have their responses (LeaveBind).
  std::string rebind_why_;
  std::function<void()> on_stopped_;

  std::vector<uint8_t> out_pending_;  // encoded, waiting for the write in flight
  std::vector<uint8_t> out_writing_;  // the write in flight
  bool writing_ = false;

  std::deque<std::unique_ptr<Queued>> queue_;  // in submission order
  // Throttled submits waiting for their resend time; then back into queue_ at their place.
  std::multimap<Clock::time_point, std::unique_ptr<Queued>> resend_;
  std::map<uint32_t, Outstanding> outstanding_;  // by sequence number
  size_t unacked_mos_ = 0;
  Clock::time_point next_send_{};     // throughput cap
  Clock::time_point paused_until_{};  // whole-bind pause after throttling
  Millis throttle_pause_{0};          // the last pause; 0 once responses are mostly accepted
  // Throttling evidence: the latest submit responses (bit 0 the newest, set when throttled),
  // only of submits sent since the latest pause began (pause_epoch_ counts pauses).
  uint32_t recent_throttles_ = 0;
  uint32_t recent_responses_ = 0;
  uint64_t pause_epoch_ = 0;
  Millis backoff_{0};
  std::mt19937_64 rng_;
  SessionStats stats_;
};

}  // namespace smsgw::smpp
