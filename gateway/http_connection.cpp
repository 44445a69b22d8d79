// One pooled connection of HttpClient, plain or TLS: resolve, connect, handshake, then requests
// and answers until the server or the pool closes it. Requests are written as they come (up to
// the pool's pipeline depth) and answered in order. A deadline timer, armed for the earliest
// deadline of the requests on the connection, closes it when that deadline passes.
// See gateway/http_pool.h.
#include <poll.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <type_traits>

#include "gateway/http_pool.h"

namespace smsgw::gateway::http_internal {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

constexpr std::size_t kHeaderLimit = 16 * 1024;
constexpr std::size_t kReadSize = 16 * 1024;

enum class Phase { kResolve, kConnect, kHandshake, kWrite, kRead };

// The server closed or reset the connection: on a reused connection before any answer byte,
// this is the stale keep-alive case.
bool IsClosedByPeer(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted || ec == asio::ssl::error::stream_truncated;
}

HttpErrorCode Classify(const error_code& ec, Phase phase) {
  switch (phase) {
    case Phase::kResolve:
      return HttpErrorCode::kResolveFailed;
    case Phase::kConnect:
      return HttpErrorCode::kConnectFailed;
    case Phase::kHandshake:
      return HttpErrorCode::kTlsFailed;
    case Phase::kWrite:
    case Phase::kRead:
      break;
  }
  if (ec == http::error::body_limit) return HttpErrorCode::kResponseTooLarge;
  if (ec.category() == http::make_error_code(http::error::bad_version).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message) {
    return HttpErrorCode::kBadResponse;
  }
  return HttpErrorCode::kConnectionLost;
}

std::string_view PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kResolve:
      return "resolving";
    case Phase::kConnect:
      return "connecting to";
    case Phase::kHandshake:
      return "TLS handshake with";
    case Phase::kWrite:
      return "sending to";
    case Phase::kRead:
      return "reading the answer from";
  }
  return "talking to";
}

HttpOutcome ResponseOutcome(http::response<http::string_body>&& msg) {
  HttpOutcome out;
  HttpClientResponse r;
  r.status = static_cast<int>(msg.result_int());
  for (const auto& field : msg) {
    std::string name(field.name_string());
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    r.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  r.body = std::move(msg.body());
  if (!IsSuccessStatus(r.status)) {
    out.error.code = HttpErrorCode::kHttpStatus;
    out.error.temporary = IsTemporaryStatus(r.status);
    out.error.message = "HTTP " + std::to_string(r.status);
    if (r.status == 429 || r.status == 503) {
      std::string_view retry_after = r.Header("retry-after");
      if (!retry_after.empty()) {
        out.error.retry_after = ParseRetryAfter(retry_after, std::chrono::system_clock::now());
      }
    }
  }
  out.response = std::move(r);
  return out;
}

HttpOutcome FailureOutcome(const Op& op, HttpErrorCode code, std::string message) {
  HttpOutcome out = ErrorOutcome(code, std::move(message));
  out.reused_connection = op.on_reused;
  out.stale_retried = op.stale_retried;
  return out;
}

template <bool kTls>
class ConnectionImpl final : public Connection,
                             public std::enable_shared_from_this<ConnectionImpl<kTls>> {
  using Stream = std::conditional_t<kTls, beast::ssl_stream<tcp::socket>, tcp::socket>;

 public:
  explicit ConnectionImpl(std::shared_ptr<Pool> pool)
      : pool_(std::move(pool)),
        stream_(MakeStream(pool_->shared())),
        deadline_timer_(pool_->shared().strand),
        connect_timer_(pool_->shared().strand) {}

  void Run(OpPtr op) override {
    Watch(op->deadline);
    unsent_.push_back(std::move(op));
    if (state_ == State::kNew) {
      state_ = State::kConnecting;
      WatchConnect();
      return Resolve();
    }
    if (state_ == State::kReady) FlushSoon();
  }

  std::size_t load() const override { return unsent_.size() + sent_.size(); }
  bool accepting() const override { return state_ != State::kClosed; }

  bool StillUsable() override {
    if (state_ != State::kReady || buffer_.size() != 0) return false;
    pollfd p{Socket().native_handle(), POLLIN | POLLRDHUP, 0};
    return ::poll(&p, 1, 0) == 0;
  }

  void Close() override {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    deadline_timer_.cancel();
    connect_timer_.cancel();
    if (resolver_) resolver_->cancel();
    // close() alone: a shutdown() first could complete a pending read with end of stream
    // instead of operation_aborted.
    error_code ignored;
    Socket().close(ignored);
  }

 private:
  enum class State { kNew, kConnecting, kReady, kClosed };

  static Stream MakeStream(ClientShared& shared) {
    if constexpr (kTls) {
      return Stream(tcp::socket(shared.strand), *shared.tls);
    } else {
      return Stream(shared.strand);
    }
  }

  tcp::socket& Socket() {
    if constexpr (kTls) {
      return stream_.next_layer();
    } else {
      return stream_;
    }
  }

  std::shared_ptr<ConnectionImpl> Self() { return this->shared_from_this(); }

  // The deadline actor: armed for the earliest deadline on the connection. Re-armed only when
  // a request brings an earlier one, so steady traffic costs no timer updates.
  void Watch(Clock::time_point deadline) {
    if (timer_armed_ && deadline >= armed_for_) return;
    timer_armed_ = true;
    armed_for_ = deadline;
    deadline_timer_.expires_at(deadline);
    deadline_timer_.async_wait([self = Self()](error_code ec) {
      if (ec) return;  // re-armed or closed
      self->timer_armed_ = false;
      self->OnDeadline();
    });
  }

  void OnDeadline() {
    if (state_ == State::kClosed || load() == 0) return;
    Clock::time_point earliest = Clock::time_point::max();
    for (const auto& op : unsent_) earliest = std::min(earliest, op->deadline);
    for (const auto& op : sent_) earliest = std::min(earliest, op->deadline);
    if (earliest > Clock::now()) return Watch(earliest);
    // The pending I/O now completes with operation_aborted and Fail sorts the requests out.
    timed_out_ = true;
    Close();
  }

  // The connect actor: resolve, connect and TLS handshake must end within connect_timeout, so
  // a backend that does not accept connections fails fast instead of using up the request's
  // whole deadline.
  void WatchConnect() {
    auto timeout = pool_->shared().options.connect_timeout;
    if (timeout.count() <= 0) return;
    connect_timer_.expires_after(timeout);
    connect_timer_.async_wait([self = Self()](error_code ec) {
      if (ec || self->state_ != State::kConnecting) return;
      self->connect_timed_out_ = true;
      self->Close();
    });
  }

  void Resolve() {
    const auto& overrides = pool_->shared().options.host_overrides;
    auto it = overrides.find(pool_->origin().host);
    std::string host = it == overrides.end() ? pool_->origin().host : it->second;
    error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (!ec) return Connect({tcp::endpoint(address, pool_->origin().port)});
    resolver_.emplace(pool_->shared().strand);
    resolver_->async_resolve(
        host, std::to_string(pool_->origin().port),
        [self = Self()](error_code ec, const tcp::resolver::results_type& results) {
          if (ec) return self->Fail(ec, Phase::kResolve);
          std::vector<tcp::endpoint> endpoints;
          for (const auto& r : results) endpoints.push_back(r.endpoint());
          self->Connect(std::move(endpoints));
        });
  }

  void Connect(std::vector<tcp::endpoint> endpoints) {
    if (state_ == State::kClosed) return Fail(asio::error::operation_aborted, Phase::kConnect);
    asio::async_connect(Socket(), endpoints, [self = Self()](error_code ec, const tcp::endpoint&) {
      if (ec) return self->Fail(ec, Phase::kConnect);
      error_code ignored;
      self->Socket().set_option(tcp::no_delay(true), ignored);
      if constexpr (kTls) {
        self->Handshake();
      } else {
        self->Ready();
      }
    });
  }

  void Handshake() {
    if constexpr (kTls) {
      Status prepared = PrepareTlsHost(stream_.native_handle(), pool_->origin().host);
      if (!prepared.ok()) return Fail(asio::error::invalid_argument, Phase::kHandshake);
      stream_.async_handshake(asio::ssl::stream_base::client, [self = Self()](error_code ec) {
        if (ec) return self->Fail(ec, Phase::kHandshake);
        self->Ready();
      });
    }
  }

  void Ready() {
    state_ = State::kReady;
    connect_timer_.cancel();
    Flush();
  }

  // With pipelining, the write waits for the handlers already queued on the strand: requests
  // sent in one burst (say, by the callbacks of a batch of answers) then share one system
  // call. Without it there is nothing to share: write at once.
  void FlushSoon() {
    if (pool_->depth() <= 1) return Flush();
    if (flush_scheduled_ || writing_) return;
    flush_scheduled_ = true;
    asio::post(pool_->shared().strand, [self = Self()] {
      self->flush_scheduled_ = false;
      self->Flush();
    });
  }

  // Writes every request not yet written in one system call.
  void Flush() {
    if (writing_ || unsent_.empty() || state_ != State::kReady) return;
    write_buffers_.clear();
    writing_ops_.clear();
    while (!unsent_.empty()) {
      OpPtr op = std::move(unsent_.front());
      unsent_.pop_front();
      op->on_reused = answered_ > 0;
      if (op->on_reused) ++pool_->shared().reused;
      write_buffers_.push_back(asio::buffer(op->wire));
      writing_ops_.push_back(op);  // an early answer must not free bytes still being written
      sent_.push_back(std::move(op));
    }
    writing_ = true;
    asio::async_write(stream_, write_buffers_, [self = Self()](error_code ec, std::size_t) {
      self->writing_ = false;
      self->writing_ops_.clear();
      if (ec) return self->Fail(ec, Phase::kWrite);
      self->Flush();
    });
    if (!reading_) Read();
  }

  // Parses every answer already buffered (a pipelined batch often arrives in one read), then
  // reads more while answers are awaited. The parser is fed by hand, header first: Boost
  // 1.74's eager parsing (what http::async_read does) loses the body_limit error for a
  // Content-Length that arrives together with its body, and would then reserve whatever
  // length the server announced.
  void Read() {
    if (parsing_) return;  // called back from an answer's completion: the loop below goes on
    parsing_ = true;
    bool ok = ParseBuffered();
    parsing_ = false;
    if (!ok || sent_.empty() || reading_ || state_ == State::kClosed) return;
    reading_ = true;
    stream_.async_read_some(buffer_.prepare(kReadSize),
                            [self = Self()](error_code ec, std::size_t n) {
                              self->reading_ = false;
                              self->buffer_.commit(n);
                              if (ec) return self->OnReadError(ec);
                              self->Read();
                            });
  }

  // Completes the requests whose answers are complete in the buffer. False when the
  // connection is over.
  bool ParseBuffered() {
    while (!sent_.empty() && state_ != State::kClosed) {
      if (!parser_) {
        parser_.emplace();
        parser_->body_limit(pool_->shared().options.response_body_limit);
        parser_->header_limit(kHeaderLimit);
        if (sent_.front()->head) parser_->skip(true);
      }
      while (buffer_.size() > 0 && !parser_->is_done()) {
        error_code ec;
        buffer_.consume(parser_->put(buffer_.data(), ec));
        if (ec == http::error::need_more) break;
        if (ec) {
          Fail(ec, Phase::kRead);
          return false;
        }
      }
      if (!parser_->is_done()) return true;
      if (!OnAnswer()) return false;
    }
    return state_ != State::kClosed;
  }

  // End of stream completes an answer delimited by it; anything else fails the connection.
  void OnReadError(error_code ec) {
    if ((ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) && parser_ &&
        parser_->got_some()) {
      error_code eof_ec;
      parser_->put_eof(eof_ec);
      if (!eof_ec && parser_->is_done()) {
        if (OnAnswer()) Fail(http::error::end_of_stream, Phase::kRead);
        return;
      }
      return Fail(eof_ec ? eof_ec : error_code(http::error::partial_message), Phase::kRead);
    }
    Fail(ec == asio::error::eof ? error_code(http::error::end_of_stream) : ec, Phase::kRead);
  }

  // Completes the oldest request with the parsed answer. False when the connection is over.
  bool OnAnswer() {
    OpPtr op = std::move(sent_.front());
    sent_.pop_front();
    ++answered_;
    auto msg = parser_->release();
    parser_.reset();
    bool keep_alive = msg.keep_alive();
    HttpOutcome out = ResponseOutcome(std::move(msg));
    out.reused_connection = op->on_reused;
    out.stale_retried = op->stale_retried;
    if (!keep_alive) {
      // The server closes after this answer: what else is on the connection goes elsewhere.
      failed_ = true;
      Close();
      pool_->Lost(this);
      HandBack(http::error::end_of_stream);
    } else {
      pool_->Answered(Self());  // may add queued requests here
    }
    Finish(*op, std::move(out));
    return keep_alive;
  }

  void Fail(error_code ec, Phase phase) {
    if (failed_) return;  // a pending read and a pending write may both fail
    failed_ = true;
    if (connect_timed_out_) ec = asio::error::timed_out;
    std::string verify_error;
    if constexpr (kTls) {
      if (phase == Phase::kHandshake) verify_error = TlsVerifyError(stream_.native_handle());
    }
    Close();
    pool_->Lost(this);
    std::string message = std::string(PhaseName(phase)) + " " + pool_->origin().Origin() + ": " +
                          (verify_error.empty() ? ec.message() : verify_error);
    if (phase == Phase::kResolve || phase == Phase::kConnect || phase == Phase::kHandshake) {
      // Nothing was sent; the next connection would most likely fail the same way.
      for (auto& op : TakeAll()) FailOp(*op, Classify(ec, phase), message);
      return;
    }
    if (!sent_.empty()) {
      OpPtr front = std::move(sent_.front());
      sent_.pop_front();
      bool nothing_answered = !parser_ || !parser_->got_some();
      bool stale = front->on_reused && nothing_answered && IsClosedByPeer(ec) &&
                   front->repeatable && !front->stale_retried && !timed_out_ && !pool_->stopped();
      if (stale) {
        pool_->Resend(std::move(front));
      } else {
        FailOp(*front, Classify(ec, phase), message);
      }
    }
    HandBack(ec);
  }

  // Requests still on a connection that is gone: those written go out once more when safe to
  // repeat, those never written go back to the pool.
  void HandBack(error_code ec) {
    std::deque<OpPtr> sent, unsent;
    sent.swap(sent_);
    unsent.swap(unsent_);
    std::string message =
        "connection to " + pool_->origin().Origin() + " lost before the answer: " + ec.message();
    for (auto& op : sent) {
      if (op->repeatable && !op->stale_retried && !Expired(*op) && !pool_->stopped()) {
        pool_->Resend(std::move(op));
      } else {
        FailOp(*op, HttpErrorCode::kConnectionLost, message);
      }
    }
    for (auto& op : unsent) {
      if (!Expired(*op) && !pool_->stopped()) {
        pool_->Submit(std::move(op), /*admitted=*/true);
      } else {
        FailOp(*op, HttpErrorCode::kConnectionLost, message);
      }
    }
  }

  // The outcome of a request that got no answer here; the deadline and a stopped client take
  // precedence over what the socket reported.
  void FailOp(Op& op, HttpErrorCode code, const std::string& message) {
    if (pool_->stopped()) {
      return Finish(op, FailureOutcome(op, HttpErrorCode::kShutdown, "client stopped"));
    }
    if (Expired(op)) {
      ++pool_->shared().timeouts;
      return Finish(op, FailureOutcome(op, HttpErrorCode::kTimeout,
                                       "no answer from " + pool_->origin().Origin() +
                                           " within the request's deadline"));
    }
    Finish(op, FailureOutcome(op, code, message));
  }

  bool Expired(const Op& op) const { return timed_out_ && op.deadline <= Clock::now(); }

  std::deque<OpPtr> TakeAll() {
    std::deque<OpPtr> all;
    all.swap(sent_);
    for (auto& op : unsent_) all.push_back(std::move(op));
    unsent_.clear();
    return all;
  }

  std::shared_ptr<Pool> pool_;
  Stream stream_;
  asio::steady_timer deadline_timer_;
  asio::steady_timer connect_timer_;
  std::optional<tcp::resolver> resolver_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::deque<OpPtr> unsent_;  // given to Run, not yet written
  std::deque<OpPtr> sent_;    // written (or being written), answers awaited in this order
  std::vector<asio::const_buffer> write_buffers_;
  std::vector<OpPtr> writing_ops_;
  Clock::time_point armed_for_{};
  uint64_t answered_ = 0;
  State state_ = State::kNew;
  bool timer_armed_ = false;
  bool timed_out_ = false;
  bool connect_timed_out_ = false;
  bool writing_ = false;
  bool reading_ = false;
  bool failed_ = false;
  bool flush_scheduled_ = false;
  bool parsing_ = false;
};

}  // namespace

std::shared_ptr<Connection> MakeConnection(std::shared_ptr<Pool> pool) {
  if (pool->origin().tls()) return std::make_shared<ConnectionImpl<true>>(std::move(pool));
  return std::make_shared<ConnectionImpl<false>>(std::move(pool));
}

}  // namespace smsgw::gateway::http_internal
