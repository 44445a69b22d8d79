// An asynchronous HTTP/1.1 client for the account backend, on Boost.Beast over the gateway's
// io_context: no thread per request, keep-alive connections pooled per origin, HTTPS with
// certificate and host name verification.
//
// Per origin (scheme, host, port) at most `max_connections_per_origin` connections exist;
// when all are busy, requests wait in a FIFO queue of at most `max_queued_per_origin`, and a
// request beyond that fails at once with kQueueFull (temporary): the caller backs off rather
// than piling up memory. Idle connections are reused most-recently-used first, so a light load
// keeps few connections warm, and are dropped after `idle_timeout` (set it below the server's
// keep-alive timeout) or when the server has closed them.
//
// Each request has one deadline covering the queue wait, resolve, connect, TLS handshake,
// write and the whole answer. A request that misses it completes with kTimeout and its
// connection is closed, so a late answer can never be taken for another request's.
//
// Stale keep-alive connections: a server may close an idle connection just as a request is
// written to it. When a request on a reused connection fails with a reset or end of stream
// before any byte of an answer arrived, it is sent once more on a fresh connection, within the
// same deadline. The server may nevertheless have received, even applied, the first copy (it
// can fail after applying and before answering), so this is done only for requests that are
// safe to repeat: idempotent methods, and requests carrying an Idempotency-Key header, whose
// receiver promises to answer a repeated key with the first answer without applying it twice
// (the account backend's contract, docs/backend-api.md; Go's net/http follows the same rule).
// Everything else is reported as kConnectionLost for the caller to decide.
//
// Threading: Send and Stop may be called from any thread. Callbacks run on the client's strand
// of the io_context, never inside Send, exactly once per request. Destroy the client on the
// io_context's thread or once it has stopped running; requests in flight then complete with
// kShutdown (if the io_context still runs).
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "conf/status.h"
#include "gateway/http_error.h"
#include "gateway/tls_client.h"
#include "gateway/url.h"

namespace smsgw::gateway {

struct HttpClientOptions {
  std::size_t max_connections_per_origin = 16;
  std::size_t max_queued_per_origin = 4096;
  // Requests written to one connection before their answers arrive (HTTP/1.1 pipelining).
  // 1, the default, sends the next request only after the answer to the previous one. Deeper
  // pipelines save most of the system calls per request (see docs/benchmarks.md) but need a
  // server, and every proxy in between, that answers pipelined requests in order, and a slow
  // answer delays those behind it on its connection. Requests written behind one whose
  // connection failed before they were answered are sent once more, elsewhere, when safe to
  // repeat (see "Stale keep-alive connections" above), and fail as kConnectionLost otherwise.
  std::size_t pipeline_depth = 1;
  std::chrono::milliseconds request_timeout{5000};  // when a request gives none
  // Resolve, TCP connect and TLS handshake of a new connection must end within this (0: only
  // the request's deadline bounds them). Its requests then fail as kResolveFailed,
  // kConnectFailed or kTlsFailed, whichever phase was running.
  std::chrono::milliseconds connect_timeout{0};
  std::chrono::milliseconds idle_timeout{30000};
  std::size_t response_body_limit = 1024 * 1024;
  std::string user_agent = "smsgw";
  TlsClientOptions tls;
  // host -> address to connect to instead of resolving it (curl's --resolve): the URL's host
  // is still what SNI, the certificate check and the Host header use.
  std::map<std::string, std::string> host_overrides;
};

struct HttpClientRequest {
  std::string method = "POST";
  Url url;
  std::vector<std::pair<std::string, std::string>> headers;  // Host and User-Agent are set
  std::string body;
  std::chrono::milliseconds timeout{0};  // 0: the client's request_timeout
};

struct HttpClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower case, in order
  std::string body;

  // The first value of the header named `lower_name` (lower case), or empty.
  std::string_view Header(std::string_view lower_name) const;
};

struct HttpOutcome {
  // kNone when a 2xx answer arrived; kHttpStatus for any other complete answer.
  HttpError error;
  // Every complete answer, whatever its status.
  std::optional<HttpClientResponse> response;
  bool reused_connection = false;  // the (last) attempt ran on a kept-alive connection
  bool stale_retried = false;      // it was sent a second time after a stale connection

  bool ok() const { return error.code == HttpErrorCode::kNone; }
};

using HttpCallback = std::function<void(HttpOutcome)>;

// Counters since the client was created; readable from any thread.
struct HttpClientStats {
  uint64_t requests = 0;            // Send calls
  uint64_t connections_opened = 0;  // TCP connections attempted
  uint64_t reused = 0;              // requests sent on a kept-alive connection
  uint64_t stale_retries = 0;
  uint64_t timeouts = 0;
  uint64_t queue_full = 0;
  int64_t open_connections = 0;  // connecting, busy or idle, over all origins
};

class HttpClient {
 public:
  // InvalidArgument when the TLS settings cannot be loaded (CA file, client certificate).
  static Result<std::unique_ptr<HttpClient>> Create(boost::asio::io_context& io,
                                                    HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `request` and calls `done` with the outcome. The client wipes its copies of the
  // request's bytes when done with them (a body may carry a PIN); the caller's `request` is
  // taken by value, and its body is wiped too.
  void Send(HttpClientRequest request, HttpCallback done);

  // Runs `fn` on the client's strand, never inside Defer: for layers above that complete some
  // calls without a request but promise to call back where the client does.
  void Defer(std::function<void()> fn);

  // Closes every connection and fails queued and in-flight requests with kShutdown; later
  // Sends fail the same way. Safe to call more than once.
  void Stop();

  HttpClientStats stats() const;

  class Impl;

 private:
  explicit HttpClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace smsgw::gateway
