// Wall-clock jumps, at the level where they can be made: the store with a manual clock (a
// daemon's clock cannot be stepped from a test). Outbox retry times are wall-clock instants,
// so a clock stepped back must not hold a retry back by the size of the step, and a clock
// stepped forward makes retries due at once (early, never lost).
#include <gtest/gtest.h>

#include "store/ids.h"
#include "tests/support/store_fixture.h"

namespace smsgw::drills {
namespace {

using namespace store;
using namespace store::testing;

constexpr char kMsisdn[] = "254700000001";

class ClockDrill : public StoreTest {
 protected:
  void SetUp() override {
    Options o = MakeOptions();
    o.instruction_retry = {1'000, 8'000, 5};
    o.reply_retry = {500, 4'000, 5};
    Open(o);
  }

  // An instruction whose first attempt failed: pending, due within the retry ceiling.
  std::string FailedInstruction() {
    auto keys = MintInstructionKeys(clock_->NowMs());
    EXPECT_TRUE(keys.ok());
    Effects e;
    e.instructions.push_back({keys->id,
                              keys->reference,
                              kMsisdn,
                              "transfer",
                              R"({"to":"254711","amount":500})",
                              "pin=1234",
                              std::nullopt,
                              std::nullopt,
                              {}});
    EXPECT_TRUE(store().Apply(e).ok());
    EXPECT_EQ(ClaimInstructions(), 1u);
    Effects retry;
    retry.outcomes.push_back({keys->id, InstructionOutcome::Kind::kRetry, "down"});
    EXPECT_TRUE(store().Apply(retry).ok());
    return keys->id;
  }

  // A reply whose first send failed.
  void FailedReply() {
    Effects e;
    e.replies.push_back(ReplyTo(kMsisdn, "Paid."));
    auto applied = store().Apply(e);
    ASSERT_TRUE(applied.ok());
    ASSERT_EQ(ClaimReplies(), 1u);
    ReplyResult r{applied->reply_ids.at(0), ReplyResult::Kind::kRetry, "", "no bind up"};
    ASSERT_TRUE(store().RecordReplyResults(std::span(&r, 1)).ok());
  }

  size_t ClaimInstructions() {
    auto c = store().ClaimInstructions(10);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? c->size() : 0;
  }
  size_t ClaimReplies() {
    auto c = store().ClaimReplies(10);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? c->size() : 0;
  }
};

TEST_F(ClockDrill, ClockSteppedBackAnHourDoesNotHoldARetryBackAnHour) {
  FailedInstruction();
  FailedReply();
  EXPECT_EQ(ClaimInstructions(), 0u) << "not due yet";
  clock_->Advance(-kHour);
  // The longest a retry can wait is the policy's ceiling (8 s, 4 s); an hour later than that
  // is a clock that went back.
  clock_->Advance(8'000);
  EXPECT_EQ(ClaimInstructions(), 1u) << "the instruction's retry waits for the clock to catch up";
  EXPECT_EQ(ClaimReplies(), 1u) << "the reply's retry waits for the clock to catch up";
}

TEST_F(ClockDrill, ClockSteppedForwardMakesRetriesDueAtOnce) {
  FailedInstruction();
  FailedReply();
  clock_->Advance(kHour);
  EXPECT_EQ(ClaimInstructions(), 1u);
  EXPECT_EQ(ClaimReplies(), 1u);
}

TEST_F(ClockDrill, SmallStepBackStillWaitsForTheRetryTime) {
  // A step back shorter than the ceiling cannot be told from a retry time: it waits.
  FailedInstruction();
  clock_->Advance(-500);
  EXPECT_EQ(ClaimInstructions(), 0u);
}

}  // namespace
}  // namespace smsgw::drills
