// EsmeSession when the SMSC's view of the bind changes under it: ESME_RINVBNDSTS on a submit,
// a dropped or refused bind with submits still queued, an unbind from the SMSC. Loops wait for
// a condition, bounded in time; nothing asserts on durations.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "gateway/smpp/encode.h"
#include "tests/smpp/pdu_bytes.h"
#include "tests/smpp_session/session_fixture.h"

namespace smsgw::smpp {
namespace {

class SessionLinkTest : public SessionFixture {
 protected:
  // The sequence number of the latest submit_sm the SMSC received.
  uint32_t LastSubmitSeq() const {
    uint32_t seq = 0;
    for (const Pdu& p : sim_.received()) {
      if (std::holds_alternative<SubmitSm>(p.body)) seq = p.sequence_number;
    }
    return seq;
  }
};

TEST_F(SessionLinkTest, InvalidBindStatusOnSubmitBindsAgain) {
  sim_.config().answer_submits = false;
  StartSession(Config());
  ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  std::optional<SubmitResult> first;
  ASSERT_TRUE(session_->Submit(Mt("one"), [&](const SubmitResult& r) { first = r; }).ok());
  ASSERT_TRUE(RunUntil([&] { return sim_.submits().size() == 1; }));
  // The SMSC failed over behind the same TCP link and no longer knows our bind.
  sim_.PushRaw(smpp::testing::Bytes().AsPdu(ToWire(CommandId::kSubmitSmResp), LastSubmitSeq(),
                                            ToWire(CommandStatus::kRInvBndSts)));
  ASSERT_TRUE(RunUntil([&] { return first.has_value(); }));
  EXPECT_EQ(first->status, ToWire(CommandStatus::kRInvBndSts));
  EXPECT_EQ(first->consequence.status_class, StatusClass::kTemporary);
  EXPECT_FALSE(first->outcome_unknown);
  // A new connection and a new bind; submits flow on it.
  ASSERT_TRUE(RunUntil([&] { return sim_.connections() == 2 && sim_.binds() == 2 && Bound(); }))
      << LogText();
  EXPECT_TRUE(Logged("ESME_RINVBNDSTS")) << LogText();
  sim_.config().answer_submits = true;
  std::optional<SubmitResult> second;
  ASSERT_TRUE(session_->Submit(Mt("two"), [&](const SubmitResult& r) { second = r; }).ok());
  ASSERT_TRUE(RunUntil([&] { return second.has_value(); }));
  EXPECT_EQ(second->status, 0u);
  EXPECT_FALSE(second->message_id.empty());
}

}  // namespace
}  // namespace smsgw::smpp
