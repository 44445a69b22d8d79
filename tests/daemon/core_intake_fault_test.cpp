// The core's intake when the store loses AcceptAndStep's transaction (core.cpp,
// AcceptMessages), in process through the fault VFS: the batch is then stored on its own, so
// its MOs are acknowledged rather than refused, and ProcessInbound steps them on a later pass.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "commands/engine.h"
#include "gateway/daemon/core.h"
#include "gateway/metrics.h"
#include "tests/daemon/in_process_core.h"
#include "tests/support/fault_vfs.h"
#include "tests/support/sim_thread.h"
#include "tests/support/store_fixture.h"

namespace smsgw::gateway {
namespace {

using namespace std::chrono_literals;
using store::testing::FaultVfs;

constexpr const char* kPhone = "254700900010";

// No MO of these tests makes an instruction: a call would be a bug in the test.
class NoBackend : public commands::Backend {
 public:
  void Submit(commands::Instruction, Completion done) override {
    ADD_FAILURE() << "unexpected backend call";
    done(commands::BackendResult::Unavailable("no backend in this test"));
  }
};

class CoreIntakeFaultTest : public testing::InProcessCoreTest {
 protected:
  void SetUp() override {
    InProcessCoreTest::SetUp();
    if (HasFatalFailure()) return;
    CoreOptions options;
    options.default_short_code = "4040";
    options.housekeeping_interval = 1h;
    core_ = std::make_unique<Core>(
        options, std::move(store_), std::make_shared<NoBackend>(), engine_,
        [this](std::vector<store::ClaimedReply> replies,
               std::function<void(std::vector<store::ReplyResult>)> done) {
          std::vector<store::ReplyResult> results;
          {
            std::lock_guard<std::mutex> lock(mu_);
            for (const store::ClaimedReply& r : replies) {
              sent_[r.destination].push_back(std::string(r.text.view()));
              results.push_back(
                  {r.id, store::ReplyResult::Kind::kSent, "m" + std::to_string(r.id), ""});
            }
          }
          done(std::move(results));
        },
        [](std::string, smpp::UssdScreen) {}, metrics_);
    core_->Start();
  }
  void TearDown() override {
    core_.reset();
    FaultVfs::Get().Clear();
  }

  // Whether the core came to rest (nothing queued, new, in flight or due) within 20 s.
  bool Rest() {
    std::promise<bool> idle;
    core_->Drain(std::chrono::steady_clock::now() + 20s, [&](bool i) { idle.set_value(i); });
    return idle.get_future().get();
  }

  // Hands one read's worth of MOs to the core; the statuses its acks carry.
  std::vector<uint32_t> Deliver(std::vector<store::InboundMessage> messages) {
    std::promise<std::vector<uint32_t>> acked;
    IntakeBatch batch;
    batch.messages = std::move(messages);
    batch.received = std::chrono::steady_clock::now();
    batch.done = [&](std::vector<uint32_t> status, std::vector<uint32_t>, std::vector<uint32_t>,
                     std::vector<uint32_t>) { acked.set_value(std::move(status)); };
    core_->Accept(std::move(batch));
    auto answer = acked.get_future();
    if (answer.wait_for(20s) != std::future_status::ready) return {};
    return answer.get();
  }

  std::vector<std::string> SentTo(const std::string& msisdn) {
    std::lock_guard<std::mutex> lock(mu_);
    return sent_[msisdn];
  }

  Registry registry_;
  DaemonMetrics metrics_{registry_};
  std::unique_ptr<Core> core_;
  std::mutex mu_;
  std::map<std::string, std::vector<std::string>> sent_;  // destination -> texts
};

TEST_F(CoreIntakeFaultTest, AnMoWhoseAcceptAndStepFailedIsAckedStoredOnceAndAnsweredLater) {
  ASSERT_TRUE(Rest()) << "the core did not come to rest after starting";
  const int failures_before = FaultVfs::Get().failures();
  // The fsync of AcceptAndStep's commit fails; the disk works again for the Accept after it.
  FaultVfs::Get().FailSyncs(SQLITE_IOERR_FSYNC, /*after=*/0, /*count=*/1);
  const std::vector<uint32_t> acked = Deliver({store::testing::Mo(kPhone, "HELP")});
  EXPECT_EQ(FaultVfs::Get().failures(), failures_before + 1);
  EXPECT_EQ(acked, std::vector<uint32_t>{0}) << "ESME_ROK, not a retry-later";
  EXPECT_EQ(metrics_.mo_stored.value(), 1u);
  EXPECT_EQ(metrics_.mo_retry_later.value(), 0u);
  EXPECT_EQ(metrics_.inbound_stepped_at_intake.value(), 0u) << "the step at intake was lost";

  ASSERT_TRUE(Rest()) << "the stored MO was not processed";
  const std::vector<std::string> sent = SentTo(kPhone);
  ASSERT_EQ(sent.size(), 1u) << "one reply, from ProcessInbound's step";
  EXPECT_FALSE(sent[0].empty());
  core_.reset();
  EXPECT_EQ(store::testing::RawQuery(path_, "SELECT count(*) FROM inbound"), "1");
  EXPECT_EQ(store::testing::RawQuery(path_, "SELECT state FROM inbound"), "processed");
}

}  // namespace
}  // namespace smsgw::gateway
