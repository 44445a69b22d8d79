#include "conf/status.h"

#include <gtest/gtest.h>

namespace smsgw {
namespace {

TEST(Status, OkIsCheapAndPrintsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(Status, CodesAndContext) {
  Status s = Status::Unavailable("disk full").WithContext("accepting batch");
  EXPECT_TRUE(s.IsUnavailable());
  EXPECT_EQ(s.ToString(), "unavailable: accepting batch: disk full");
}

TEST(Result, HoldsValueOrStatus) {
  Result<int> good = 42;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 42);
  EXPECT_TRUE(good.status().ok());
  Result<int> bad = Status::NotFound("no such account");
  EXPECT_FALSE(bad.ok());
  EXPECT_TRUE(bad.status().IsNotFound());
  EXPECT_EQ(bad.value_or(7), 7);
}

}  // namespace
}  // namespace smsgw
