// Effects::notice_id: a notice the backend pushes twice is applied once.
#include <gtest/gtest.h>

#include "tests/support/store_fixture.h"

namespace smsgw::store::testing {
namespace {

constexpr char kMsisdn[] = "254700000001";
constexpr int64_t kDay = 24 * kHour;

class NoticeTest : public StoreTest {
 protected:
  void SetUp() override { Open(); }

  // What the push endpoint applies for a bill notice.
  Effects BillNotice(const std::string& notice_id) {
    Effects e;
    e.notice_id = notice_id;
    e.actor = Actor::kBackend;
    e.replies.push_back(ReplyTo(kMsisdn, "KPLC bill 1,250.00 due 30/11. Pay: PAY KPLC 1250"));
    return e;
  }

  int64_t PendingReplies() {
    auto st = store().Stats();
    EXPECT_TRUE(st.ok()) << st.status().ToString();
    return st.ok() ? st->replies["pending"] : -1;
  }
};

TEST_F(NoticeTest, TheSameNoticeTwiceIsAppliedOnce) {
  auto first = store().Apply(BillNotice("kplc-2023-11-000417"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->reply_ids.size(), 1u);
  auto audit_rows = store().Stats()->audit_rows;

  auto again = store().Apply(BillNotice("kplc-2023-11-000417"));
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(again.status().IsAlreadyExists()) << again.status().ToString();
  EXPECT_NE(again.status().message().find("notice"), std::string::npos);
  EXPECT_EQ(PendingReplies(), 1);
  EXPECT_EQ(store().Stats()->audit_rows, audit_rows);  // nothing at all was written

  // Another notice, and effects without one, go through.
  EXPECT_TRUE(store().Apply(BillNotice("kplc-2023-11-000418")).ok());
  Effects plain = BillNotice("x");
  plain.notice_id.reset();
  EXPECT_TRUE(store().Apply(plain).ok());
  EXPECT_TRUE(store().Apply(plain).ok());
  EXPECT_EQ(PendingReplies(), 4);
}

TEST_F(NoticeTest, ANoticeWhoseEffectsFailIsNotRecorded) {
  Effects bad = BillNotice("n-1");
  bad.consume = ConsumeInbound{999, "notice", "", std::nullopt, std::nullopt};  // no such MO
  EXPECT_TRUE(store().Apply(bad).status().IsNotFound());
  EXPECT_EQ(PendingReplies(), 0);
  auto retried = store().Apply(BillNotice("n-1"));
  EXPECT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(PendingReplies(), 1);
}

TEST_F(NoticeTest, TheIdMustBeShortPrintableAscii) {
  for (const std::string& id :
       {std::string(), std::string(kMaxNoticeIdBytes + 1, 'a'), std::string("bill\n1"),
        std::string("bill\x7f"), std::string("facture-\xc3\xa9t\xc3\xa9")}) {
    auto r = store().Apply(BillNotice(id));
    EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  }
  EXPECT_EQ(PendingReplies(), 0);
  EXPECT_TRUE(store().Apply(BillNotice(std::string(kMaxNoticeIdBytes, '~'))).ok());
  EXPECT_TRUE(store().Apply(BillNotice("bill 2023/11 #7")).ok());
}

TEST_F(NoticeTest, NoticeIdsSurviveARestartAndArePurgedWithTheRest) {
  ASSERT_TRUE(store().Apply(BillNotice("n-old")).ok());
  Close();
  Open();
  EXPECT_TRUE(store().Apply(BillNotice("n-old")).status().IsAlreadyExists());
  clock_->Advance(60 * kDay);
  ASSERT_TRUE(store().Apply(BillNotice("n-young")).ok());
  clock_->Advance(31 * kDay);
  auto purged = store().Purge({});  // 90 days
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_EQ(purged->notices, 1);
  EXPECT_TRUE(store().Apply(BillNotice("n-young")).status().IsAlreadyExists());
  EXPECT_TRUE(store().Apply(BillNotice("n-old")).ok());  // forgotten: applied again
}

}  // namespace
}  // namespace smsgw::store::testing
