#include "gateway/smpp/session.h"

#include <algorithm>
#include <bit>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "gateway/smpp/encode.h"
#include "gateway/smpp/response_salvage.h"
#include "gateway/smpp/throttled_resend.h"
#include "gateway/tls_client.h"

namespace smsgw::smpp {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using boost::system::error_code;

constexpr size_t kReadChunk = 64 * 1024;
constexpr uint32_t kMaxSequence = 0x7FFFFFFF;
constexpr uint32_t kAlertNotification = 0x00000102;  // not modelled in pdu.h: no body we read

// The whole bind pauses when at least kThrottlePauseAt of the last kThrottleWindow submit
// responses were throttles. A random 10 % almost never gets there (P(>= 10 of 20) is about 7e-6),
// an SMSC that throttles everything gets there in 10 responses.
constexpr uint32_t kThrottleWindow = 20;
constexpr uint32_t kThrottlePauseAt = kThrottleWindow / 2;
constexpr uint32_t kThrottleWindowMask = (1u << kThrottleWindow) - 1;

bool IsMo(const Pdu& pdu) {
  return std::holds_alternative<DeliverSm>(pdu.body) || std::holds_alternative<DataSm>(pdu.body);
}

// Whether a response with `response_id` may answer a request with `request_id`.
bool Answers(uint32_t response_id, uint32_t request_id) {
  return response_id == ResponseIdFor(request_id) || response_id == ToWire(CommandId::kGenericNack);
}

SubmitResult Unsent() {
  SubmitResult r;
  r.status = ToWire(CommandStatus::kRSysErr);
  r.consequence = Classify(r.status);
  r.never_sent = true;
  return r;
}

}  // namespace

std::shared_ptr<EsmeSession> EsmeSession::Create(asio::io_context& io, SessionConfig config,
                                                 MoSink& sink) {
  return std::shared_ptr<EsmeSession>(new EsmeSession(io, std::move(config), sink));
}

EsmeSession::EsmeSession(asio::io_context& io, SessionConfig config, MoSink& sink)
    : io_(io),
      config_(std::move(config)),
      sink_(sink),
      resolver_(io),
      socket_(io),
      reconnect_timer_(io),
      enquire_timer_(io),
      response_timer_(io),
      send_timer_(io),
      stop_timer_(io),
      framer_(config_.max_command_length),
      rng_(std::random_device{}()) {
  decode_options_.max_tlvs = config_.max_tlvs;
  config_.window = std::max<size_t>(config_.window, 1);
}

EsmeSession::~EsmeSession() = default;

void EsmeSession::Log(const std::string& line) const {
  if (config_.log) config_.log(config_.name + ": " + line);
}

Millis EsmeSession::Jitter(Millis base) {
  std::uniform_int_distribution<int64_t> d(base.count() / 2, base.count() * 3 / 2);
  return Millis(d(rng_));
}

Millis EsmeSession::NextBackoff() {
  backoff_ =
      backoff_.count() == 0 ? config_.reconnect_min : std::min(backoff_ * 2, config_.reconnect_max);
  return Jitter(backoff_);
}

// ---- connection life ------------------------------------------------------------------------

void EsmeSession::Start() {
  if (state_ != SessionState::kIdle) return;
  Connect();
}

void EsmeSession::Connect() {
  state_ = SessionState::kConnecting;
  ++stats_.connects;
  const uint64_t gen = ++generation_;
  if (config_.tls.enabled && !tls_context_) {
    Result<std::shared_ptr<ssl::context>> ctx = MakeSessionTlsContext(config_.tls);
    if (!ctx.ok()) {
      ++stats_.tls_failures;
      return Disconnect("TLS setup: " + ctx.status().message(), NextBackoff());
    }
    tls_context_ = std::move(*ctx);
  }
  auto self = shared_from_this();
  // One deadline over resolve, connect and handshake; the bind's own deadline replaces it.
  response_timer_.expires_after(config_.response_timeout);
  response_timer_.async_wait([this, self, gen](const error_code& ec) {
    if (ec || gen != generation_ || state_ != SessionState::kConnecting) return;
    Disconnect(tls_ ? "TLS handshake: no answer in time" : "connect: no answer in time",
               NextBackoff());
  });
  resolver_.async_resolve(
      config_.host, std::to_string(config_.port),
      [this, self, gen](const error_code& ec, tcp::resolver::results_type results) {
        if (gen != generation_) return;
        if (ec) return Disconnect("resolving " + config_.host + ": " + ec.message(), NextBackoff());
        asio::async_connect(socket_, results,
                            [this, self, gen](const error_code& ec2, const tcp::endpoint&) {
                              if (gen == generation_) OnConnected(ec2);
                            });
      });
}

void EsmeSession::OnConnected(const error_code& ec) {
  if (ec) return Disconnect("connect: " + ec.message(), NextBackoff());
  error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  if (!config_.tls.enabled) return Bind();
  const std::string& peer = TlsPeerName(config_.tls, config_.host);
  if (!config_.tls.verify) {
    Log("WARNING: TLS certificate verification is OFF (tls.verify: false): the SMSC is not "
        "authenticated and the link can be intercepted; lab use only");
  }
  tls_ = std::make_shared<TlsStream>(socket_, *tls_context_);
  if (Status s = gateway::PrepareTlsHost(tls_->native_handle(), peer); !s.ok()) {
    ++stats_.tls_failures;
    return Disconnect("TLS setup for " + peer + ": " + s.message(), NextBackoff());
  }
  auto self = shared_from_this();
  const uint64_t gen = generation_;
  tls_->async_handshake(ssl::stream_base::client,
                        [this, self, gen, stream = tls_](const error_code& ec2) {
                          if (gen == generation_) OnHandshake(ec2);
                        });
}

void EsmeSession::OnHandshake(const error_code& ec) {
  const std::string& peer = TlsPeerName(config_.tls, config_.host);
  SSL* native = tls_->native_handle();
  if (ec) {
    ++stats_.tls_failures;
    // With verification off OpenSSL still records a verify result; it was not the cause.
    std::string why = config_.tls.verify ? gateway::TlsVerifyError(native) : std::string();
    if (why.empty()) why = "protocol: " + ec.message();
    return Disconnect("TLS handshake with " + peer + " failed: " + why, NextBackoff());
  }
  tls_up_ = true;
  Log(std::string("TLS up (") + SSL_get_version(native) + ", " + SSL_get_cipher_name(native) +
      (config_.tls.verify ? "), certificate verified for " + peer : "), certificate NOT verified"));
  Bind();
}

// The transport is ready (TCP, or TLS after its handshake): read, and ask to bind.
void EsmeSession::Bind() {
  state_ = SessionState::kBinding;
  framer_ = Framer(config_.max_command_length);
  Read();
  Pdu bind;
  bind.body = BindRequest{config_.bind_mode,   config_.system_id,         config_.password,
                          config_.system_type, config_.interface_version, config_.address_range};
  SendRequest(std::move(bind));
}

// Drops the connection: everything tied to it is answered or forgotten, then either a
// reconnect after `reconnect_after` or, when stopping, the end.
void EsmeSession::Disconnect(const std::string& why, Millis reconnect_after) {
  Log("disconnected: " + why);
  ++generation_;
  rebind_why_.clear();
  error_code ignored;
  socket_.close(ignored);
  tls_.reset();  // handlers still pending hold it until they run
  tls_up_ = false;
  resolver_.cancel();
  enquire_timer_.cancel();
  response_timer_.cancel();
  send_timer_.cancel();
  send_timer_at_.reset();
  reading_ = writing_ = false;
  out_pending_.clear();
  out_writing_.clear();
  close_after_write_.clear();
  unacked_mos_ = 0;  // their acks carry the old generation and are dropped
  FailOutstanding();
  // Submits not yet written go back to the sender, which may have another bind up: held here
  // they would wait for this one, which may be refused again and again.
  FailQueued();
  if (stopping_) return Close();
  state_ = SessionState::kWaiting;
  auto self = shared_from_this();
  const uint64_t gen = generation_;
  reconnect_timer_.expires_after(reconnect_after);
  reconnect_timer_.async_wait([this, self, gen](const error_code& ec) {
    if (!ec && gen == generation_ && !stopping_) Connect();
  });
}

// The end (unbound, or stopping): TLS close_notify first when the link has TLS, bounded by
// response_timeout, then the socket.
void EsmeSession::Close() {
  const uint64_t gen = ++generation_;
  rebind_why_.clear();
  resolver_.cancel();
  for (auto* t :
       {&reconnect_timer_, &enquire_timer_, &response_timer_, &send_timer_, &stop_timer_}) {
    t->cancel();
  }
  send_timer_at_.reset();
  state_ = SessionState::kStopped;
  FailOutstanding();
  FailQueued();
  if (!tls_up_ || !socket_.is_open()) return FinishClose();
  tls_up_ = false;
  auto self = shared_from_this();
  stop_timer_.expires_after(config_.response_timeout);
  stop_timer_.async_wait([this, self, gen](const error_code& ec) {
    if (ec || gen != generation_) return;
    Log("TLS close_notify not answered in time");
    FinishClose();
  });
  // A read still pending takes the SMSC's close_notify; the shutdown then completes.
  tls_->async_shutdown([this, self, gen, stream = tls_](const error_code&) {
    if (gen == generation_) FinishClose();
  });
}

void EsmeSession::FinishClose() {
  ++generation_;
  stop_timer_.cancel();
  error_code ignored;
  socket_.close(ignored);
  tls_.reset();
  if (auto done = std::exchange(on_stopped_, nullptr)) asio::post(io_, std::move(done));
}

void EsmeSession::Stop(std::function<void()> done) {
  if (state_ == SessionState::kStopped) {
    if (done) asio::post(io_, std::move(done));
    return;
  }
  if (stopping_) {
    // The Stop() under way ends this one too, on its own clock (a second one neither waits
    // again nor takes the first caller's `done` away).
    if (done) {
      on_stopped_ = [first = std::move(on_stopped_), second = std::move(done)] {
        if (first) first();
        second();
      };
    }
    return;
  }
  stopping_ = true;
  on_stopped_ = std::move(done);
  FailQueued();
  if (!rebind_why_.empty()) return StopAfterSubmitsInFlight();
  if (state_ != SessionState::kBound) return Close();
  auto self = shared_from_this();
  stop_timer_.expires_after(StopWait());
  stop_timer_.async_wait([this, self](const error_code& ec) {
    if (ec || state_ != SessionState::kBound) return;
    Log("stop: in-flight work did not finish in time; unbinding anyway");
    state_ = SessionState::kUnbinding;
    SendRequest(Pdu{0, 0, Unbind{}});
  });
  MaybeUnbind();
}

// Stop() while leaving the bind after ESME_RINVBNDSTS (LeaveBind): the connection is kept for
// the submits in flight, whose responses say whether the SMSC took them. Closing at once made
// each outcome unknown, and every one the SMSC had accepted was sent again after the restart:
// a duplicate SMS. They are waited for as a bound Stop() waits for its requests, each up to
// its own deadline; MaybeRebind closes once none is left. The stop timer is only a backstop:
// every deadline comes before it. No unbind: the SMSC no longer holds the bind.
void EsmeSession::StopAfterSubmitsInFlight() {
  auto self = shared_from_this();
  const uint64_t gen = generation_;
  stop_timer_.expires_after(StopWait());
  stop_timer_.async_wait([this, self, gen](const error_code& ec) {
    if (ec || gen != generation_) return;
    Log("stop: " + std::to_string(SubmitsInFlight()) +
        " submit response(s) in flight did not come in time; closing");
    Close();
  });
}

// A submit written before Stop() has its deadline less than response_timeout after it. A
// shorter stop_timeout cut such a submit off before the SMSC's answer could come: its outcome
// was unknown, and the reply was sent again after the restart though the SMSC had taken it.
Millis EsmeSession::StopWait() const {
  return std::max(config_.stop_timeout, config_.response_timeout);
}

size_t EsmeSession::SubmitsInFlight() const {
  return static_cast<size_t>(
      std::count_if(outstanding_.begin(), outstanding_.end(),
                    [](const auto& entry) { return entry.second.submit != nullptr; }));
}

// Unbinds once no MO waits for the sink and no request of ours waits for its response.
void EsmeSession::MaybeUnbind() {
  if (!stopping_ || state_ != SessionState::kBound || unacked_mos_ > 0) return;
  for (const auto& [seq, out] : outstanding_) {
    if (out.command_id != ToWire(CommandId::kEnquireLink)) return;
  }
  state_ = SessionState::kUnbinding;
  stop_timer_.cancel();
  SendRequest(Pdu{0, 0, Unbind{}});
}

// ---- reading --------------------------------------------------------------------------------

void EsmeSession::Read() {
  // Closing after the write in flight (the SMSC unbound, framing lost): nothing more is read.
  if (reading_ || !socket_.is_open() || !close_after_write_.empty()) return;
  if (unacked_mos_ >= config_.max_unacked_mos) return;  // backpressure; OnMoAck resumes
  reading_ = true;
  std::span<uint8_t> space = framer_.PrepareRead(kReadChunk);
  auto self = shared_from_this();
  const uint64_t gen = generation_;
  auto done = [this, self, gen, stream = tls_](const error_code& ec, size_t n) {
    if (gen != generation_) return;
    reading_ = false;
    OnRead(ec, n);
  };
  const asio::mutable_buffer buffer(space.data(), space.size());
  if (tls_) {
    tls_->async_read_some(buffer, std::move(done));
  } else {
    socket_.async_read_some(buffer, std::move(done));
  }
}

void EsmeSession::OnRead(const error_code& ec, size_t n) {
  if (ec) return Disconnect("read: " + ec.message(), NextBackoff());
  framer_.CommitRead(n);
  const uint64_t gen = generation_;
  MoBatch batch;
  for (;;) {
    Frame f = framer_.Next();
    if (f.status == FrameStatus::kNeedMore) break;
    if (f.status == FrameStatus::kBad) {
      ++stats_.pdus_refused;
      Log(Describe(f.error));
      if (std::optional<Pdu> nack = ErrorResponse(f.error)) (void)Encode(*nack, &out_pending_);
      close_after_write_ = "framing lost";
      Flush();
      return;
    }
    HandleFrame(f.frame, &batch);
    if (gen != generation_) return;  // a handler dropped the connection
  }
  if (!batch.mos.empty()) {
    unacked_mos_ += batch.mos.size();
    std::vector<InboundMo> mos = std::move(batch.mos);
    auto self = shared_from_this();
    auto ack = [this, self, gen, batch = std::move(batch)](std::vector<uint32_t> statuses) mutable {
      asio::post(io_, [this, self, gen, batch = std::move(batch),
                       statuses = std::move(statuses)]() mutable {
        OnMoAck(gen, std::move(batch), std::move(statuses));
      });
    };
    sink_.Deliver(std::move(mos), std::move(ack));
  }
  Flush();
  Pump();
  Read();
}

void EsmeSession::HandleFrame(std::span<const uint8_t> frame, MoBatch* batch) {
  DecodeResult r = Decode(frame, decode_options_);
  if (!r.ok() && r.error.command_id == kAlertNotification) {
    // SMPP 3.4 §4.12: alert_notification takes no response. We never ask for one (no
    // set_dpf), so it carries nothing the gateway acts on; a generic_nack would break the spec.
    Log("alert_notification seq=" + std::to_string(r.error.sequence_number) + " ignored");
    return;
  }
  if (!r.ok() && r.error.reply == ErrorReply::kNone &&
      r.error.status == CommandStatus::kRInvCmdId) {
    return DropUnknownResponse(r.error);
  }
  if (!r.ok()) {
    ++stats_.pdus_refused;
    if (std::optional<Pdu> reply = ErrorResponse(r.error)) {
      Log(Describe(r.error));
      (void)Encode(*reply, &out_pending_);  // built by MakeResponse: always encodes
    } else {
      HandleMalformedResponse(frame, r.error);
    }
    if (r.error.fatal) close_after_write_ = "framing lost";
    return;
  }
  if (IsResponse(r.pdu->command_id())) {
    HandleResponse(*r.pdu);
  } else {
    HandleRequest(std::move(*r.pdu), batch);
  }
}

void EsmeSession::HandleRequest(Pdu pdu, MoBatch* batch) {
  const uint32_t id = pdu.command_id();
  const uint32_t seq = pdu.sequence_number;
  // Closing: nothing goes out after our unbind_resp (or generic_nack). A request read after
  // the SMSC's unbind breaks the spec; an MO among them is redelivered on the next bind.
  if (!close_after_write_.empty()) return;
  if (std::holds_alternative<EnquireLink>(pdu.body)) return Reply(id, seq, 0);
  if (std::holds_alternative<Unbind>(pdu.body)) {
    // SMPP 3.4 §4.2: no request of ours may follow the unbind_resp. kUnbinding stops Pump and
    // enquire_link; the connection closes once the unbind_resp is written, releasing queued
    // submits (Disconnect), and the session binds again.
    state_ = SessionState::kUnbinding;
    Reply(id, seq, 0);
    close_after_write_ = "the SMSC unbound";
    return;
  }
  if (!IsMo(pdu)) return Reply(id, seq, ToWire(CommandStatus::kRInvCmdId));
  // Stopping first: while our unbind is on its way the state is kUnbinding, and an MO then
  // must be retried later (ESME_RX_T_APPN), not refused as if we had never bound.
  if (stopping_) return Reply(id, seq, ToWire(CommandStatus::kRxTAppn));
  if (state_ != SessionState::kBound) return Reply(id, seq, ToWire(CommandStatus::kRInvBndSts));
  ++stats_.mos_received;
  batch->command_ids.push_back(id);
  batch->sequence_numbers.push_back(seq);
  batch->mos.push_back(InboundMo{config_.name, std::move(pdu)});
}

void EsmeSession::OnMoAck(uint64_t generation, MoBatch batch, std::vector<uint32_t> statuses) {
  // Acks for a connection that is gone, or closing, are dropped: the SMSC redelivers those MOs.
  if (generation != generation_ || !close_after_write_.empty()) return;
  for (size_t i = 0; i < batch.sequence_numbers.size(); ++i) {
    const uint32_t status = i < statuses.size() ? statuses[i] : ToWire(CommandStatus::kRxTAppn);
    ++(status == 0 ? stats_.mos_acked_ok : stats_.mos_acked_error);
    Reply(batch.command_ids[i], batch.sequence_numbers[i], status);
  }
  unacked_mos_ -= std::min(unacked_mos_, batch.sequence_numbers.size());
  Flush();
  Read();
  MaybeUnbind();
}

void EsmeSession::HandleResponse(const Pdu& pdu) {
  auto it = outstanding_.find(pdu.sequence_number);
  if (it == outstanding_.end()) {
    ++stats_.responses_unmatched;
    Log("response to no request: " + Describe(pdu));
    return;
  }
  if (!Answers(pdu.command_id(), it->second.command_id)) {
    return IgnoreMismatchedResponse(pdu.command_id(), pdu.sequence_number, it->second.command_id);
  }
  Outstanding out = std::move(it->second);
  outstanding_.erase(it);
  ArmResponseTimer();
  const uint32_t status = pdu.command_status;
  switch (static_cast<CommandId>(out.command_id)) {
    case CommandId::kBindTransmitter:
    case CommandId::kBindReceiver:
    case CommandId::kBindTransceiver:
      if (state_ != SessionState::kBinding) return;  // the SMSC unbound meanwhile: closing
      // A generic_nack says the SMSC could not take the bind, whatever its status: no bind.
      if (const bool nack = std::holds_alternative<GenericNack>(pdu.body); status != 0 || nack) {
        ++stats_.bind_refusals;
        Disconnect("bind refused with " + std::string(nack ? "generic_nack " : "") +
                       CommandStatusName(status),
                   Jitter(config_.refused_bind_backoff));
        return;
      }
      state_ = SessionState::kBound;
      ++stats_.binds;
      backoff_ = Millis(0);
      Log("bound");
      ArmEnquireLink();
      if (config_.on_bound) config_.on_bound();
      if (stopping_) MaybeUnbind();
      Pump();
      return;
    case CommandId::kUnbind:
      Close();
      return;
    case CommandId::kSubmitSm:
      HandleSubmitResponse(std::move(out), pdu);
      return;
    default:
      MaybeUnbind();
      return;  // enquire_link_resp: the link is alive
  }
}

// A response we could not read whole. To a submit, its command_status is still the SMSC's
// verdict (response_salvage.h says why), with what can be read of the body. For bind,
// enquire_link or unbind the link is not trustworthy.
void EsmeSession::HandleMalformedResponse(std::span<const uint8_t> frame, const PduError& error) {
  auto it = outstanding_.find(error.sequence_number);
  if (it != outstanding_.end() && !Answers(error.command_id, it->second.command_id)) {
    Log(Describe(error));
    return IgnoreMismatchedResponse(error.command_id, error.sequence_number, it->second.command_id);
  }
  if (it != outstanding_.end() && it->second.submit) {
    if (std::optional<Pdu> pdu = SalvageSubmitResponse(frame)) {
      Log(Describe(error) + "; taken with its " + CommandStatusName(pdu->command_status) +
          ", the unreadable rest ignored");
      return HandleResponse(*pdu);
    }
  }
  Log(Describe(error));
  if (it == outstanding_.end()) return;
  Outstanding out = std::move(it->second);
  outstanding_.erase(it);
  ArmResponseTimer();
  if (!out.submit)
    return Disconnect("malformed " + CommandName(out.command_id) + "_resp", NextBackoff());
  CompleteUnknown(std::move(out.submit));
  Pump();
  MaybeUnbind();
  MaybeRebind();
}

// SMPP 3.4 §5.1.2.1: a response carries its request's command_id with the top bit set, or is
// a generic_nack. Anything else under a pending sequence number (a submit_sm_resp with an
// enquire_link's number, a deliver_sm_resp with a submit's) is the SMSC's mistake and says
// nothing about that request: taken as its answer, a submit would be recorded as accepted or
// refused on no evidence. The request keeps waiting for its own response, and its deadline
// still applies. The stray response is not answered: generic_nack is for a PDU whose header
// cannot be read, a response is never answered, and a generic_nack echoing the pending
// sequence number invites an SMSC's generic_nack back under that same number, which would
// then be taken as the request's answer.
void EsmeSession::IgnoreMismatchedResponse(uint32_t command_id, uint32_t seq, uint32_t request_id) {
  ++stats_.responses_unmatched;
  Log(CommandName(command_id) + " seq=" + std::to_string(seq) + " does not answer our " +
      CommandName(request_id) + " with that number: ignored, the " + CommandName(request_id) +
      " still waits for its response");
}

// A response with a command_id we do not know (query_sm_resp, replace_sm_resp, a vendor's):
// we never send its request, so it answers nothing of ours, whatever its sequence number.
// SMPP 3.4: a response is never answered. A generic_nack would echo that number, which may be
// a request's still waiting, and invite the SMSC's own generic_nack back under it, taken then
// as that request's answer. So it is dropped, and a request with that number keeps waiting.
void EsmeSession::DropUnknownResponse(const PduError& error) {
  ++stats_.responses_unmatched;
  std::string line =
      CommandName(error.command_id) + " seq=" + std::to_string(error.sequence_number) +
      " status=" + CommandStatusName(error.command_status) + ": unknown response, ignored";
  if (auto it = outstanding_.find(error.sequence_number); it != outstanding_.end()) {
    line += "; the " + CommandName(it->second.command_id) +
            " with that number still waits for its response";
  }
  Log(line);
}

void EsmeSession::HandleSubmitResponse(Outstanding out, const Pdu& pdu) {
  const uint32_t status = pdu.command_status;
  StatusConsequence c = Classify(status);
  // A generic_nack says the SMSC could not take the PDU, not that it refuses the message: a
  // later attempt may pass, so it is never a final failure (which would lose the reply). Nor,
  // even with status 0, that it took the message: no message id comes with it.
  if (std::holds_alternative<GenericNack>(pdu.body) && c.status_class != StatusClass::kTemporary) {
    c.status_class = StatusClass::kTemporary;
  }
  if (c.throttled) ++stats_.throttled;
  CountSubmitResponse(c.throttled, out.pause_epoch, status);
  if (c.throttled && !stopping_ && ResendThrottled(out.submit)) {
    Pump();
    MaybeRebind();
    return;
  }
  ++stats_.submits_done;
  SubmitResult result;
  result.status = status;
  result.consequence = c;
  if (const auto* resp = std::get_if<SubmitSmResp>(&pdu.body)) result.message_id = resp->message_id;
  if (out.submit->cb) out.submit->cb(result);
  if (c.rebind && !stopping_) LeaveBind(CommandStatusName(status) + " on submit_sm");
  Pump();
  MaybeUnbind();
  MaybeRebind();
}

// The SMSC no longer holds our bind (a failover behind the same TCP link, say): every submit
// on this link would get the same answer, so we bind again on a new connection. Not at once:
// the SMSC did not take the submit it answered so (SMPP 3.4, ESME_RINVBNDSTS), but it may
// have taken others in flight before it lost the bind, and their responses are on their way
// on this connection. Dropping it would make them outcome unknown, and each accepted one
// would be sent again: a duplicate SMS. So nothing more is sent (kUnbinding stops Pump and
// enquire_link, and the MT sender picks binds that are kBound), queued submits go back to
// the sender now as never sent, and the connection drops once every submit in flight has
// its response or has reached its own deadline (response_timeout): each then ends accepted,
// refused, or unknown only if the SMSC never answered it.
void EsmeSession::LeaveBind(const std::string& why) {
  if (!rebind_why_.empty()) return;
  rebind_why_ = why + ": binding again";
  state_ = SessionState::kUnbinding;
  enquire_timer_.cancel();
  FailQueued();
  if (const size_t waiting = SubmitsInFlight(); waiting > 0) {
    Log(why + ": waiting for " + std::to_string(waiting) +
        " submit response(s) in flight before binding again");
  }
}

// Drops the connection to bind again once no submit waits for its response (LeaveBind), or,
// when stopping, closes the session.
void EsmeSession::MaybeRebind() {
  if (rebind_why_.empty() || SubmitsInFlight() > 0) return;
  if (stopping_) {
    Log("stop: every submit in flight has its outcome; closing");
    return Close();
  }
  Disconnect(rebind_why_, NextBackoff());
}

// Throttling policy. A throttle says "less, now", not "nothing": an SMSC that throttles a share
// of submits at random, or one that limits us to L/s while we send R/s (a share (R - L) / R
// throttled), still takes the rest, and every throttled submit is resent anyway, so pausing
// the bind on each throttle only loses the goodput of the pause. The bind pauses when
// throttles dominate the recent responses, which is what an SMSC that wants us to stop
// looks like; the licensed rate itself is max_submits_per_second. Responses to submits sent
// before the latest pause began describe the SMSC before it and are not counted.
void EsmeSession::CountSubmitResponse(bool throttled, uint64_t epoch, uint32_t status) {
  if (epoch != pause_epoch_) return;
  recent_throttles_ = ((recent_throttles_ << 1) | (throttled ? 1u : 0u)) & kThrottleWindowMask;
  recent_responses_ = std::min(recent_responses_ + 1, kThrottleWindow);
  const auto throttles = static_cast<uint32_t>(std::popcount(recent_throttles_));
  if (throttles < kThrottlePauseAt) {
    // A whole window mostly accepted since the latest pause: the next pause starts short.
    if (recent_responses_ == kThrottleWindow) throttle_pause_ = Millis(0);
    return;
  }
  if (stopping_) return;
  ++stats_.throttle_pauses;
  throttle_pause_ = throttle_pause_.count() == 0
                        ? config_.throttle_pause
                        : DoubledUpTo(throttle_pause_, config_.max_throttle_pause);
  paused_until_ = std::max(paused_until_, Clock::now() + throttle_pause_);
  ++pause_epoch_;
  recent_throttles_ = 0;
  recent_responses_ = 0;
  Log("throttled (" + CommandStatusName(status) + ", " + std::to_string(throttles) +
      " of the last " + std::to_string(kThrottleWindow) + " submit responses): bind paused for " +
      std::to_string(throttle_pause_.count()) + " ms");
}

// ---- writing --------------------------------------------------------------------------------

void EsmeSession::SendRequest(Pdu pdu, std::unique_ptr<Queued> submit) {
  const uint32_t seq = next_seq_;
  next_seq_ = next_seq_ >= kMaxSequence ? 1 : next_seq_ + 1;
  pdu.sequence_number = seq;
  if (!Encode(pdu, &out_pending_).ok()) {
    Log("could not encode " + Describe(pdu));  // Submit() checked: a bug
    return;
  }
  if (submit) ++stats_.submits_sent;
  outstanding_[seq] = Outstanding{pdu.command_id(), Clock::now() + config_.response_timeout,
                                  std::move(submit), pause_epoch_};
  ArmResponseTimer();
  Flush();
}

void EsmeSession::Reply(uint32_t request_id, uint32_t seq, uint32_t status) {
  AppendResponse(request_id, seq, status, &out_pending_);
}

void EsmeSession::Flush() {
  if (writing_ || !socket_.is_open()) return;
  if (out_pending_.empty()) {
    if (!close_after_write_.empty()) Disconnect(close_after_write_, NextBackoff());
    return;
  }
  std::swap(out_pending_, out_writing_);
  out_pending_.clear();
  writing_ = true;
  auto self = shared_from_this();
  const uint64_t gen = generation_;
  auto done = [this, self, gen, stream = tls_](const error_code& ec, size_t) {
    if (gen == generation_) OnWritten(ec);
  };
  if (tls_) {
    asio::async_write(*tls_, asio::buffer(out_writing_), std::move(done));
  } else {
    asio::async_write(socket_, asio::buffer(out_writing_), std::move(done));
  }
}

void EsmeSession::OnWritten(const error_code& ec) {
  writing_ = false;
  if (ec) return Disconnect("write: " + ec.message(), NextBackoff());
  Flush();
}

// ---- submit flow ----------------------------------------------------------------------------

Status EsmeSession::Submit(SubmitSm sm, SubmitCallback cb) {
  if (stopping_ || state_ == SessionState::kStopped) {
    return Status::Unavailable("session stopping");
  }
  if (queued_submits() >= config_.max_queued_submits) return Status::Unavailable("queue full");
  std::vector<uint8_t> scratch;
  if (Status s = Encode(Pdu{0, 1, sm}, &scratch); !s.ok()) return s;
  queue_.push_back(std::make_unique<Queued>(Queued{next_order_++, std::move(sm), std::move(cb)}));
  Pump();
  return Status::OK();
}

void EsmeSession::Requeue(std::unique_ptr<Queued> q) {
  auto pos = std::find_if(queue_.begin(), queue_.end(),
                          [&](const std::unique_ptr<Queued>& e) { return e->order > q->order; });
  queue_.insert(pos, std::move(q));
}

// Counts one more throttle of `q` and queues it for its resend after a delay
// (throttled_resend.h says how long), unless it has been throttled too often or for too long:
// false, and `q` is left to finish with the throttle status.
bool EsmeSession::ResendThrottled(std::unique_ptr<Queued>& q) {
  const Clock::time_point now = Clock::now();
  if (q->throttles++ == 0) q->first_throttled = now;
  const auto throttled_for = std::chrono::duration_cast<Millis>(now - q->first_throttled);
  if (ThrottledSubmitExhausted(q->throttles, throttled_for, config_.max_throttled_resends,
                               config_.max_throttled_wait)) {
    ++stats_.throttled_finished;
    return false;
  }
  const Millis delay = ThrottledResendDelay(config_.throttled_resend_delay,
                                            config_.max_throttle_pause, q->throttles);
  resend_.emplace(now + delay, std::move(q));
  return true;
}

void EsmeSession::ReleaseResends(Clock::time_point now) {
  while (!resend_.empty() && resend_.begin()->first <= now) {
    Requeue(std::move(resend_.begin()->second));
    resend_.erase(resend_.begin());
  }
}

void EsmeSession::Pump() {
  if (state_ != SessionState::kBound || stopping_) return;
  const double rate = config_.max_submits_per_second;
  const auto interval =
      rate > 0
          ? std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / rate))
          : Clock::duration::zero();
  ReleaseResends(Clock::now());
  while (!queue_.empty() && outstanding_.size() < config_.window) {
    const Clock::time_point now = Clock::now();
    const Clock::time_point at = std::max(paused_until_, next_send_);
    if (at > now) return ArmSendTimer(at);
    std::unique_ptr<Queued> q = std::move(queue_.front());
    queue_.pop_front();
    Pdu pdu;
    pdu.body = q->sm;
    SendRequest(std::move(pdu), std::move(q));
    if (rate > 0) next_send_ = std::max(next_send_, now) + interval;
  }
  // Only throttled submits wait, and the window has room: wake up for the first of them.
  if (queue_.empty() && !resend_.empty() && outstanding_.size() < config_.window) {
    ArmSendTimer(std::max(resend_.begin()->first, paused_until_));
  }
}

// Pump runs on every submit response. While throttled submits wait for their resend it would
// set the timer again each time, for the same moment or a later one: a system call and an
// aborted handler apiece, thousands a second. A timer set for no later than `at` wakes Pump in
// time already.
void EsmeSession::ArmSendTimer(Clock::time_point at) {
  if (send_timer_at_ && *send_timer_at_ <= at) return;
  send_timer_at_ = at;
  auto self = shared_from_this();
  const uint64_t gen = generation_;
  send_timer_.expires_at(at);
  send_timer_.async_wait([this, self, gen](const error_code& ec) {
    if (ec) return;  // cancelled: whoever cancelled it cleared send_timer_at_, or set it anew
    send_timer_at_.reset();
    if (gen == generation_) Pump();
  });
}

void EsmeSession::ArmResponseTimer() {
  if (outstanding_.empty()) {
    response_timer_.cancel();
    return;
  }
  Clock::time_point earliest = Clock::time_point::max();
  for (const auto& [seq, out] : outstanding_) earliest = std::min(earliest, out.deadline);
  auto self = shared_from_this();
  const uint64_t gen = generation_;
  response_timer_.expires_at(earliest);
  response_timer_.async_wait([this, self, gen](const error_code& ec) {
    if (!ec && gen == generation_) OnResponseTimer();
  });
}

void EsmeSession::OnResponseTimer() {
  const Clock::time_point now = Clock::now();
  std::vector<std::unique_ptr<Queued>> timed_out;
  for (auto it = outstanding_.begin(); it != outstanding_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    if (!it->second.submit && !rebind_why_.empty()) {
      // Leaving the bind: the submits in flight are what the connection is kept for.
      it = outstanding_.erase(it);
      continue;
    }
    if (!it->second.submit) {
      // No answer to bind, enquire_link or unbind: the link is dead (or the SMSC is).
      const std::string what = CommandName(it->second.command_id);
      if (stopping_ && state_ == SessionState::kUnbinding) return Close();
      return Disconnect("no " + what + "_resp in time", NextBackoff());
    }
    timed_out.push_back(std::move(it->second.submit));
    it = outstanding_.erase(it);
  }
  ArmResponseTimer();
  for (auto& q : timed_out) CompleteUnknown(std::move(q));
  Pump();
  MaybeUnbind();
  MaybeRebind();
}

void EsmeSession::ArmEnquireLink() {
  auto self = shared_from_this();
  const uint64_t gen = generation_;
  enquire_timer_.expires_after(config_.enquire_link_interval);
  enquire_timer_.async_wait([this, self, gen](const error_code& ec) {
    if (ec || gen != generation_ || state_ != SessionState::kBound) return;
    ++stats_.enquire_links_sent;
    SendRequest(Pdu{0, 0, EnquireLink{}});
    ArmEnquireLink();
  });
}

// Requests in flight when the connection goes: their outcome is unknown.
void EsmeSession::FailOutstanding() {
  std::map<uint32_t, Outstanding> gone;
  gone.swap(outstanding_);
  for (auto& [seq, out] : gone) {
    if (out.submit) CompleteUnknown(std::move(out.submit));
  }
}

// A submit sent without an answer: the SMSC may or may not have it.
void EsmeSession::CompleteUnknown(std::unique_ptr<Queued> q) {
  SubmitResult r = Unsent();
  r.never_sent = false;
  r.outcome_unknown = true;
  ++stats_.submits_done;
  if (q->cb) q->cb(r);
}

// Submits not written on the connection (queued, or waiting for a throttled resend): answered
// as never sent when the connection drops or the session stops.
void EsmeSession::FailQueued() {
  std::deque<std::unique_ptr<Queued>> gone;
  gone.swap(queue_);
  for (auto& [at, q] : resend_) gone.push_back(std::move(q));
  resend_.clear();
  for (auto& q : gone) {
    if (q->cb) q->cb(Unsent());
  }
}

}  // namespace smsgw::smpp
