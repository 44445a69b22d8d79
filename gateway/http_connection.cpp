// One pooled connection of HttpClient, plain or TLS: resolve, connect, handshake, then
// request/answer exchanges until the server or the pool closes it. See gateway/http_pool.h.
#include <poll.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core.hpp>
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

constexpr std::size_t kHeaderLimit = 16 * 1024;

enum class Phase { kResolve, kConnect, kHandshake, kWrite, kRead };

// The server closed or reset the connection: on a reused connection before any answer byte,
// this is the stale keep-alive case.
bool IsClosedByPeer(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted || ec == asio::ssl::error::stream_truncated;
}

HttpErrorCode Classify(const beast::error_code& ec, Phase phase) {
  if (ec == beast::error::timeout) return HttpErrorCode::kTimeout;
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
  if (IsClosedByPeer(ec) || ec == http::error::partial_message) {
    return HttpErrorCode::kConnectionLost;
  }
  if (ec.category() == http::make_error_code(http::error::bad_version).category()) {
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

template <bool kTls>
class ConnectionImpl final : public Connection,
                             public std::enable_shared_from_this<ConnectionImpl<kTls>> {
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

 public:
  explicit ConnectionImpl(std::shared_ptr<Pool> pool)
      : pool_(std::move(pool)), stream_(MakeStream(pool_->shared())) {}

  void Run(OpPtr op) override {
    op_ = std::move(op);
    op_reused_ = connected_;
    if (!connected_) return Resolve();
    ++pool_->shared().reused;
    Write();
  }

  bool StillUsable() override {
    if (closed_ || buffer_.size() != 0) return false;
    pollfd p{Tcp().socket().native_handle(), POLLIN | POLLRDHUP, 0};
    return ::poll(&p, 1, 0) == 0;
  }

  void Close() override {
    if (closed_) return;
    closed_ = true;
    if (resolver_) resolver_->cancel();
    if (resolve_timer_) resolve_timer_->cancel();
    // close() alone: a shutdown() first could complete a pending read with end of stream
    // instead of operation_aborted.
    Tcp().close();
  }

 private:
  static Stream MakeStream(ClientShared& shared) {
    if constexpr (kTls) {
      return Stream(shared.strand, *shared.tls);
    } else {
      return Stream(shared.strand);
    }
  }

  beast::tcp_stream& Tcp() {
    if constexpr (kTls) {
      return stream_.next_layer();
    } else {
      return stream_;
    }
  }

  std::shared_ptr<ConnectionImpl> Self() { return this->shared_from_this(); }

  void Resolve() {
    const auto& overrides = pool_->shared().options.host_overrides;
    auto it = overrides.find(pool_->origin().host);
    std::string host = it == overrides.end() ? pool_->origin().host : it->second;
    beast::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (!ec) return Connect({tcp::endpoint(address, pool_->origin().port)});

    // The resolver has no deadline of its own: a timer cancels it.
    resolver_.emplace(pool_->shared().strand);
    resolve_timer_.emplace(pool_->shared().strand);
    resolve_timer_->expires_at(op_->deadline);
    resolve_timer_->async_wait([self = Self()](beast::error_code ec) {
      if (ec || !self->resolver_) return;
      self->resolve_timed_out_ = true;
      self->resolver_->cancel();
    });
    resolver_->async_resolve(
        host, std::to_string(pool_->origin().port),
        [self = Self()](beast::error_code ec, const tcp::resolver::results_type& results) {
          self->resolve_timer_->cancel();
          if (self->resolve_timed_out_) ec = beast::error::timeout;
          if (ec) return self->Fail(ec, Phase::kResolve);
          std::vector<tcp::endpoint> endpoints;
          for (const auto& r : results) endpoints.push_back(r.endpoint());
          self->Connect(std::move(endpoints));
        });
  }

  void Connect(std::vector<tcp::endpoint> endpoints) {
    Tcp().expires_at(op_->deadline);
    Tcp().async_connect(endpoints, [self = Self()](beast::error_code ec, const tcp::endpoint&) {
      if (ec) return self->Fail(ec, Phase::kConnect);
      beast::error_code ignored;
      self->Tcp().socket().set_option(tcp::no_delay(true), ignored);
      self->connected_ = true;
      if constexpr (kTls) {
        self->Handshake();
      } else {
        self->Write();
      }
    });
  }

  void Handshake() {
    if constexpr (kTls) {
      Status prepared = PrepareTlsHost(stream_.native_handle(), pool_->origin().host);
      if (!prepared.ok()) return Fail(asio::error::invalid_argument, Phase::kHandshake);
      stream_.async_handshake(asio::ssl::stream_base::client,
                              [self = Self()](beast::error_code ec) {
                                if (ec) return self->Fail(ec, Phase::kHandshake);
                                self->Write();
                              });
    }
  }

  void Write() {
    parser_.emplace();
    parser_->body_limit(pool_->shared().options.response_body_limit);
    parser_->header_limit(kHeaderLimit);
    Tcp().expires_at(op_->deadline);
    http::async_write(stream_, op_->request, [self = Self()](beast::error_code ec, std::size_t) {
      if (ec) return self->Fail(ec, Phase::kWrite);
      self->ReadHeader();
    });
  }

  // The header is read on its own first: Boost 1.74's eager parsing (what async_read does)
  // loses the body_limit error for a Content-Length that arrives together with its body, and
  // would then reserve whatever length the server announced. Header-only parsing reports it.
  void ReadHeader() {
    http::async_read_header(
        stream_, buffer_, *parser_, [self = Self()](beast::error_code ec, std::size_t) {
          if (ec || self->parser_->is_done()) return self->OnRead(ec);
          http::async_read(self->stream_, self->buffer_, *self->parser_,
                           [self](beast::error_code ec, std::size_t) { self->OnRead(ec); });
        });
  }

  void OnRead(beast::error_code ec) {
    if (ec) return Fail(ec, Phase::kRead);
    Tcp().expires_never();
    OpPtr op = std::move(op_);
    auto msg = parser_->release();
    bool keep_alive = msg.keep_alive();
    HttpOutcome out = ResponseOutcome(std::move(msg));
    out.reused_connection = op_reused_;
    out.stale_retried = op->stale_retried;
    pool_->Release(Self(), keep_alive);  // may start the next queued request here
    Finish(*op, std::move(out));
  }

  void Fail(beast::error_code ec, Phase phase) {
    OpPtr op = std::move(op_);
    bool nothing_answered = !parser_ || !parser_->got_some();
    bool stale = op_reused_ && (phase == Phase::kWrite || phase == Phase::kRead) &&
                 nothing_answered && IsClosedByPeer(ec) && op->repeatable && !op->stale_retried &&
                 !pool_->stopped();
    std::string verify_error;
    if constexpr (kTls) {
      if (phase == Phase::kHandshake) verify_error = TlsVerifyError(stream_.native_handle());
    }
    Close();
    if (stale) return pool_->RetryOnFresh(this, std::move(op));
    pool_->Lost(this);

    HttpErrorCode code = Classify(ec, phase);
    if (pool_->stopped()) code = HttpErrorCode::kShutdown;
    if (code == HttpErrorCode::kTimeout) ++pool_->shared().timeouts;
    std::string message = std::string(PhaseName(phase)) + " " + pool_->origin().Origin() + ": " +
                          (verify_error.empty() ? ec.message() : verify_error);
    HttpOutcome out = ErrorOutcome(code, std::move(message));
    out.reused_connection = op_reused_;
    out.stale_retried = op->stale_retried;
    Finish(*op, std::move(out));
  }

  std::shared_ptr<Pool> pool_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::optional<tcp::resolver> resolver_;
  std::optional<asio::steady_timer> resolve_timer_;
  OpPtr op_;
  bool connected_ = false;
  bool op_reused_ = false;
  bool resolve_timed_out_ = false;
  bool closed_ = false;
};

}  // namespace

std::shared_ptr<Connection> MakeConnection(std::shared_ptr<Pool> pool) {
  if (pool->origin().tls()) return std::make_shared<ConnectionImpl<true>>(std::move(pool));
  return std::make_shared<ConnectionImpl<false>>(std::move(pool));
}

}  // namespace smsgw::gateway::http_internal
