#include "gateway/http_pool.h"

#include <algorithm>

namespace smsgw::gateway::http_internal {

void Finish(Op& op, HttpOutcome outcome) {
  if (op.finished) return;
  op.finished = true;
  HttpCallback done = std::move(op.done);
  done(std::move(outcome));
}

HttpOutcome ErrorOutcome(HttpErrorCode code, std::string message) {
  HttpOutcome out;
  out.error.code = code;
  out.error.temporary = IsTemporaryCode(code);
  out.error.message = std::move(message);
  return out;
}

Pool::Pool(std::shared_ptr<ClientShared> shared, Url origin)
    : shared_(std::move(shared)),
      origin_(std::move(origin)),
      depth_(std::max<std::size_t>(shared_->options.pipeline_depth, 1)),
      queue_timer_(shared_->strand) {}

void Pool::Submit(OpPtr op, bool admitted) {
  if (stopped_) return Finish(*op, ErrorOutcome(HttpErrorCode::kShutdown, "client stopped"));
  auto now = Clock::now();
  while (!idle_.empty()) {
    std::shared_ptr<Connection> c = std::move(idle_.back());
    idle_.pop_back();
    if (now - c->idle_since < shared_->options.idle_timeout && c->StillUsable()) {
      return c->Run(std::move(op));
    }
    c->Close();
    Forget(c.get());
  }
  if (all_.size() < shared_->options.max_connections_per_origin) return Open()->Run(std::move(op));
  if (depth_ > 1) {
    if (auto c = LeastLoaded()) return c->Run(std::move(op));
  }
  Clock::time_point deadline = op->deadline;
  if (admitted) {
    queue_.push_front(std::move(op));
  } else if (queue_.size() >= shared_->options.max_queued_per_origin) {
    ++shared_->queue_full;
    return Finish(
        *op, ErrorOutcome(HttpErrorCode::kQueueFull, "every connection to " + origin_.Origin() +
                                                         " is busy and the wait queue is full"));
  } else {
    queue_.push_back(std::move(op));
  }
  WatchQueue(deadline);
}

void Pool::Answered(const std::shared_ptr<Connection>& c) {
  if (stopped_) return;
  while (c->load() < depth_) {
    OpPtr op = PopQueued();
    if (!op) break;
    c->Run(std::move(op));
  }
  if (c->load() == 0) {
    c->idle_since = Clock::now();
    idle_.push_back(c);
  }
}

void Pool::Lost(Connection* c) {
  Forget(c);
  StartQueued();
}

void Pool::Resend(OpPtr op) {
  if (stopped_) return Finish(*op, ErrorOutcome(HttpErrorCode::kShutdown, "client stopped"));
  ++shared_->stale_retries;
  op->stale_retried = true;
  if (all_.size() < shared_->options.max_connections_per_origin) return Open()->Run(std::move(op));
  Submit(std::move(op), /*admitted=*/true);
}

void Pool::Stop() {
  if (stopped_) return;
  stopped_ = true;
  queue_timer_.cancel();
  idle_.clear();
  for (auto& [raw, weak] : all_) {
    if (auto c = weak.lock()) c->Close();
  }
  // Every connection is closed now; those with I/O in flight finish failing it later.
  shared_->open_connections -= static_cast<int64_t>(all_.size());
  all_.clear();
  std::deque<OpPtr> waiting;
  waiting.swap(queue_);
  for (auto& op : waiting) Finish(*op, ErrorOutcome(HttpErrorCode::kShutdown, "client stopped"));
}

void Pool::Abandon() {
  stopped_ = true;
  idle_.clear();
  queue_.clear();
}

std::shared_ptr<Connection> Pool::LeastLoaded() {
  std::shared_ptr<Connection> best;
  for (auto& [raw, weak] : all_) {
    auto c = weak.lock();
    if (!c || !c->accepting() || c->load() >= depth_) continue;
    if (!best || c->load() < best->load()) best = std::move(c);
  }
  return best;
}

std::shared_ptr<Connection> Pool::Open() {
  std::shared_ptr<Connection> c = MakeConnection(shared_from_this());
  all_.emplace(c.get(), c);
  ++shared_->connections_opened;
  ++shared_->open_connections;
  return c;
}

void Pool::Forget(Connection* c) {
  if (all_.erase(c) > 0) --shared_->open_connections;
}

OpPtr Pool::PopQueued() {
  auto now = Clock::now();
  while (!queue_.empty()) {
    OpPtr op = std::move(queue_.front());
    queue_.pop_front();
    if (op->finished) continue;
    if (op->deadline <= now) {
      ++shared_->timeouts;
      Finish(*op, ErrorOutcome(HttpErrorCode::kTimeout, "timed out waiting for a connection"));
      continue;
    }
    return op;
  }
  return nullptr;
}

void Pool::StartQueued() {
  while (!stopped_ && all_.size() < shared_->options.max_connections_per_origin) {
    OpPtr op = PopQueued();
    if (!op) return;
    Open()->Run(std::move(op));
  }
}

// One timer per pool, armed for the earliest deadline among queued requests, so a request
// waiting for a connection still completes on time when no connection frees up.
void Pool::WatchQueue(Clock::time_point deadline) {
  if (timer_armed_ && queue_timer_.expiry() <= deadline) return;
  timer_armed_ = true;
  queue_timer_.expires_at(deadline);
  queue_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec == boost::asio::error::operation_aborted) return;  // re-armed or stopped
    self->timer_armed_ = false;
    self->ExpireQueued();
  });
}

void Pool::ExpireQueued() {
  auto now = Clock::now();
  std::deque<OpPtr> keep;
  for (auto& op : queue_) {
    if (op->finished) continue;
    if (op->deadline <= now) {
      ++shared_->timeouts;
      Finish(*op, ErrorOutcome(HttpErrorCode::kTimeout, "timed out waiting for a connection"));
    } else {
      keep.push_back(std::move(op));
    }
  }
  queue_.swap(keep);
  if (queue_.empty()) return;
  auto earliest =
      std::min_element(queue_.begin(), queue_.end(),
                       [](const OpPtr& a, const OpPtr& b) { return a->deadline < b->deadline; });
  WatchQueue((*earliest)->deadline);
}

}  // namespace smsgw::gateway::http_internal
