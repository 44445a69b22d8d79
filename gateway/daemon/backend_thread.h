// A backend adapter run on a thread of its own: for the embedded ledger, whose SubmitBatch
// does its SQLite transaction (and fsync) on the caller's thread. Wrapped, the core thread
// hands a batch over and goes on with intake and replies while the ledger commits, and the
// ledger's work runs on the other core of the machine.
//
// Batches handed over while the thread is busy are submitted together as one (up to
// max_batch instructions: one ledger transaction where there would be several). Every
// instruction is answered exactly once, through the `done` of the call that handed it over,
// on the thread the adapter answers on (below); the adapter's own contract (durable before
// answered, a repeated id replayed) is unchanged.
//
// Threading: Submit, SubmitBatch and MaySend may be called from any thread until the
// destructor starts. The wrapped adapter is used and destroyed on the backend's thread only
// (one owner per SQLite connection); its answers come on that thread, or on its own if it
// answers after SubmitBatch returns. The destructor lets the thread submit what was handed
// over already, waits until every instruction is answered, then joins it.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "commands/backend_port.h"

namespace smsgw::gateway {

class BackendThread : public commands::Backend {
 public:
  explicit BackendThread(std::unique_ptr<commands::Backend> inner, size_t max_batch = 200);
  ~BackendThread() override;
  BackendThread(const BackendThread&) = delete;
  BackendThread& operator=(const BackendThread&) = delete;

  void Submit(commands::Instruction instruction, Completion done) override;
  void SubmitBatch(std::vector<commands::Instruction> instructions, BatchCompletion done) override;
  commands::SendPermit MaySend() const override { return inner_->MaySend(); }

 private:
  // One caller's batch, waiting for the thread.
  struct Handed {
    std::vector<commands::Instruction> instructions;
    BatchCompletion done;
  };
  void Run();

  std::unique_ptr<commands::Backend> inner_;
  const size_t max_batch_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Handed> queue_;  // guarded by mu_
  bool stopping_ = false;     // guarded by mu_
  size_t unanswered_ = 0;     // guarded by mu_: submitted to the adapter, not yet answered
  std::condition_variable answered_;
  std::thread thread_;
};

}  // namespace smsgw::gateway
