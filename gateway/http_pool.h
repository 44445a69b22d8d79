// Internals of HttpClient (gateway/http_client.h): one Pool per origin, owning that origin's
// connections and its queue of waiting requests. Everything here runs on the client's strand.
// Not for use outside the client.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <vector>

#include "gateway/http_client.h"

namespace smsgw::gateway::http_internal {

using Clock = std::chrono::steady_clock;
using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

// What every pool of one client shares: settings, the TLS context, the strand, the counters.
struct ClientShared {
  ClientShared(HttpClientOptions o, std::shared_ptr<boost::asio::ssl::context> t, Strand s)
      : options(std::move(o)), tls(std::move(t)), strand(std::move(s)) {}

  const HttpClientOptions options;
  const std::shared_ptr<boost::asio::ssl::context> tls;
  Strand strand;
  std::atomic<uint64_t> requests{0}, connections_opened{0}, reused{0}, stale_retries{0},
      timeouts{0}, queue_full{0};
  std::atomic<int64_t> open_connections{0};
};

// One request on its way.
struct Op {
  boost::beast::http::request<boost::beast::http::string_body> request;
  HttpCallback done;
  Clock::time_point deadline;
  bool repeatable = false;  // safe to send twice: idempotent method or an Idempotency-Key
  bool stale_retried = false;
  bool finished = false;
};
using OpPtr = std::shared_ptr<Op>;

// Calls op's callback the first time; later calls do nothing.
void Finish(Op& op, HttpOutcome outcome);
HttpOutcome ErrorOutcome(HttpErrorCode code, std::string message);

class Pool;

class Connection {
 public:
  virtual ~Connection() = default;
  // Sends `op`, connecting first when not yet connected. One request at a time; the outcome
  // goes to the pool (Release, Lost or RetryOnFresh) and to op's callback.
  virtual void Run(OpPtr op) = 0;
  // For an idle connection: the server has not closed it and sent nothing unasked.
  virtual bool StillUsable() = 0;
  // Closes the socket; a request in flight then fails. Does not call back into the pool.
  virtual void Close() = 0;

  Clock::time_point idle_since{};
};

// A plain or TLS connection to `pool`'s origin, not yet connected.
std::shared_ptr<Connection> MakeConnection(std::shared_ptr<Pool> pool);

class Pool : public std::enable_shared_from_this<Pool> {
 public:
  Pool(std::shared_ptr<ClientShared> shared, Url origin);

  // Runs `op` on an idle connection, a new one (below the cap), or queues it.
  void Submit(OpPtr op);
  // A connection finished an exchange; with keep_alive it serves the next queued request or
  // waits idle, otherwise it is closed.
  void Release(std::shared_ptr<Connection> c, bool keep_alive);
  // A connection failed and closed: it no longer counts against the cap.
  void Lost(Connection* c);
  // `stale` (a reused connection the server had closed) failed `op` before any answer: send
  // `op` again on a new connection.
  void RetryOnFresh(Connection* stale, OpPtr op);
  void Stop();

  bool stopped() const { return stopped_; }
  const Url& origin() const { return origin_; }
  ClientShared& shared() { return *shared_; }

 private:
  std::shared_ptr<Connection> Open();
  void Forget(Connection* c);
  OpPtr PopQueued();
  void StartQueued();
  void WatchQueue(Clock::time_point deadline);
  void ExpireQueued();

  std::shared_ptr<ClientShared> shared_;
  Url origin_;
  std::map<Connection*, std::weak_ptr<Connection>> all_;  // every counted connection
  std::vector<std::shared_ptr<Connection>> idle_;         // most recently used last
  std::deque<OpPtr> queue_;
  boost::asio::steady_timer queue_timer_;
  bool timer_armed_ = false;
  bool stopped_ = false;
};

}  // namespace smsgw::gateway::http_internal
