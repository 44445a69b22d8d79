#include "gateway/daemon/backend_thread.h"

#include <pthread.h>

#include <utility>

namespace smsgw::gateway {

BackendThread::BackendThread(std::unique_ptr<commands::Backend> inner, size_t max_batch)
    : inner_(std::move(inner)), max_batch_(max_batch < 1 ? 1 : max_batch) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "smsgw-backend");
    Run();
  });
}

BackendThread::~BackendThread() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void BackendThread::Submit(commands::Instruction instruction, Completion done) {
  std::vector<commands::Instruction> one;
  one.push_back(std::move(instruction));
  SubmitBatch(std::move(one),
              [done = std::move(done)](size_t, commands::BackendResult r) { done(std::move(r)); });
}

void BackendThread::SubmitBatch(std::vector<commands::Instruction> instructions,
                                BatchCompletion done) {
  if (instructions.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back({std::move(instructions), std::move(done)});
  }
  wake_.notify_one();
}

void BackendThread::Run() {
  for (;;) {
    // Everything handed over since the last turn, as one batch of at most max_batch_ (a
    // caller's batch is never split, so one larger than that goes alone).
    auto taken = std::make_shared<std::vector<Handed>>();
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping, and all answered
      size_t count = 0;
      while (!queue_.empty() &&
             (taken->empty() || count + queue_.front().instructions.size() <= max_batch_)) {
        count += queue_.front().instructions.size();
        taken->push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<commands::Instruction> batch;
    std::vector<std::pair<size_t, size_t>> origin;  // batch index -> (caller, its index)
    for (size_t h = 0; h < taken->size(); ++h) {
      for (size_t k = 0; k < (*taken)[h].instructions.size(); ++k) {
        batch.push_back(std::move((*taken)[h].instructions[k]));
        origin.emplace_back(h, k);
      }
    }
    // The adapter may answer after SubmitBatch returns (on a thread of its own): what the
    // answers need is kept alive by the completion.
    {
      std::lock_guard<std::mutex> lock(mu_);
      unanswered_ += origin.size();
    }
    inner_->SubmitBatch(std::move(batch), [this, taken, origin = std::move(origin)](
                                              size_t index, commands::BackendResult result) {
      const auto [h, k] = origin[index];
      (*taken)[h].done(k, std::move(result));
      std::lock_guard<std::mutex> lock(mu_);
      if (--unanswered_ == 0) answered_.notify_all();
    });
  }
  // An adapter that answers after SubmitBatch returned is waited for: the callers' completions
  // must not outlive this object.
  std::unique_lock<std::mutex> lock(mu_);
  answered_.wait(lock, [&] { return unanswered_ == 0; });
  lock.unlock();
  inner_.reset();  // on the thread that used it
}

}  // namespace smsgw::gateway
