// The admin HTTP endpoint: /healthz, /metrics and the backend's push endpoint, served by
// Boost.Beast on the daemon's io_context (no thread per connection).
//
// It listens on loopback by default. Routes marked `require_token` need
// "Authorization: Bearer <token>", compared in constant time; a missing or wrong token gets 401
// and the handler never runs. Routes that authenticate otherwise (the push endpoint signs its
// body with HMAC) check the request themselves. Bodies over `body_limit` get 413, idle or slow
// connections are closed after `read_timeout`, and connections beyond `max_connections` are
// refused, so a misbehaving client cannot exhaust the daemon.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "conf/status.h"

namespace smsgw::gateway {

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string path;                            // target without the query string
  std::string query;                           // after '?', undecoded
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  // Empty when absent.
  std::string Header(const std::string& lower_name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static HttpResponse Text(int status, std::string body);
  static HttpResponse Json(int status, std::string body);
};

// Handlers may answer later (e.g. after a store write on another thread): they call `respond`
// exactly once, from any thread.
using HttpRespond = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(const HttpRequest&, HttpRespond)>;

struct AdminServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: the OS picks one; port() tells which
  std::string token;  // empty: token routes answer 503, never run unauthenticated
  std::size_t body_limit = 64 * 1024;
  std::chrono::milliseconds read_timeout{10000};
  std::size_t max_connections = 64;
};

class AdminServer {
 public:
  AdminServer(boost::asio::io_context& io, AdminServerOptions options);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Exact path match; unknown paths get 404, a known path with another method 405.
  void Route(const std::string& method, const std::string& path, bool require_token,
             HttpHandler handler);

  // Binds and starts accepting. Unavailable when the address cannot be bound.
  Status Start();
  uint16_t port() const;

  // Stops accepting and closes open connections; safe to call more than once.
  void Stop();

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace smsgw::gateway
