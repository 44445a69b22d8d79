// BackendThread: the wrapped adapter runs on the wrapper's thread only, batches handed over
// while it is busy go as one, and every instruction is answered once, through its caller.
#include "gateway/daemon/backend_thread.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "tests/support/process_usage.h"

namespace smsgw::gateway {
namespace {

using commands::BackendResult;
using commands::Instruction;

// Answers each instruction with its id as a field, after `gate` opens (so callers can queue
// several batches behind the first); records the batches' sizes and the threads it ran on.
class GatedBackend : public commands::Backend {
 public:
  struct Record {
    std::mutex mu;
    std::vector<size_t> batch_sizes;
    std::set<std::thread::id> threads;
    std::thread::id destroyed_on;
    std::promise<void> entered;  // set when the first batch reached the adapter
    std::string thread_name;     // of the thread the first batch ran on
  };
  GatedBackend(std::shared_future<void> gate, std::shared_ptr<Record> record)
      : gate_(std::move(gate)), record_(std::move(record)) {}
  ~GatedBackend() override {
    std::lock_guard<std::mutex> lock(record_->mu);
    record_->destroyed_on = std::this_thread::get_id();
  }

  void Submit(Instruction instruction, Completion done) override {
    done(BackendResult::Accepted({{"id", instruction.id}}));
  }
  void SubmitBatch(std::vector<Instruction> instructions, BatchCompletion done) override {
    if (first_) {
      char name[16] = {};
      pthread_getname_np(pthread_self(), name, sizeof name);
      record_->thread_name = name;
      record_->entered.set_value();
    }
    first_ = false;
    gate_.wait();
    {
      std::lock_guard<std::mutex> lock(record_->mu);
      record_->batch_sizes.push_back(instructions.size());
      record_->threads.insert(std::this_thread::get_id());
    }
    for (size_t i = 0; i < instructions.size(); ++i) {
      done(i, BackendResult::Accepted({{"id", instructions[i].id}}));
    }
  }

 private:
  std::shared_future<void> gate_;
  std::shared_ptr<Record> record_;
  bool first_ = true;
};

std::vector<Instruction> Batch(const std::string& prefix, int n) {
  std::vector<Instruction> out;
  for (int i = 0; i < n; ++i) {
    Instruction ins;
    ins.id = prefix + std::to_string(i);
    ins.operation = "balance";
    out.push_back(std::move(ins));
  }
  return out;
}

std::string IdOf(const BackendResult& r) {
  auto it = r.fields.find("id");
  if (it == r.fields.end()) return "";
  const std::string* id = std::get_if<std::string>(&it->second);
  return id ? *id : "";
}

TEST(BackendThreadTest, BatchesHandedOverWhileBusyGoAsOneAndEachCallerGetsItsOwnAnswers) {
  std::promise<void> open;
  auto record = std::make_shared<GatedBackend::Record>();
  std::mutex mu;
  std::map<std::string, std::vector<std::pair<size_t, std::string>>> answers;  // caller -> answers
  std::atomic<int> answered{0};
  {
    BackendThread backend(std::make_unique<GatedBackend>(open.get_future().share(), record),
                          /*max_batch=*/10);
    auto collect = [&](std::string caller) {
      return [&, caller](size_t index, BackendResult r) {
        std::lock_guard<std::mutex> lock(mu);
        answers[caller].emplace_back(index, IdOf(r));
        ++answered;
      };
    };
    backend.SubmitBatch(Batch("a", 2), collect("a"));  // taken at once, waits at the gate
    record->entered.get_future().wait();
    backend.SubmitBatch(Batch("b", 3), collect("b"));
    backend.SubmitBatch(Batch("c", 4), collect("c"));
    backend.SubmitBatch(Batch("d", 5), collect("d"));  // 3 + 4 + 5 > 10: a batch of its own
    backend.Submit(std::move(Batch("e", 1)[0]), [&](BackendResult r) {
      std::lock_guard<std::mutex> lock(mu);
      answers["e"].emplace_back(0, IdOf(r));
      ++answered;
    });
    open.set_value();
  }  // the destructor answers everything handed over, then joins
  EXPECT_EQ(answered.load(), 2 + 3 + 4 + 5 + 1);
  std::lock_guard<std::mutex> lock(record->mu);
  ASSERT_GE(record->batch_sizes.size(), 2u);
  EXPECT_EQ(record->batch_sizes[0], 2u);
  EXPECT_EQ(record->batch_sizes[1], 7u) << "b and c together";
  EXPECT_EQ(record->batch_sizes, (std::vector<size_t>{2, 7, 6})) << "then d and e";
  EXPECT_EQ(record->threads.size(), 1u) << "one thread uses the adapter";
  EXPECT_NE(*record->threads.begin(), std::this_thread::get_id());
  EXPECT_EQ(record->destroyed_on, *record->threads.begin()) << "and destroys it";
  for (const auto& [caller, got] : answers) {
    std::set<size_t> indexes;
    for (const auto& [index, id] : got) {
      EXPECT_EQ(id, caller + std::to_string(index)) << "an answer went to the wrong caller";
      EXPECT_TRUE(indexes.insert(index).second) << caller << " answered twice";
    }
  }
  EXPECT_EQ(answers["d"].size(), 5u);
}

// The thread is named, so `top -H` and the load benchmark's CPU by thread tell it apart.
TEST(BackendThreadTest, TheThreadIsNamedAndItsCpuIsReadByName) {
  std::promise<void> open;
  auto record = std::make_shared<GatedBackend::Record>();
  BackendThread backend(std::make_unique<GatedBackend>(open.get_future().share(), record),
                        /*max_batch=*/10);
  backend.SubmitBatch(Batch("a", 1), [](size_t, BackendResult) {});
  record->entered.get_future().wait();  // the adapter runs on the thread now, at the gate
  auto usage = test::ReadProcessUsage(::getpid());
  open.set_value();
  ASSERT_TRUE(usage.has_value());
  EXPECT_EQ(record->thread_name, "smsgw-backend");
  EXPECT_TRUE(usage->thread_cpu_seconds.contains("smsgw-backend"));
  double sum = 0;
  for (const auto& [name, seconds] : usage->thread_cpu_seconds) sum += seconds;
  EXPECT_LE(sum, usage->cpu_seconds + 0.05) << "threads cannot have spent more than the process";
}

TEST(BackendThreadTest, ABatchLargerThanTheLimitGoesWhole) {
  std::promise<void> open;
  open.set_value();
  auto record = std::make_shared<GatedBackend::Record>();
  std::atomic<int> answered{0};
  {
    BackendThread backend(std::make_unique<GatedBackend>(open.get_future().share(), record),
                          /*max_batch=*/4);
    backend.SubmitBatch(Batch("x", 9), [&](size_t, BackendResult) { ++answered; });
  }
  EXPECT_EQ(answered.load(), 9);
  std::lock_guard<std::mutex> lock(record->mu);
  EXPECT_EQ(record->batch_sizes, std::vector<size_t>{9});
}

// Answers on a thread of its own, some time after SubmitBatch returned, whether or not the
// adapter still exists (as an adapter whose answers come from the network would).
class LateBackend : public commands::Backend {
 public:
  void Submit(Instruction, Completion done) override { done(BackendResult::Accepted()); }
  void SubmitBatch(std::vector<Instruction> instructions, BatchCompletion done) override {
    std::thread([n = instructions.size(), done = std::move(done)] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      for (size_t i = 0; i < n; ++i) done(i, BackendResult::Accepted());
    }).detach();
  }
};

TEST(BackendThreadTest, TheDestructorWaitsForAnAdapterThatAnswersLater) {
  auto answered = std::make_shared<std::atomic<int>>(0);
  {
    BackendThread backend(std::make_unique<LateBackend>());
    backend.SubmitBatch(Batch("late", 3), [answered](size_t, BackendResult) { ++*answered; });
  }
  EXPECT_EQ(answered->load(), 3) << "answers came after the wrapper was gone";
}

}  // namespace
}  // namespace smsgw::gateway
