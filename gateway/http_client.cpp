#include "gateway/http_client.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http.hpp>

#include "gateway/http_pool.h"

namespace smsgw::gateway {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using http_internal::ClientShared;
using http_internal::Op;
using http_internal::OpPtr;
using http_internal::Pool;

std::string_view HttpClientResponse::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return {};
}

class HttpClient::Impl : public std::enable_shared_from_this<HttpClient::Impl> {
 public:
  explicit Impl(std::shared_ptr<ClientShared> shared) : shared_(std::move(shared)) {}

  // On the strand.
  void Submit(const Url& url, OpPtr op) {
    if (stopped_) {
      return Finish(*op, http_internal::ErrorOutcome(HttpErrorCode::kShutdown, "client stopped"));
    }
    std::shared_ptr<Pool>& pool = pools_[url.Origin()];
    if (!pool) pool = std::make_shared<Pool>(shared_, url);
    pool->Submit(std::move(op));
  }

  void Stop() {
    stopped_ = true;
    for (auto& [origin, pool] : pools_) pool->Stop();
    pools_.clear();
  }

  std::shared_ptr<ClientShared> shared_;

 private:
  std::map<std::string, std::shared_ptr<Pool>> pools_;  // origin -> pool; strand only
  bool stopped_ = false;
};

namespace {

bool HasLineBreak(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos;
}

bool IsIdempotent(http::verb verb) {
  return verb == http::verb::get || verb == http::verb::head || verb == http::verb::put ||
         verb == http::verb::delete_ || verb == http::verb::options;
}

// Fills op->request; a message for kInvalidRequest when the request cannot be sent.
std::string BuildRequest(HttpClientRequest& request, const HttpClientOptions& options, Op& op) {
  http::verb verb = http::string_to_verb(request.method);
  if (verb == http::verb::unknown) return "unknown HTTP method";
  if (request.url.host.empty() || (request.url.scheme != "http" && request.url.scheme != "https")) {
    return "request URL has no http(s) origin";
  }
  if (request.url.target.empty() || request.url.target.front() != '/' ||
      HasLineBreak(request.url.target)) {
    return "request target must start with /";
  }
  auto& req = op.request;
  req.method(verb);
  req.target(request.url.target);
  req.version(11);
  req.set(http::field::host, request.url.HostHeader());
  req.set(http::field::user_agent, options.user_agent);
  bool has_idempotency_key = false;
  for (auto& [name, value] : request.headers) {
    if (name.empty() || HasLineBreak(name) || HasLineBreak(value)) {
      return "header names and values must not hold line breaks";
    }
    if (boost::beast::iequals(name, "idempotency-key")) has_idempotency_key = true;
    req.set(name, value);
  }
  req.body() = std::move(request.body);
  req.keep_alive(true);
  req.prepare_payload();
  op.repeatable = IsIdempotent(verb) || has_idempotency_key;
  return std::string();
}

}  // namespace

Result<std::unique_ptr<HttpClient>> HttpClient::Create(asio::io_context& io,
                                                       HttpClientOptions options) {
  auto tls = MakeTlsClientContext(options.tls);
  if (!tls.ok()) return tls.status().WithContext("backend HTTP client");
  if (options.max_connections_per_origin == 0) {
    return Status::InvalidArgument("backend HTTP client: max_connections_per_origin must be > 0");
  }
  auto shared = std::make_shared<ClientShared>(std::move(options), std::move(*tls),
                                               asio::make_strand(io.get_executor()));
  return std::unique_ptr<HttpClient>(new HttpClient(std::make_shared<Impl>(std::move(shared))));
}

HttpClient::~HttpClient() {
  Stop();
}

void HttpClient::Send(HttpClientRequest request, HttpCallback done) {
  ClientShared& shared = *impl_->shared_;
  ++shared.requests;
  auto op = std::make_shared<Op>();
  op->done = std::move(done);
  auto timeout = request.timeout.count() > 0 ? request.timeout : shared.options.request_timeout;
  op->deadline = http_internal::Clock::now() + timeout;
  std::string invalid = BuildRequest(request, shared.options, *op);
  asio::post(shared.strand, [impl = impl_, url = std::move(request.url), op = std::move(op),
                             invalid = std::move(invalid)]() mutable {
    if (!invalid.empty()) {
      return Finish(*op, http_internal::ErrorOutcome(HttpErrorCode::kInvalidRequest, invalid));
    }
    impl->Submit(url, std::move(op));
  });
}

void HttpClient::Defer(std::function<void()> fn) {
  asio::post(impl_->shared_->strand, std::move(fn));
}

void HttpClient::Stop() {
  asio::dispatch(impl_->shared_->strand, [impl = impl_] { impl->Stop(); });
}

HttpClientStats HttpClient::stats() const {
  const ClientShared& s = *impl_->shared_;
  HttpClientStats out;
  out.requests = s.requests.load();
  out.connections_opened = s.connections_opened.load();
  out.reused = s.reused.load();
  out.stale_retries = s.stale_retries.load();
  out.timeouts = s.timeouts.load();
  out.queue_full = s.queue_full.load();
  out.open_connections = s.open_connections.load();
  return out;
}

}  // namespace smsgw::gateway
