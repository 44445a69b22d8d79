#include "tests/support/smsc_simulator.h"

#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <stdexcept>

#include "gateway/smpp/decode.h"
#include "gateway/smpp/encode.h"
#include "gateway/smpp/framer.h"
#include "gateway/smpp/text_codec.h"
#include "gateway/smpp/ussd.h"
#include "tests/support/test_pki.h"

namespace smsgw::smpp::testing {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

struct SmscSimulator::Connection : std::enable_shared_from_this<Connection> {
  Connection(tcp::socket s, SmscSimulator* owner) : socket(std::move(s)), sim(owner) {
    if (sim->tls_) tls = std::make_unique<asio::ssl::stream<tcp::socket&>>(socket, *sim->tls_);
  }
  tcp::socket socket;
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls;  // over `socket` when TLS
  SmscSimulator* sim;                                    // nullptr once the simulator is gone
  Framer framer;
  std::vector<uint8_t> pending;
  std::vector<uint8_t> writing;
  bool is_writing = false;
  bool bound = false;

  void Start() {
    if (!tls) return Read();
    tls->async_handshake(asio::ssl::stream_base::server,
                         [self = shared_from_this()](const error_code& ec) {
                           if (!ec) return self->Read();
                           if (self->sim != nullptr) ++self->sim->tls_failures_;
                           self->Close();
                         });
  }
  void Read() {
    std::span<uint8_t> space = framer.PrepareRead(16 * 1024);
    auto done = [self = shared_from_this()](const error_code& ec, size_t n) {
      self->OnRead(ec, n);
    };
    const asio::mutable_buffer buffer(space.data(), space.size());
    if (tls) {
      tls->async_read_some(buffer, std::move(done));
    } else {
      socket.async_read_some(buffer, std::move(done));
    }
  }
  void OnRead(const error_code& ec, size_t n) {
    if (tls && ec == asio::error::eof && sim != nullptr) {  // the ESME's close_notify
      ++sim->close_notifies_;
      tls->async_shutdown([self = shared_from_this()](const error_code&) { self->Close(); });
      return;
    }
    if (ec || sim == nullptr || sim->conn_.get() != this) return Close();
    framer.CommitRead(n);
    for (Frame f = framer.Next(); f.status != FrameStatus::kNeedMore; f = framer.Next()) {
      if (f.status == FrameStatus::kBad) return Close();
      DecodeResult r = Decode(f.frame);
      if (r.ok()) {
        sim->OnPdu(*r.pdu);
      } else if (auto reply = ErrorResponse(r.error)) {
        sim->Send(*reply);
      }
      if (sim == nullptr || sim->conn_.get() != this || !socket.is_open()) return;
    }
    Read();
  }
  void Flush() {
    if (is_writing || pending.empty() || !socket.is_open()) return;
    writing.swap(pending);
    pending.clear();
    is_writing = true;
    auto done = [self = shared_from_this()](const error_code& ec, size_t) {
      self->is_writing = false;
      if (!ec) self->Flush();
    };
    if (tls) {
      asio::async_write(*tls, asio::buffer(writing), std::move(done));
    } else {
      asio::async_write(socket, asio::buffer(writing), std::move(done));
    }
  }
  void Close() {
    error_code ignored;
    socket.close(ignored);
    const bool was_bound = bound;
    bound = false;
    if (was_bound && sim != nullptr) sim->NotifyBind(false);
  }
};

SmscSimulator::SmscSimulator(asio::io_context& io, SmscSimConfig config)
    : io_(io), config_(std::move(config)), acceptor_(io), pace_timer_(io) {
  if (!config_.tls_cert_file.empty() || !config_.tls_key_file.empty()) {
    auto tls = smsgw::test::MakeTlsServerContext(config_.tls_cert_file, config_.tls_key_file);
    if (!tls.ok()) throw std::runtime_error("smsc_sim: " + tls.status().message());
    tls_ = std::move(*tls);
  }
  acceptor_.open(tcp::v4());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), config_.port));
  acceptor_.listen();
  Accept();
}

SmscSimulator::~SmscSimulator() {
  error_code ignored;
  acceptor_.close(ignored);
  if (conn_) {
    conn_->sim = nullptr;
    conn_->Close();
  }
}

uint16_t SmscSimulator::port() const {
  return acceptor_.local_endpoint().port();
}

bool SmscSimulator::bound() const {
  return conn_ && conn_->bound;
}

void SmscSimulator::Accept() {
  acceptor_.async_accept([this](const error_code& ec, tcp::socket socket) {
    if (ec) return;  // closed
    // As SMSCs do: a PDU goes out when written, not when Nagle's algorithm lets it.
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (conn_) conn_->Close();
    conn_ = std::make_shared<Connection>(std::move(socket), this);
    RequeueInFlight();
    ++connections_;
    conn_->Start();
    Accept();
  });
}

void SmscSimulator::Send(const Pdu& pdu) {
  if (!conn_ || !conn_->socket.is_open()) return;
  if (!Encode(pdu, &conn_->pending).ok()) std::fprintf(stderr, "smsc_sim: cannot encode\n");
  conn_->Flush();
}

void SmscSimulator::OnPdu(const Pdu& pdu) {
  if (config_.record_pdus) received_.push_back(pdu);
  const uint32_t id = pdu.command_id();
  const uint32_t seq = pdu.sequence_number;
  if (const auto* bind = std::get_if<BindRequest>(&pdu.body)) {
    if (config_.nack_binds) {
      ++bind_refusals_;
      Send(Pdu{0, seq, GenericNack{}});
      return;
    }
    Pdu resp = MakeResponse(id, seq, 0);
    std::get<BindResponse>(resp.body).system_id = config_.system_id;
    if (bind->password != config_.password || conn_->bound) {
      resp.command_status =
          ToWire(conn_->bound ? CommandStatus::kRAlyBnd : CommandStatus::kRInvPaswd);
      ++bind_refusals_;
      Send(resp);
      return;
    }
    ++binds_;
    Send(resp);
    conn_->bound = true;
    SendMos();
    NotifyBind(true);  // after SendMos: an MO the observer pushes now is sent once
    return;
  }
  if (std::holds_alternative<EnquireLink>(pdu.body)) {
    if (config_.answer_enquire_link) Send(MakeResponse(id, seq, 0));
    return;
  }
  if (std::holds_alternative<Unbind>(pdu.body)) {
    Send(MakeResponse(id, seq, 0));
    conn_->bound = false;
    NotifyBind(false);
    return;
  }
  if (const auto* sm = std::get_if<SubmitSm>(&pdu.body)) {
    if (config_.record_pdus) submits_.push_back(*sm);
    if (sm->tlvs.ussd_service_op) {
      TakeUssdSubmit(seq, *sm);
      return;
    }
    ++submit_count_;
    if (config_.throttle_every != 0 && submit_count_ % config_.throttle_every == 0) {
      AnswerSubmit(seq, *sm, ToWire(CommandStatus::kRThrottled));
      if (config_.on_submit_answered) {
        config_.on_submit_answered(*sm, ToWire(CommandStatus::kRThrottled));
      }
    } else if (!config_.answer_submits) {
      held_.emplace_back(seq, *sm);
      max_in_flight_ = std::max(max_in_flight_, held_.size());
    } else {
      AnswerSubmit(seq, *sm, 0);
      if (config_.on_submit_answered) config_.on_submit_answered(*sm, 0);
    }
    if (config_.on_submit) config_.on_submit(*sm);
    return;
  }
  if (std::holds_alternative<DeliverSmResp>(pdu.body)) {
    if (auto s = sourced_by_seq_.find(seq); s != sourced_by_seq_.end()) {
      const uint64_t tag = s->second.tag;
      if (pdu.command_status == 0) {
        ++sourced_acked_;
      } else {
        sourced_again_.push_back(std::move(s->second));
      }
      sourced_by_seq_.erase(s);
      if (config_.on_mo_answered) config_.on_mo_answered(tag, pdu.command_status);
      Drain();
      return;
    }
    auto it = mo_by_seq_.find(seq);
    if (it == mo_by_seq_.end()) return;
    Mo& mo = mos_[it->second];
    if (!mo.acked() && pdu.command_status == 0) ++acked_mos_;
    mo.last_status = pdu.command_status;
    UssdMoAnswered(it->second, pdu.command_status);
    mo_by_seq_.erase(it);
    Drain();
    return;
  }
  if (IsResponse(id)) return;
  Send(MakeResponse(id, seq, ToWire(CommandStatus::kRInvCmdId)));
}

void SmscSimulator::NotifyBind(bool bound) {
  if (config_.on_bind_change) config_.on_bind_change(bound);
}

void SmscSimulator::AnswerSubmit(uint32_t seq, const SubmitSm& sm, uint32_t status) {
  Pdu resp = MakeResponse(ToWire(CommandId::kSubmitSm), seq, status);
  if (status != 0) return Send(resp);
  const uint64_t number = next_message_id_++;
  char hex[24];
  std::snprintf(hex, sizeof hex, "%llX", static_cast<unsigned long long>(number));
  std::get<SubmitSmResp>(resp.body).message_id = hex;
  Send(resp);
  if (!config_.send_receipts || (sm.registered_delivery & 0x03) == 0) return;
  const std::string id = config_.receipt_ids_in_decimal ? std::to_string(number) : hex;
  DeliverSm dlr;
  dlr.source = sm.destination;
  dlr.destination = sm.source;
  dlr.esm_class = kEsmDeliveryReceipt;
  const std::string text = std::string("id:") + id + " sub:001 dlvrd:001 stat:DELIVRD err:000";
  dlr.short_message.assign(text.begin(), text.end());
  dlr.tlvs.receipted_message_id = id;
  dlr.tlvs.message_state = 2;
  PushMo(std::move(dlr));
}

void SmscSimulator::ReleaseHeldSubmits() {
  auto held = std::move(held_);
  held_.clear();
  for (auto& [seq, sm] : held) AnswerSubmit(seq, sm, 0);
}

size_t SmscSimulator::PushMo(DeliverSm mo) {
  mos_.push_back(Mo{std::move(mo)});
  to_send_.push_back(mos_.size() - 1);
  if (bound()) Drain();
  return mos_.size() - 1;
}

// Sends waiting MOs while the window allows: those pushed first, then the source's.
void SmscSimulator::Drain() {
  auto room = [this] {
    return config_.mo_window == 0 || mo_by_seq_.size() + sourced_by_seq_.size() < config_.mo_window;
  };
  while (!to_send_.empty() && bound() && room()) {
    const size_t index = to_send_.front();
    to_send_.pop_front();
    Pdu pdu;
    pdu.sequence_number = next_seq_++;
    pdu.body = mos_[index].pdu;
    mo_by_seq_[pdu.sequence_number] = index;
    ++mos_[index].deliveries;
    Send(pdu);
  }
  while (to_send_.empty() && bound() && room() && DrainSourced()) {
  }
}

// One MO of the source's (one to send again first), unless the pace holds it back. False when
// there is none now.
bool SmscSimulator::DrainSourced() {
  if (!config_.mo_source) return false;
  std::optional<SmscSimConfig::SourcedMo> mo;
  bool first = false;
  if (!sourced_again_.empty()) {
    mo = std::move(sourced_again_.front());
    sourced_again_.pop_front();
  } else {
    if (config_.mo_rate > 0) {
      const auto now = std::chrono::steady_clock::now();
      if (!pace_start_) pace_start_ = now;
      // The n-th MO (from 0) is due n / rate seconds after the first.
      const auto due =
          *pace_start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                             std::chrono::duration<double>(sourced_sent_ / config_.mo_rate));
      if (due > now) {
        if (!pace_armed_) {
          pace_armed_ = true;
          pace_timer_.expires_at(due);
          pace_timer_.async_wait([this](const error_code& ec) {
            pace_armed_ = false;
            if (!ec) Drain();
          });
        }
        return false;
      }
    }
    mo = config_.mo_source();
    if (!mo) return false;
    first = true;
    ++sourced_sent_;
  }
  Pdu pdu;
  pdu.sequence_number = next_seq_++;
  pdu.body = mo->pdu;
  const uint64_t tag = mo->tag;
  sourced_by_seq_.emplace(pdu.sequence_number, std::move(*mo));
  if (first && config_.on_mo_sent) config_.on_mo_sent(tag);
  Send(pdu);
  return true;
}

void SmscSimulator::PullMos() {
  Drain();
}

// The connection is gone: what it had in flight is sent again on the next, oldest first.
void SmscSimulator::RequeueInFlight() {
  mo_by_seq_.clear();
  for (auto& [seq, mo] : sourced_by_seq_) sourced_again_.push_back(std::move(mo));
  sourced_by_seq_.clear();
}

// On a new bind: every MO not acknowledged with ESME_ROK, in order.
void SmscSimulator::SendMos() {
  to_send_.clear();
  for (size_t i = 0; i < mos_.size(); ++i) {
    if (!mos_[i].acked() && (mos_[i].redeliver || mos_[i].deliveries == 0)) to_send_.push_back(i);
  }
  Drain();
}

void SmscSimulator::PushRaw(const std::vector<uint8_t>& bytes) {
  if (!conn_ || !conn_->socket.is_open()) return;
  conn_->pending.insert(conn_->pending.end(), bytes.begin(), bytes.end());
  conn_->Flush();
}

void SmscSimulator::DropConnection() {
  if (conn_) conn_->Close();
  RequeueInFlight();
}

void SmscSimulator::SendUnbind() {
  Pdu pdu;
  pdu.sequence_number = next_seq_++;
  pdu.body = Unbind{};
  Send(pdu);
}

// ---- USSD ---------------------------------------------------------------------------------

size_t SmscSimulator::DialUssd(const std::string& msisdn, const std::string& service,
                               const std::string& dial) {
  return DialUssd(msisdn, service, dial, config_.ussd_dialogue);
}

size_t SmscSimulator::DialUssd(const std::string& msisdn, const std::string& service,
                               const std::string& dial, conf::UssdDialogue mode) {
  UssdDialogue d;
  d.msisdn = msisdn;
  d.service = service;
  d.mode = mode;
  d.id = mode == conf::UssdDialogue::kItsSessionInfo ? next_session_++ : next_user_reference_++;
  ussd_dialogues_.push_back(std::move(d));
  const size_t index = ussd_dialogues_.size() - 1;
  PushUssd(index, ussd_op::kPssrIndication, dial, false);
  return index;
}

bool SmscSimulator::AnswerUssd(size_t dialogue, const std::string& text) {
  if (dialogue >= ussd_dialogues_.size() || ussd_dialogues_[dialogue].end != UssdEnd::kOpen) {
    return false;
  }
  PushUssd(dialogue, ussd_op::kUssrConfirm, text, false);
  return true;
}

bool SmscSimulator::AbortUssd(size_t dialogue) {
  if (dialogue >= ussd_dialogues_.size() || ussd_dialogues_[dialogue].end != UssdEnd::kOpen) {
    return false;
  }
  const bool its = ussd_dialogues_[dialogue].mode == conf::UssdDialogue::kItsSessionInfo;
  PushUssd(dialogue, its ? ussd_op::kUssrConfirm : ussd_op::kVendorRelease, "", true);
  ussd_dialogues_[dialogue].end = UssdEnd::kByNetwork;
  return true;
}

bool SmscSimulator::ResendUssd(size_t dialogue) {
  if (dialogue >= ussd_dialogues_.size() || ussd_dialogues_[dialogue].end != UssdEnd::kOpen ||
      ussd_dialogues_[dialogue].mos.empty()) {
    return false;
  }
  UssdDialogue& d = ussd_dialogues_[dialogue];
  const size_t index = PushMo(mos_[d.mos.back()].pdu);
  mos_[index].redeliver = false;
  ussd_by_mo_[index] = dialogue;
  d.mos.push_back(index);
  return true;
}

// The handset's string as the network passes it: GSM 7-bit unpacked, else UCS-2.
void SmscSimulator::PushUssd(size_t dialogue, uint8_t op, const std::string& text, bool end) {
  UssdDialogue& d = ussd_dialogues_[dialogue];
  DeliverSm mo;
  mo.service_type = "USSD";
  mo.source = {1, 1, d.msisdn};
  mo.destination = {0, 1, d.service};
  auto encoded = EncodeText(text);
  if (encoded.ok()) {
    mo.data_coding = encoded->data_coding;
    mo.short_message = std::move(encoded->octets);
  }
  mo.tlvs.ussd_service_op = op;
  if (d.mode == conf::UssdDialogue::kItsSessionInfo) {
    mo.tlvs.its_session_info =
        static_cast<uint16_t>(d.id << 8 | d.next_sequence << 1 | (end ? kItsSessionEnd : 0));
    // Units are numbered in turn: the screen answering this MO is the next one.
    d.next_sequence = (d.next_sequence + 2) & 0x7F;
  } else {
    mo.tlvs.user_message_reference = d.id;
  }
  const size_t index = PushMo(std::move(mo));
  mos_[index].redeliver = false;
  ussd_by_mo_[index] = dialogue;
  d.mos.push_back(index);
}

void SmscSimulator::UssdMoAnswered(size_t mo, uint32_t status) {
  auto it = ussd_by_mo_.find(mo);
  if (it == ussd_by_mo_.end() || status == 0) return;
  UssdDialogue& d = ussd_dialogues_[it->second];
  if (d.end == UssdEnd::kOpen) {
    d.end = UssdEnd::kRefused;
    d.refused_status = status;
    if (config_.on_ussd_refused) config_.on_ussd_refused(it->second, status);
  }
}

bool SmscSimulator::TakeUssdSubmit(uint32_t seq, const SubmitSm& sm) {
  std::string msisdn = sm.destination.value;
  if (!msisdn.empty() && msisdn.front() == '+') msisdn.erase(0, 1);
  for (size_t i = ussd_dialogues_.size(); i-- > 0;) {
    UssdDialogue& d = ussd_dialogues_[i];
    if (d.end != UssdEnd::kOpen || d.msisdn != msisdn) continue;
    const bool its = d.mode == conf::UssdDialogue::kItsSessionInfo;
    const auto& info = sm.tlvs.its_session_info;
    const auto& ref = sm.tlvs.user_message_reference;
    if (its ? (!info || (*info >> 8) != d.id) : (!ref || *ref != d.id)) continue;

    UssdScreen screen;
    const uint8_t op = *sm.tlvs.ussd_service_op;
    screen.op = op;
    screen.end = op == ussd_op::kPssrResponse || op == ussd_op::kPssdResponse ||
                 (its && (*info & kItsSessionEnd) != 0);
    if (its) screen.sequence = static_cast<uint8_t>((*info >> 1) & 0x7F);
    const std::vector<uint8_t>& octets =
        sm.tlvs.message_payload ? *sm.tlvs.message_payload : sm.short_message;
    auto text = DecodeText(sm.data_coding, octets);
    screen.text = text.ok() ? *text : "<undecodable>";
    d.screens.push_back(std::move(screen));
    if (d.screens.back().end) d.end = UssdEnd::kByGateway;
    AnswerSubmit(seq, sm, 0);
    if (config_.on_ussd_screen) config_.on_ussd_screen(i, d.screens.size() - 1);
    return true;
  }
  AnswerSubmit(seq, sm, ToWire(CommandStatus::kRSubmitFail));
  return false;
}

}  // namespace smsgw::smpp::testing
