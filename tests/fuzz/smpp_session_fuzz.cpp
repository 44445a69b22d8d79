// Fuzzes the ESME session's state machine (gateway/smpp/session.h): an EsmeSession on an
// io_context, bound over loopback TCP to a scripted SMSC that the input drives. The session is
// used unchanged; its timers are set to an hour so nothing depends on time passing, and the
// io_context is only polled (a bounded number of handlers per step), never run.
//
// Input: a sequence of one-byte operations, each followed by the bytes it reads:
//   SMSC side   answer an outstanding request of ours (bind_resp, submit_sm_resp, ...) with a
//               chosen status; a response to no request; deliver_sm / data_sm / enquire_link /
//               unbind requests; raw bytes (any framing, valid or not); drop the connection
//   our side    Submit() an MT; the sink acknowledges its oldest batch (any statuses); Stop()
// Properties checked, a trap when one fails:
//   - persist, then acknowledge: a deliver_sm_resp / data_sm_resp with ESME_ROK goes out only
//     for an MO the sink acknowledged with ESME_ROK;
//   - every Submit() that was taken gets exactly one final callback, at the latest when the
//     session has stopped, and Stop()'s completion runs;
//   - after the stop nothing is queued or outstanding.
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "gateway/smpp/decode.h"
#include "gateway/smpp/encode.h"
#include "gateway/smpp/framer.h"
#include "gateway/smpp/session.h"

namespace smsgw::smpp {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr size_t kMaxOps = 256;
constexpr size_t kMaxHandlersPerStep = 512;
constexpr Millis kNever{3600 * 1000};

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint32_t U32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | Byte();
    return v;
  }
  // Up to `max` bytes, the count read first.
  std::vector<uint8_t> Bytes(size_t max) {
    size_t n = std::min<size_t>(Byte(), max);
    n = std::min(n, size_ - std::min(pos_, size_));
    std::vector<uint8_t> out(data_ + pos_, data_ + pos_ + n);
    pos_ += n;
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// Statuses an SMSC answers with, and one the input picks outright.
uint32_t PickStatus(Input& in) {
  static constexpr uint32_t kStatuses[] = {0x00, 0x00, 0x00, 0x08, 0x0B, 0x0D, 0x0E,
                                           0x14, 0x45, 0x58, 0x64, 0x03, 0x04};
  const uint8_t b = in.Byte();
  if (b == 0xFF) return in.U32();
  return kStatuses[b % std::size(kStatuses)];
}

// Holds the session's MO batches until the input acknowledges them; remembers which MOs
// (by sequence number) it acknowledged with ESME_ROK.
class HoldingSink : public MoSink {
 public:
  void Deliver(std::vector<InboundMo> batch, Ack ack) override {
    std::vector<uint32_t> seqs;
    for (const InboundMo& mo : batch) seqs.push_back(mo.pdu.sequence_number);
    held_.push_back({std::move(seqs), std::move(ack)});
  }
  // Acknowledges the oldest batch; statuses from the input (sometimes fewer than MOs).
  void AckOldest(Input& in) {
    if (held_.empty()) return;
    Held h = std::move(held_.front());
    held_.erase(held_.begin());
    const size_t n = (in.Byte() % 8 == 0) ? h.seqs.size() / 2 : h.seqs.size();
    std::vector<uint32_t> statuses;
    for (size_t i = 0; i < n; ++i) statuses.push_back(PickStatus(in));
    Ack(h, statuses);
  }
  void AckAll() {
    while (!held_.empty()) {
      Held h = std::move(held_.front());
      held_.erase(held_.begin());
      Ack(h, std::vector<uint32_t>(h.seqs.size(), 0));
    }
  }
  // Consumes one ESME_ROK acknowledgement for `seq`; false when there is none.
  bool TakeOk(uint32_t seq) {
    auto it = ok_.find(seq);
    if (it == ok_.end() || it->second == 0) return false;
    --it->second;
    return true;
  }

 private:
  struct Held {
    std::vector<uint32_t> seqs;
    MoSink::Ack ack;
  };
  void Ack(Held& h, const std::vector<uint32_t>& statuses) {
    for (size_t i = 0; i < h.seqs.size() && i < statuses.size(); ++i) {
      if (statuses[i] == 0) ++ok_[h.seqs[i]];
    }
    h.ack(statuses);
  }

  std::vector<Held> held_;
  std::map<uint32_t, int> ok_;
};

// The SMSC end of the loopback connection, in blocking mode for writes and non-blocking reads.
class ScriptedSmsc {
 public:
  explicit ScriptedSmsc(tcp::socket socket) : socket_(std::move(socket)) {
    boost::system::error_code ignored;
    socket_.non_blocking(true, ignored);
  }
  ~ScriptedSmsc() { Drop(); }

  void Send(const std::vector<uint8_t>& bytes) {
    if (!socket_.is_open() || bytes.empty()) return;
    boost::system::error_code ec;
    size_t done = 0;
    while (done < bytes.size() && !ec) {
      done += socket_.write_some(asio::buffer(bytes.data() + done, bytes.size() - done), ec);
      if (ec == asio::error::would_block) ec = {};
    }
    if (ec) Drop();
  }
  void Send(const Pdu& pdu) {
    std::vector<uint8_t> bytes;
    if (Encode(pdu, &bytes).ok()) Send(bytes);
  }

  // Reads what the session wrote and checks it; remembers the requests it sent.
  void Receive(HoldingSink& sink) {
    if (!socket_.is_open()) return;
    uint8_t buf[4096];
    for (;;) {
      boost::system::error_code ec;
      const size_t n = socket_.read_some(asio::buffer(buf), ec);
      if (ec) {
        if (ec != asio::error::would_block) Drop();
        break;
      }
      framer_.Feed(std::span<const uint8_t>(buf, n));
    }
    for (Frame f = framer_.Next(); f.status == FrameStatus::kFrame; f = framer_.Next()) {
      DecodeResult r = Decode(f.frame);
      Check(r.ok());  // the session sends only PDUs its own validator accepts
      const Pdu& pdu = *r.pdu;
      const uint32_t id = pdu.command_id();
      if (!IsResponse(id)) {
        requests_.push_back({id, pdu.sequence_number});
      } else if ((std::holds_alternative<DeliverSmResp>(pdu.body) ||
                  std::holds_alternative<DataSmResp>(pdu.body)) &&
                 pdu.command_status == 0) {
        Check(sink.TakeOk(pdu.sequence_number));
      }
    }
  }

  // Answers one of the requests the session sent (input's choice) and forgets it.
  void Answer(Input& in) {
    if (requests_.empty()) return;
    const size_t i = in.Byte() % requests_.size();
    const auto [id, seq] = requests_[i];
    requests_.erase(requests_.begin() + static_cast<std::ptrdiff_t>(i));
    const uint32_t status = PickStatus(in);
    Pdu resp = MakeResponse(id, seq, status);
    if (status == 0) {
      if (auto* s = std::get_if<SubmitSmResp>(&resp.body))
        s->message_id = "m" + std::to_string(seq);
      if (auto* b = std::get_if<BindResponse>(&resp.body)) b->system_id = "smsc";
    }
    if (in.Byte() % 16 == 0) resp = Pdu{status, seq, GenericNack{}};
    Send(resp);
  }

  // Resets the connection (no TIME_WAIT left behind).
  void Drop() {
    if (!socket_.is_open()) return;
    boost::system::error_code ignored;
    socket_.set_option(asio::socket_base::linger(true, 0), ignored);
    socket_.close(ignored);
  }

 private:
  tcp::socket socket_;
  Framer framer_;
  std::vector<std::pair<uint32_t, uint32_t>> requests_;  // command_id, sequence number
};

ShortMessagePdu Message(Input& in, bool mo) {
  ShortMessagePdu sm;
  sm.source = {1, 1, mo ? "254700000001" : "123"};
  sm.destination = {1, 1, mo ? "123" : "254700000001"};
  static constexpr uint8_t kEsm[] = {0x00, 0x04, 0x40, 0x00};
  static constexpr uint8_t kDcs[] = {0x00, 0x08, 0x03, 0x04, 0x00};
  const uint8_t b = in.Byte();
  sm.esm_class = kEsm[b % std::size(kEsm)];
  sm.data_coding = kDcs[(b >> 2) % std::size(kDcs)];
  sm.short_message = in.Bytes(kMaxShortMessage);
  return sm;
}

struct Run {
  explicit Run(asio::io_context& context) : io(context) {}
  ~Run() {
    // Nothing of this input is left for the next one: the session and the handlers holding it.
    session.reset();
    io.restart();
    for (size_t i = 0; i < kMaxHandlersPerStep && io.poll_one() > 0; ++i) {
    }
  }

  asio::io_context& io;
  HoldingSink sink;
  std::shared_ptr<EsmeSession> session;
  std::unique_ptr<ScriptedSmsc> smsc;
  std::vector<std::shared_ptr<int>> callbacks;  // per taken Submit(): how often it completed

  void Step() {
    io.restart();
    for (size_t i = 0; i < kMaxHandlersPerStep && io.poll_one() > 0; ++i) {
    }
    smsc->Receive(sink);
  }

  void Submit(Input& in) {
    SubmitSm sm;
    static_cast<ShortMessagePdu&>(sm) = Message(in, false);
    sm.esm_class &= static_cast<uint8_t>(~kEsmMessageTypeMask);
    auto count = std::make_shared<int>(0);
    if (session->Submit(std::move(sm), [count](const SubmitResult&) { ++*count; }).ok()) {
      callbacks.push_back(count);
    }
  }

  void Operate(uint8_t op, Input& in) {
    const uint32_t seq = in.Byte() + 1;
    switch (op % 12) {
      case 0:
      case 1:
        return smsc->Answer(in);
      case 2: {
        DeliverSm d;
        static_cast<ShortMessagePdu&>(d) = Message(in, true);
        return smsc->Send(Pdu{0, seq, d});
      }
      case 3: {
        DataSm d;
        d.source = {1, 1, "254700000001"};
        d.destination = {1, 1, "123"};
        d.tlvs.message_payload = in.Bytes(255);
        return smsc->Send(Pdu{0, seq, d});
      }
      case 4:
        return smsc->Send(Pdu{0, seq, EnquireLink{}});
      case 5:
        return smsc->Send(Pdu{0, seq, Unbind{}});
      case 6:
        return smsc->Send(in.Bytes(255));
      case 7:
        return smsc->Send(MakeResponse(ToWire(CommandId::kSubmitSm), in.U32(), PickStatus(in)));
      case 8:
        return Submit(in);
      case 9:
        return sink.AckOldest(in);
      case 10:
        return session->Stop();
      default:
        return smsc->Drop();
    }
  }
};

SessionConfig Config(uint16_t port) {
  SessionConfig c;
  c.name = "fuzz";
  c.port = port;
  c.system_id = "smsgw";
  c.password = "secret";
  c.window = 3;
  c.max_queued_submits = 8;
  c.max_unacked_mos = 4;
  c.enquire_link_interval = kNever;
  c.response_timeout = kNever;
  c.throttle_pause = kNever;
  c.max_throttle_pause = kNever;
  c.throttled_resend_delay = kNever;
  c.reconnect_min = kNever;
  c.reconnect_max = kNever;
  c.refused_bind_backoff = kNever;
  c.stop_timeout = kNever;
  c.max_command_length = 4096;
  return c;
}

}  // namespace
}  // namespace smsgw::smpp

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace smsgw::smpp;
  // One io_context for all inputs: a new one per input would start a new resolver thread
  // each time, which costs more than the rest of the run. Each Run drains it when done.
  static asio::io_context io;
  static tcp::acceptor acceptor = [] {
    signal(SIGPIPE, SIG_IGN);
    return tcp::acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  }();

  Input in(data, size);
  Run run(io);
  run.session = EsmeSession::Create(run.io, Config(acceptor.local_endpoint().port()), run.sink);
  run.session->Start();
  io.restart();
  // Resolve and connect: the only waits, both on loopback and bounded in count.
  for (int i = 0; i < 8 && run.session->state() == SessionState::kConnecting; ++i) {
    run.io.run_one();
  }
  Check(run.session->state() == SessionState::kBinding);
  tcp::socket server(io);
  acceptor.accept(server);
  run.smsc = std::make_unique<ScriptedSmsc>(std::move(server));
  run.Step();

  for (size_t ops = 0; ops < kMaxOps && !in.empty(); ++ops) {
    run.Operate(in.Byte(), in);
    run.Step();
  }

  // The end: the sink answers everything, the SMSC goes away, the session stops.
  run.sink.AckAll();
  run.Step();
  run.smsc->Drop();
  run.Step();
  bool stopped = false;
  run.session->Stop([&stopped] { stopped = true; });
  run.Step();
  Check(stopped);
  Check(run.session->state() == SessionState::kStopped);
  Check(run.session->queued_submits() == 0 && run.session->outstanding() == 0);
  for (const auto& count : run.callbacks) Check(*count == 1);
  return 0;
}
