#include "store/parsed_memo.h"

#include <gtest/gtest.h>

namespace smsgw::store {
namespace {

std::shared_ptr<const void> Form(const std::string& s) {
  return std::make_shared<const std::string>(s);
}

TEST(ParsedMemoTest, HandsBackAFormOnlyForTheIdAndPayloadItWasPutWith) {
  ParsedMemo memo(4);
  auto form = Form("a");
  memo.Put(1, "payload-1", form);
  EXPECT_EQ(memo.Find(1, "payload-1"), form);
  EXPECT_EQ(memo.Find(1, "payload-2"), nullptr);
  EXPECT_EQ(memo.Find(2, "payload-1"), nullptr);
  auto again = Form("b");
  memo.Put(1, "payload-2", again);  // the id given again, to another row
  EXPECT_EQ(memo.Find(1, "payload-1"), nullptr);
  EXPECT_EQ(memo.Find(1, "payload-2"), again);
  memo.Forget(1);
  EXPECT_EQ(memo.Find(1, "payload-2"), nullptr);
  memo.Put(3, "p", nullptr);  // nothing to keep
  EXPECT_EQ(memo.size(), 0u);
  memo.Put(4, "p", form);
  memo.Put(4, "p", nullptr);  // the id made again without a form: the old one goes
  EXPECT_EQ(memo.Find(4, "p"), nullptr);
}

TEST(ParsedMemoTest, ForgetsTheOldestBeyondItsCapacity) {
  ParsedMemo memo(3);
  for (int64_t id = 1; id <= 5; ++id) memo.Put(id, "p", Form(std::to_string(id)));
  EXPECT_EQ(memo.size(), 3u);
  EXPECT_EQ(memo.Find(1, "p"), nullptr);
  EXPECT_EQ(memo.Find(2, "p"), nullptr);
  for (int64_t id = 3; id <= 5; ++id) EXPECT_NE(memo.Find(id, "p"), nullptr) << id;
  // The same id put over and over stays bounded too.
  for (int i = 0; i < 100; ++i) memo.Put(7, "p" + std::to_string(i), Form("x"));
  EXPECT_LE(memo.size(), 3u);
  EXPECT_NE(memo.Find(7, "p99"), nullptr);
}

TEST(ParsedMemoTest, KeepsNothingWithNoCapacity) {
  ParsedMemo memo(0);
  memo.Put(1, "p", Form("a"));
  EXPECT_EQ(memo.Find(1, "p"), nullptr);
}

}  // namespace
}  // namespace smsgw::store
