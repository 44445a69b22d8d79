#include "tests/support/backend_sim.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "gateway/backend_wire.h"
#include "gateway/request_signing.h"
#include "store/crypto.h"
#include "tests/support/test_pki.h"

namespace smsgw::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using nlohmann::json;

namespace {

constexpr std::pair<SimFault, std::string_view> kFaultNames[] = {
    {SimFault::kNone, "none"},      {SimFault::kSlow, "slow"},
    {SimFault::kError500, "500"},   {SimFault::kError503, "503"},
    {SimFault::kTooMany429, "429"}, {SimFault::kBadRequest400, "400"},
    {SimFault::kReset, "reset"},    {SimFault::kResetAfterApply, "reset_after_apply"},
    {SimFault::kDrop, "drop"},      {SimFault::kBadSignature, "badsig"},
    {SimFault::kClose, "close"},    {SimFault::kHold, "hold"},
};

// What the connection does with a request.
struct Reply {
  enum class Action { kRespond, kReset, kDrop };
  Action action = Action::kRespond;
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  SimFault after = SimFault::kNone;  // slow, badsig, close or hold: how the answer goes out
  std::string key;                   // signed into the answer
  bool instruction = false;          // answers to /v1/instructions are signed
};

struct SimRequest {
  std::string method, target, path, query, key, signature, body;
};

std::string HeaderOf(const http::request<http::string_body>& msg, std::string_view name) {
  return std::string(msg[beast::string_view(name.data(), name.size())]);
}

Reply JsonReply(int status, const json& body) {
  Reply r;
  r.status = status;
  r.body = body.dump();
  return r;
}

Reply ErrorReply(int status, const std::string& code, const std::string& message) {
  Reply r;
  r.status = status;
  r.body = gateway::EncodeError({code, message});
  return r;
}

}  // namespace

std::optional<SimFault> ParseSimFault(std::string_view name) {
  for (const auto& [fault, n] : kFaultNames) {
    if (n == name) return fault;
  }
  return std::nullopt;
}

std::string_view SimFaultName(SimFault fault) {
  for (const auto& [f, n] : kFaultNames) {
    if (f == fault) return n;
  }
  return "none";
}

class SimConnectionBase {
 public:
  virtual ~SimConnectionBase() = default;
  virtual void Close() = 0;
};

class BackendSim::Impl {
 public:
  explicit Impl(BackendSimOptions options) : options_(std::move(options)), rng_(options_.seed) {}

  Status Start();
  void Stop();
  void Accept();
  Reply Handle(const SimRequest& req);
  // Signs an answer (or mis-signs it for kBadSignature) when a key is configured.
  void Sign(const SimRequest& req, Reply& reply) const;
  void Hold(std::function<void()> send);
  std::size_t ReleaseHeld();  // how many answers were released
  void Opened(SimConnectionBase* c);
  void Closed(SimConnectionBase* c);
  std::string StatsJson(bool with_keys) const;

  const BackendSimOptions options_;
  std::optional<gateway::RequestSigner> signer_;
  std::optional<gateway::SignatureVerifier> verifier_;
  std::shared_ptr<ssl::context> tls_;

  mutable std::mutex mu_;
  // Guarded by mu_ (read by the test's thread, written by the io thread).
  BackendSimStats stats_;
  std::map<std::string, std::deque<SimFault>> key_faults_;
  std::deque<SimFault> next_faults_;
  std::map<std::string, gateway::WireAnswer> scripted_answers_;
  struct Stored {
    store::Digest body_hash;
    // The answer as first given, compact (a load run keeps one per instruction, millions);
    // a replay, rare, reads it back and marks it replayed.
    std::string body;
  };
  // Ordered, not hashed: a load run keeps one entry per instruction, and rehashing millions
  // of them stalled every answer for a second or more.
  std::map<std::string, Stored> stored_;
  std::vector<std::function<void()>> held_;
  std::mt19937_64 rng_;
  uint64_t next_reference_ = 1;

  // io thread only. Declared last but one: destroyed first, while the state above still
  // exists for the connections its pending handlers own.
  std::set<SimConnectionBase*> connections_;
  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  std::thread thread_;
  bool started_ = false;

 private:
  Reply HandleInstruction(const SimRequest& req);
  Reply HandleFaults(const SimRequest& req);
  SimFault NextFault(const std::string& key);
};

namespace {

// One client connection. Requests are handled in arrival order as soon as they are read,
// including several pipelined ones already in the buffer; each answer takes a slot, and the
// slots are written in request order (an answer that waits, slow or held, keeps those behind
// it waiting, as HTTP/1.1 requires), as many as are ready in one write.
template <bool kTls>
class SimConnection final : public SimConnectionBase,
                            public std::enable_shared_from_this<SimConnection<kTls>> {
  using Stream = std::conditional_t<kTls, beast::ssl_stream<tcp::socket>, tcp::socket>;

  struct Slot {
    bool ready = false;
    bool close_after = false;
    std::string bytes;
  };

 public:
  SimConnection(tcp::socket socket, BackendSim::Impl* sim)
      : sim_(sim), stream_(MakeStream(std::move(socket), sim)) {}
  ~SimConnection() override { sim_->Closed(this); }

  void Start() {
    sim_->Opened(this);
    if constexpr (kTls) {
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->Close();
                                self->Pump();
                              });
    } else {
      Pump();
    }
  }

  void Close() override {
    closed_ = true;
    for (auto& t : timers_) t->cancel();
    beast::error_code ignored;
    Socket().close(ignored);
  }

 private:
  static Stream MakeStream(tcp::socket socket, BackendSim::Impl* sim) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *sim->tls_);
    } else {
      return socket;
    }
  }

  tcp::socket& Socket() {
    if constexpr (kTls) {
      return stream_.next_layer();
    } else {
      return stream_;
    }
  }

  // Handles every request already buffered, writes what is ready, then reads more.
  void Pump() {
    while (!closed_) {
      if (!parser_) {
        parser_.emplace();
        parser_->body_limit(1024 * 1024);
      }
      while (buffer_.size() > 0 && !parser_->is_done()) {
        beast::error_code ec;
        std::size_t n = parser_->put(buffer_.data(), ec);
        buffer_.consume(n);
        if (ec == http::error::need_more) break;
        if (ec) return Close();
      }
      if (!parser_->is_done()) break;
      auto msg = parser_->release();
      parser_.reset();
      OnRequest(std::move(msg));
    }
    Flush();
    if (closed_ || reading_) return;
    reading_ = true;
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       self->reading_ = false;
                       if (ec) return self->Close();
                       self->Pump();
                     });
  }

  void OnRequest(http::request<http::string_body> msg) {
    SimRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    auto q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos) req.query = req.target.substr(q + 1);
    req.key = HeaderOf(msg, gateway::kIdempotencyKeyHeader);
    req.signature = HeaderOf(msg, gateway::kSignatureHeader);
    req.body = std::move(msg.body());
    bool keep_alive = msg.keep_alive();

    Reply reply = sim_->Handle(req);
    if (reply.action == Reply::Action::kReset) return Reset();
    if (reply.action == Reply::Action::kDrop) return Close();
    sim_->Sign(req, reply);
    auto slot = std::make_shared<Slot>();
    slot->close_after = reply.after == SimFault::kClose || !keep_alive;
    slots_.push_back(slot);
    auto self = this->shared_from_this();
    auto fill = [self, slot, keep_alive](Reply r) {
      slot->bytes = Serialize(r, keep_alive);
      slot->ready = true;
      self->Flush();
    };
    if (reply.after == SimFault::kSlow) {
      auto timer = std::make_shared<asio::steady_timer>(sim_->io_, sim_->options_.slow_delay);
      timers_.push_back(timer);
      timer->async_wait([fill, reply, timer](beast::error_code ec) mutable {
        if (!ec) fill(std::move(reply));
      });
    } else if (reply.after == SimFault::kHold) {
      sim_->Hold([fill, reply]() mutable { fill(std::move(reply)); });
    } else {
      slot->bytes = Serialize(reply, keep_alive);
      slot->ready = true;
    }
  }

  static std::string Serialize(const Reply& r, bool keep_alive) {
    std::string out =
        "HTTP/1.1 " + std::to_string(r.status) + " " +
        std::string(http::obsolete_reason(static_cast<http::status>(r.status))) +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(r.body.size()) +
        "\r\n";
    for (const auto& [k, v] : r.headers) out += k + ": " + v + "\r\n";
    if (!keep_alive) out += "Connection: close\r\n";
    return out + "\r\n" + r.body;
  }

  void Flush() {
    if (writing_ || closed_) return;
    out_.clear();
    bool close_after = false;
    while (!slots_.empty() && slots_.front()->ready && !close_after) {
      out_ += slots_.front()->bytes;
      close_after = slots_.front()->close_after;
      slots_.pop_front();
    }
    if (out_.empty()) return;
    writing_ = true;
    asio::async_write(
        stream_, asio::buffer(out_),
        [self = this->shared_from_this(), close_after](beast::error_code ec, std::size_t) {
          self->writing_ = false;
          if (ec || close_after) return self->Close();
          self->Flush();
        });
  }

  void Reset() {
    beast::error_code ignored;
    Socket().set_option(asio::socket_base::linger(true, 0), ignored);
    Close();
  }

  BackendSim::Impl* sim_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<std::shared_ptr<Slot>> slots_;
  std::vector<std::shared_ptr<asio::steady_timer>> timers_;
  std::string out_;
  bool reading_ = false;
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace

Status BackendSim::Impl::Start() {
  if (!options_.key.empty()) {
    auto key = store::Key::FromBytes(options_.key);
    if (!key.ok()) return key.status();
    signer_.emplace(gateway::RequestSigner::FromKey(*key));
    verifier_.emplace(options_.max_skew);
    verifier_->AddKey(*key);
  }
  if (!options_.tls_cert_file.empty()) {
    auto tls = MakeTlsServerContext(options_.tls_cert_file, options_.tls_key_file);
    if (!tls.ok()) return Status::InvalidArgument("backend_sim " + tls.status().message());
    tls_ = std::move(*tls);
  }
  beast::error_code ec;
  tcp::endpoint ep(asio::ip::make_address(options_.address, ec), options_.port);
  if (ec) return Status::InvalidArgument("backend_sim address " + options_.address);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::Unavailable("backend_sim cannot listen: " + ec.message());
  Accept();
  started_ = true;
  thread_ = std::thread([this] { io_.run(); });
  return Status::OK();
}

void BackendSim::Impl::Accept() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      if (tls_) {
        std::make_shared<SimConnection<true>>(std::move(socket), this)->Start();
      } else {
        std::make_shared<SimConnection<false>>(std::move(socket), this)->Start();
      }
    }
    Accept();
  });
}

void BackendSim::Impl::Stop() {
  if (!started_) return;
  started_ = false;
  asio::post(io_, [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
    for (SimConnectionBase* c : std::set<SimConnectionBase*>(connections_)) c->Close();
    std::vector<std::function<void()>> held;  // destroyed unlocked: they own connections
    {
      std::lock_guard lock(mu_);
      held.swap(held_);
    }
    held.clear();
    io_.stop();
  });
  thread_.join();
}

void BackendSim::Impl::Opened(SimConnectionBase* c) {
  connections_.insert(c);
  std::lock_guard lock(mu_);
  ++stats_.connections;
  ++stats_.open_connections;
  stats_.peak_open_connections = std::max(stats_.peak_open_connections, stats_.open_connections);
}

void BackendSim::Impl::Closed(SimConnectionBase* c) {
  connections_.erase(c);
  std::lock_guard lock(mu_);
  --stats_.open_connections;
}

Reply BackendSim::Impl::Handle(const SimRequest& req) {
  {
    std::lock_guard lock(mu_);
    ++stats_.requests;
  }
  if (req.path == "/v1/instructions" && req.method == "POST") {
    std::lock_guard lock(mu_);
    return HandleInstruction(req);
  }
  if (req.path == "/stats" && req.method == "GET") {
    Reply r;
    r.body = StatsJson(req.query.find("keys=1") != std::string::npos);
    return r;
  }
  if (req.path == "/sim/faults" && req.method == "POST") {
    std::lock_guard lock(mu_);
    return HandleFaults(req);
  }
  if (req.path == "/sim/release" && req.method == "POST") {
    return JsonReply(200, {{"released", ReleaseHeld()}});
  }
  return ErrorReply(404, "not_found", "no such endpoint");
}

Reply BackendSim::Impl::HandleFaults(const SimRequest& req) {
  json j = json::parse(req.body, nullptr, false);
  if (!j.is_object() || !j.contains("faults") || !j["faults"].is_array()) {
    return ErrorReply(400, "bad_request", "expected {\"key\"?: string, \"faults\": [names]}");
  }
  std::deque<SimFault> faults;
  for (const auto& f : j["faults"]) {
    auto fault = f.is_string() ? ParseSimFault(f.get<std::string>()) : std::nullopt;
    if (!fault) return ErrorReply(400, "bad_request", "unknown fault " + f.dump());
    faults.push_back(*fault);
  }
  auto& target = j.contains("key") && j["key"].is_string()
                     ? key_faults_[j["key"].get<std::string>()]
                     : next_faults_;
  target.insert(target.end(), faults.begin(), faults.end());
  return JsonReply(200, {{"scripted", faults.size()}});
}

SimFault BackendSim::Impl::NextFault(const std::string& key) {
  auto it = key_faults_.find(key);
  if (it != key_faults_.end() && !it->second.empty()) {
    SimFault f = it->second.front();
    it->second.pop_front();
    return f;
  }
  if (!next_faults_.empty()) {
    SimFault f = next_faults_.front();
    next_faults_.pop_front();
    return f;
  }
  if (options_.fail_rate > 0 &&
      std::uniform_real_distribution<double>(0, 1)(rng_) < options_.fail_rate) {
    return options_.fail_mode;
  }
  return SimFault::kNone;
}

Reply BackendSim::Impl::HandleInstruction(const SimRequest& req) {
  ++stats_.instructions;
  if (verifier_) {
    int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    gateway::SignedParts parts{req.method, req.target, 0, req.key, req.body};
    gateway::SignatureCheck check = verifier_->Verify(req.signature, parts, now);
    if (check != gateway::SignatureCheck::kValid) {
      ++stats_.auth_failures;
      Reply r = ErrorReply(401, std::string(gateway::SignatureCheckName(check)),
                           "request signature refused");
      r.instruction = true;
      r.key = req.key;
      return r;
    }
  }
  Reply reply = [&]() -> Reply {
    if (!req.key.empty()) ++stats_.attempts[req.key];
    SimFault fault = NextFault(req.key);
    if (fault != SimFault::kNone) ++stats_.faults;
    Reply r;
    switch (fault) {
      case SimFault::kError500:
        return ErrorReply(500, "internal", "simulated failure");
      case SimFault::kError503:
      case SimFault::kTooMany429:
        r = ErrorReply(fault == SimFault::kError503 ? 503 : 429, "unavailable", "try later");
        r.headers.emplace_back("Retry-After", "1");
        return r;
      case SimFault::kBadRequest400:
        return ErrorReply(400, "bad_request", "simulated permanent refusal");
      case SimFault::kReset:
        r.action = Reply::Action::kReset;
        return r;
      case SimFault::kDrop:
        r.action = Reply::Action::kDrop;
        return r;
      default:
        break;
    }
    if (req.key.empty()) {
      return ErrorReply(400, "missing_idempotency_key", "Idempotency-Key header is required");
    }
    auto in = gateway::DecodeInstruction(req.body);
    if (!in.ok()) return ErrorReply(400, "bad_request", in.status().message());
    if (in->id != req.key) {
      return ErrorReply(400, "idempotency_key_mismatch", "Idempotency-Key must equal the id");
    }
    store::Digest hash = store::Sha256(req.body);
    auto stored = stored_.find(req.key);
    if (stored != stored_.end()) {
      if (stored->second.body_hash != hash) {
        ++stats_.conflicts;
        return ErrorReply(422, "idempotency_conflict",
                          "this Idempotency-Key was used with another request body");
      }
      ++stats_.replayed;
      auto answer = gateway::DecodeAnswer(stored->second.body);
      if (!answer.ok()) return ErrorReply(500, "internal", "stored answer unreadable");
      answer->replayed = true;
      r.body = gateway::EncodeAnswer(*answer);
    } else {
      gateway::WireAnswer answer;
      auto reject = in->fields.find("reject");
      auto scripted = scripted_answers_.find(req.key);
      if (scripted != scripted_answers_.end()) {
        answer = std::move(scripted->second);
        scripted_answers_.erase(scripted);
      } else if (reject != in->fields.end() && reject->is_string()) {
        answer.reason = reject->get<std::string>();
      } else {
        answer.accepted = true;
        answer.result = {{"transaction_code", "SIM" + std::to_string(next_reference_++)},
                         {"operation", in->operation}};
      }
      r.body = gateway::EncodeAnswer(answer);
      stored_.emplace(req.key, Stored{hash, r.body});
      ++stats_.applied;
      ++stats_.applications[req.key];
    }
    if (fault == SimFault::kResetAfterApply) r.action = Reply::Action::kReset;
    r.after = fault;
    return r;
  }();
  reply.instruction = true;
  reply.key = req.key;
  return reply;
}

void BackendSim::Impl::Sign(const SimRequest& req, Reply& reply) const {
  if (!signer_ || !reply.instruction) return;
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  gateway::SignedParts parts{req.method, req.target, reply.status, reply.key, reply.body};
  std::string header = signer_->Sign(parts, now);
  if (reply.after == SimFault::kBadSignature) {
    char& last = header.back();
    last = last == '0' ? '1' : '0';
  }
  reply.headers.emplace_back(std::string(gateway::kSignatureHeader), std::move(header));
}

void BackendSim::Impl::Hold(std::function<void()> send) {
  std::lock_guard lock(mu_);
  held_.push_back(std::move(send));
  stats_.held = held_.size();
}

std::size_t BackendSim::Impl::ReleaseHeld() {
  std::vector<std::function<void()>> held;
  {
    std::lock_guard lock(mu_);
    held.swap(held_);
    stats_.held = 0;
  }
  for (auto& send : held) asio::post(io_, std::move(send));
  return held.size();
}

std::string BackendSim::Impl::StatsJson(bool with_keys) const {
  std::lock_guard lock(mu_);
  const BackendSimStats& s = stats_;
  json j = {{"connections", s.connections},
            {"open_connections", s.open_connections},
            {"peak_open_connections", s.peak_open_connections},
            {"requests", s.requests},
            {"instructions", s.instructions},
            {"applied", s.applied},
            {"replayed", s.replayed},
            {"conflicts", s.conflicts},
            {"auth_failures", s.auth_failures},
            {"faults", s.faults},
            {"held", s.held}};
  int max_applications = 0;
  for (const auto& [key, n] : s.applications) max_applications = std::max(max_applications, n);
  j["max_applications_per_key"] = max_applications;
  if (with_keys) {
    j["applications"] = s.applications;
    j["attempts"] = s.attempts;
  }
  return j.dump();
}

BackendSim::BackendSim(BackendSimOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

BackendSim::~BackendSim() {
  Stop();
}

Status BackendSim::Start() {
  return impl_->Start();
}

uint16_t BackendSim::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor_.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void BackendSim::Stop() {
  impl_->Stop();
}

void BackendSim::ScriptFaults(const std::string& key, std::vector<SimFault> faults) {
  std::lock_guard lock(impl_->mu_);
  auto& q = impl_->key_faults_[key];
  q.insert(q.end(), faults.begin(), faults.end());
}

void BackendSim::ScriptNext(std::vector<SimFault> faults) {
  std::lock_guard lock(impl_->mu_);
  impl_->next_faults_.insert(impl_->next_faults_.end(), faults.begin(), faults.end());
}

void BackendSim::ScriptAnswer(const std::string& key, gateway::WireAnswer answer) {
  std::lock_guard lock(impl_->mu_);
  impl_->scripted_answers_[key] = std::move(answer);
}

void BackendSim::ReleaseHeld() {
  impl_->ReleaseHeld();
}

BackendSimStats BackendSim::stats() const {
  std::lock_guard lock(impl_->mu_);
  return impl_->stats_;
}

std::string BackendSim::StatsJson(bool with_keys) const {
  return impl_->StatsJson(with_keys);
}

}  // namespace smsgw::test
