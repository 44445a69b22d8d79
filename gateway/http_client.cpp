#include "gateway/http_client.h"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include "gateway/http_pool.h"

namespace smsgw::gateway {

namespace asio = boost::asio;
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
  // Normally Stop has run. If the io_context never ran it (the client was destroyed and the
  // loop stopped for good), the pools are still here: drop what they hold, so connections and
  // pools, which refer to each other, do not outlive the client.
  ~Impl() {
    for (auto& [origin, pool] : pools_) pool->Abandon();
  }

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

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar);
}

// Visible ASCII, spaces and tabs only: no line breaks that would smuggle a header in.
bool IsFieldValue(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
  });
}

// Headers the client writes itself: the caller must not frame the message.
bool IsReservedHeader(std::string_view name) {
  for (std::string_view reserved :
       {"host", "content-length", "transfer-encoding", "connection", "user-agent"}) {
    if (EqualsIgnoringCase(name, reserved)) return true;
  }
  return false;
}

bool IsIdempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS";
}

// Writes the request as it goes on the wire into op.wire; a message for kInvalidRequest when it
// cannot be sent.
std::string BuildRequest(HttpClientRequest& request, const HttpClientOptions& options, Op& op) {
  const std::string& method = request.method;
  if (!IsToken(method) ||
      !std::all_of(method.begin(), method.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return "HTTP method must be an upper-case token";
  }
  const Url& url = request.url;
  if (url.host.empty() || (url.scheme != "http" && url.scheme != "https")) {
    return "request URL has no http(s) origin";
  }
  if (url.target.empty() || url.target.front() != '/' ||
      std::any_of(url.target.begin(), url.target.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; })) {
    return "request target must start with / and hold no spaces or control characters";
  }
  bool has_idempotency_key = false;
  std::size_t size = method.size() + url.target.size() + request.body.size() + 128;
  for (const auto& [name, value] : request.headers) {
    if (!IsToken(name) || !IsFieldValue(value)) {
      return "header names must be tokens and values must hold no line breaks";
    }
    if (IsReservedHeader(name)) return "header " + name + " is set by the client";
    if (EqualsIgnoringCase(name, "idempotency-key")) has_idempotency_key = true;
    size += name.size() + value.size() + 4;
  }
  std::string& w = op.wire;
  w.reserve(size);
  w.append(method).append(" ").append(url.target).append(" HTTP/1.1\r\nHost: ");
  w.append(url.HostHeader()).append("\r\nUser-Agent: ").append(options.user_agent);
  for (const auto& [name, value] : request.headers) {
    w.append("\r\n").append(name).append(": ").append(value);
  }
  if (!request.body.empty() || (method != "GET" && method != "HEAD")) {
    w.append("\r\nContent-Length: ").append(std::to_string(request.body.size()));
  }
  w.append("\r\n\r\n").append(request.body);
  store::Wipe(request.body);  // the copy in op.wire is the one that lives on
  op.head = method == "HEAD";
  op.repeatable = IsIdempotent(method) || has_idempotency_key;
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
