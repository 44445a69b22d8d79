// The core under a backend whose circuit breaker lets one call through at a time (a probe):
// it claims no more than the permit allows while calls are out, and it rests until their
// answers come instead of waking for instructions it may not claim.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "commands/engine.h"
#include "gateway/daemon/core.h"
#include "gateway/metrics.h"
#include "tests/daemon/in_process_core.h"
#include "tests/support/sim_thread.h"
#include "tests/support/store_fixture.h"

namespace smsgw::gateway {
namespace {

using namespace std::chrono_literals;

// Holds every call until Release(); its permit is whatever the test sets.
class HoldingBackend : public commands::Backend {
 public:
  enum class Permit { kAny, kNone, kProbe };

  void Submit(commands::Instruction, Completion done) override {
    std::lock_guard<std::mutex> lock(mu_);
    held_.push_back(std::move(done));
    ++calls;
  }
  commands::SendPermit MaySend() const override {
    commands::SendPermit p;
    switch (permit.load()) {
      case Permit::kAny:
        break;
      case Permit::kNone:
        p.calls = 0;
        p.ask_again_in = 100ms;
        break;
      case Permit::kProbe:
        p.calls = 1;
        break;
    }
    return p;
  }
  // Answers every held call "timeout", from this thread.
  void Release() {
    std::vector<Completion> held;
    {
      std::lock_guard<std::mutex> lock(mu_);
      held.swap(held_);
    }
    for (Completion& done : held) done(commands::BackendResult::Unavailable("timeout"));
  }

  std::atomic<Permit> permit{Permit::kAny};
  std::atomic<int> calls{0};

 private:
  std::mutex mu_;
  std::vector<Completion> held_;
};

class CoreProbeTest : public testing::InProcessCoreTest {
 protected:
  void StartCore() {
    CoreOptions options;
    options.default_short_code = "4040";
    options.housekeeping_interval = 1h;
    options.claim_batch = 1;
    core_ = std::make_unique<Core>(
        options, std::move(store_), backend_, engine_,
        [](std::vector<store::ClaimedReply>, std::function<void(std::vector<store::ReplyResult>)>) {
        },
        [](std::string, smpp::UssdScreen) {}, metrics_);
    core_->Start();
  }
  void TearDown() override {
    backend_->Release();
    core_.reset();
    InProcessCoreTest::TearDown();
  }

  Registry registry_;
  DaemonMetrics metrics_{registry_};
  std::shared_ptr<HoldingBackend> backend_ = std::make_shared<HoldingBackend>();
  std::unique_ptr<Core> core_;
};

// A call made while the breaker was closed is still out (a backend that hangs) when the
// breaker, open meanwhile, offers a probe: the core neither claims a second instruction under
// that permit nor spins waiting for the first call's answer.
TEST_F(CoreProbeTest, AProbePermitWithACallOutNeitherClaimsNorSpins) {
  AcceptOne(store::testing::Mo("254700800010", "LOCK"));
  AcceptOne(store::testing::Mo("254700800011", "LOCK"));
  backend_->permit = HoldingBackend::Permit::kProbe;
  StartCore();
  ASSERT_TRUE(test::WaitFor([&] { return backend_->calls.load() == 1; }, 10s));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(backend_->calls.load(), 1) << "a second instruction claimed under one probe permit";

  // The breaker opens (ask again in 100 ms) and then offers a probe, the first call still out.
  backend_->permit = HoldingBackend::Permit::kNone;
  core_->Kick();
  std::this_thread::sleep_for(30ms);
  backend_->permit = HoldingBackend::Permit::kProbe;
  const uint64_t passes = metrics_.core_passes.value();
  std::this_thread::sleep_for(300ms);
  // A spinning core makes thousands of passes in that time; a resting one a few.
  EXPECT_LT(metrics_.core_passes.value() - passes, 10u);
  EXPECT_EQ(backend_->calls.load(), 1);

  // The answer wakes it: the probe goes, and only the probe.
  backend_->Release();
  ASSERT_TRUE(test::WaitFor([&] { return backend_->calls.load() == 2; }, 10s));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(backend_->calls.load(), 2);
}

}  // namespace
}  // namespace smsgw::gateway
