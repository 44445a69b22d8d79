// Internals of HttpClient (gateway/http_client.h): one Pool per origin, owning that origin's
// connections and its queue of waiting requests. Everything here runs on the client's strand.
// Not for use outside the client.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <vector>

#include "gateway/http_client.h"
#include "store/crypto.h"

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

// One request on its way. Its bytes are wiped when it goes away: a body may carry a PIN.
struct Op {
  Op() = default;
  Op(const Op&) = delete;
  Op& operator=(const Op&) = delete;
  ~Op() { store::Wipe(wire); }

  std::string wire;  // the whole request as sent: request line, headers, body
  HttpCallback done;
  Clock::time_point deadline;
  bool head = false;        // a HEAD request: its answer has no body
  bool repeatable = false;  // safe to send twice: idempotent method or an Idempotency-Key
  bool stale_retried = false;
  bool on_reused = false;  // written to a connection that had already answered a request
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
  // Adds `op` to this connection: connects first when new, then writes it (behind any request
  // already written when pipelining). Outcomes go to the pool and to each op's callback.
  virtual void Run(OpPtr op) = 0;
  // Requests given to Run and not yet answered.
  virtual std::size_t load() const = 0;
  // Not closed: may take more requests (a connection still connecting writes them all at
  // once when it is ready).
  virtual bool accepting() const = 0;
  // For an idle connection: the server has not closed it and sent nothing unasked.
  virtual bool StillUsable() = 0;
  // Closes the socket; requests in flight then fail. Does not call back into the pool.
  virtual void Close() = 0;

  Clock::time_point idle_since{};
};

// A plain or TLS connection to `pool`'s origin, not yet connected.
std::shared_ptr<Connection> MakeConnection(std::shared_ptr<Pool> pool);

class Pool : public std::enable_shared_from_this<Pool> {
 public:
  Pool(std::shared_ptr<ClientShared> shared, Url origin);

  // Runs `op` on an idle connection, a new one (below the cap), behind the requests of the
  // least loaded connection (when pipelining), or queues it. `admitted` ops (handed back by
  // a failed connection before they were sent) are never refused for a full queue.
  void Submit(OpPtr op, bool admitted = false);
  // `c` answered a request and stays open: it takes queued requests, or waits idle.
  void Answered(const std::shared_ptr<Connection>& c);
  // `c` closed (failure, or the server's "Connection: close"): it no longer counts.
  void Lost(Connection* c);
  // `op` was written to a connection that failed before its answer and may be sent once more:
  // on a new connection when the cap allows, otherwise as the next request to go out.
  void Resend(OpPtr op);
  void Stop();
  // Drops idle connections and queued requests without a word: only for a client whose
  // io_context will not run again (their callbacks could never run anyway).
  void Abandon();

  bool stopped() const { return stopped_; }
  std::size_t depth() const { return depth_; }
  const Url& origin() const { return origin_; }
  ClientShared& shared() { return *shared_; }

 private:
  std::shared_ptr<Connection> Open();
  std::shared_ptr<Connection> LeastLoaded();
  void Forget(Connection* c);
  OpPtr PopQueued();
  void StartQueued();
  void WatchQueue(Clock::time_point deadline);
  void ExpireQueued();

  std::shared_ptr<ClientShared> shared_;
  Url origin_;
  std::size_t depth_;                                     // requests per connection at once
  std::map<Connection*, std::weak_ptr<Connection>> all_;  // every counted connection
  std::vector<std::shared_ptr<Connection>> idle_;         // most recently used last
  std::deque<OpPtr> queue_;
  boost::asio::steady_timer queue_timer_;
  bool timer_armed_ = false;
  bool stopped_ = false;
};

}  // namespace smsgw::gateway::http_internal
