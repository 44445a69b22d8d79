// UssdDialogues in process, over a real store and the shipped grammar's engine: the events of
// one dialogue that share a batch are turns in their order, so an answer the network resent
// (our deliver_sm_resp was late) finds the screen its first copy left, and a batch whose
// transaction is lost leaves the dialogues as the store kept them.
#include "gateway/daemon/ussd_dialogues.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "commands/store_view.h"
#include "gateway/metrics.h"
#include "tests/daemon/in_process_core.h"
#include "tests/support/fault_vfs.h"
#include "tests/support/store_fixture.h"

namespace smsgw::gateway {
namespace {

using store::testing::FaultVfs;

constexpr const char* kAmina = "254700000001";
constexpr const char* kService = "*384*12#";

class UssdDialoguesTest : public testing::InProcessCoreTest {
 protected:
  void SetUp() override {
    InProcessCoreTest::SetUp();
    view_ = std::make_unique<commands::StoreViewAdapter>(store());
  }
  void TearDown() override { FaultVfs::Get().Clear(); }

  UssdEvent Event(smpp::UssdKind kind, std::string text, std::string dialogue = "d1") {
    UssdEvent e;
    e.connection = "smsc1";
    e.msisdn = kAmina;
    e.service = kService;
    e.dialogue = std::move(dialogue);
    e.kind = kind;
    e.text = std::move(text);
    return e;
  }
  UssdEvent Answer(std::string text) { return Event(smpp::UssdKind::kAnswer, std::move(text)); }
  // An answer as an its_session_info network numbers it.
  UssdEvent Answer(std::string text, uint8_t sequence) {
    UssdEvent e = Answer(std::move(text));
    e.sequence = sequence;
    return e;
  }
  UssdEvent Dial(std::string text, uint8_t sequence) {
    UssdEvent e = Event(smpp::UssdKind::kOpen, std::move(text));
    e.sequence = sequence;
    return e;
  }

  std::vector<UssdDialogues::Outcome> Handle(const std::vector<UssdEvent>& events) {
    return dialogues_.Handle(events, *engine_, store(), *view_, clock_->NowMs());
  }

  // The text of the single screen a one-event batch answers with.
  std::string Turn(const UssdEvent& e) {
    auto out = Handle({e});
    EXPECT_EQ(out.size(), 1u);
    if (out.size() != 1 || !out[0].screen) return "<no screen>";
    EXPECT_EQ(out[0].status, 0u);
    return out[0].screen->text;
  }

  // Dials "send money" and answers up to its confirmation screen.
  void UpToTheConfirmation() {
    ASSERT_NE(Turn(Event(smpp::UssdKind::kOpen, "*384*12*2#")).find("phone number"),
              std::string::npos);
    ASSERT_NE(Turn(Answer("0700000002")).find("amount"), std::string::npos);
    ASSERT_NE(Turn(Answer("500")).find("PIN"), std::string::npos);
    const std::string confirm = Turn(Answer("1234"));
    ASSERT_NE(confirm.find("Send KES 500.00"), std::string::npos) << confirm;
  }

  int64_t Instructions() {
    return std::stoll(store::testing::RawQuery(path_, "SELECT COUNT(*) FROM instruction"));
  }

  Registry registry_;
  DaemonMetrics metrics_{registry_};
  UssdDialogues dialogues_{{180'000, "4040"}, metrics_};
  std::unique_ptr<commands::StoreViewAdapter> view_;
};

TEST_F(UssdDialoguesTest, AResentConfirmationInTheSameBatchSubmitsOnce) {
  UpToTheConfirmation();
  auto out = Handle({Answer("1"), Answer("1")});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(Instructions(), 1) << "one payment, not one per copy of the answer";
  ASSERT_TRUE(out[0].screen && out[1].screen);
  EXPECT_EQ(out[0].status, 0u);
  EXPECT_TRUE(out[0].screen->end);
  EXPECT_EQ(out[1].status, 0u);
  EXPECT_TRUE(out[1].screen->end) << "the second copy finds the dialogue ended";
  EXPECT_NE(out[1].screen->text, out[0].screen->text);
  EXPECT_EQ(dialogues_.live(), 0u);
}

TEST_F(UssdDialoguesTest, EachAnswerOfABatchIsTakenOnTheScreenTheOneBeforeLeft) {
  ASSERT_NE(Turn(Event(smpp::UssdKind::kOpen, "*384*12*2#")).find("phone number"),
            std::string::npos);
  auto out = Handle({Answer("0700000002"), Answer("500"), Answer("1234"), Answer("1")});
  ASSERT_EQ(out.size(), 4u);
  for (const auto& o : out) ASSERT_TRUE(o.screen && o.status == 0u);
  EXPECT_NE(out[1].screen->text.find("PIN"), std::string::npos) << out[1].screen->text;
  EXPECT_NE(out[2].screen->text.find("Send KES 500.00"), std::string::npos) << out[2].screen->text;
  EXPECT_TRUE(out[3].screen->end);
  EXPECT_EQ(Instructions(), 1);
}

// A network that numbers the units of a dialogue (its_session_info's sequence) delivers an
// answer again with its first number: the copy is acknowledged with no screen, and the
// dialogue still waits on the screen the first copy brought.
TEST_F(UssdDialoguesTest, AResentAnswerIsAcknowledgedAndNotTakenOnTheNextScreen) {
  ASSERT_NE(Turn(Dial("*384*12*2#", 0)).find("phone number"), std::string::npos);
  ASSERT_NE(Turn(Answer("0700000002", 1)).find("amount"), std::string::npos);
  auto copy = Handle({Answer("0700000002", 1)});
  ASSERT_EQ(copy.size(), 1u);
  EXPECT_EQ(copy[0].status, 0u) << "acknowledged";
  EXPECT_FALSE(copy[0].screen) << "its first copy's screen went already";
  EXPECT_NE(registry_.Render().find("smsgw_ussd_resent_answers_total 1"), std::string::npos);
  EXPECT_NE(Turn(Answer("500", 2)).find("PIN"), std::string::npos)
      << "the amount is still the one asked";
}

TEST_F(UssdDialoguesTest, AResentAnswerInTheSameBatchIsTakenOnce) {
  ASSERT_NE(Turn(Dial("*384*12*2#", 0)).find("phone number"), std::string::npos);
  auto out = Handle(
      {Answer("0700000002", 1), Answer("0700000002", 1), Answer("500", 2), Answer("500", 2)});
  ASSERT_EQ(out.size(), 4u);
  for (const auto& o : out) EXPECT_EQ(o.status, 0u);
  ASSERT_TRUE(out[0].screen && out[2].screen);
  EXPECT_FALSE(out[1].screen);
  EXPECT_FALSE(out[3].screen);
  EXPECT_NE(out[2].screen->text.find("PIN"), std::string::npos) << out[2].screen->text;
  EXPECT_NE(Turn(Answer("1234", 3)).find("Send KES 500.00"), std::string::npos);
}

// The numbers go to the store with the dialogue: a copy that comes after a restart is known.
TEST_F(UssdDialoguesTest, AResentAnswerAfterARestartIsKnownFromTheStore) {
  ASSERT_NE(Turn(Dial("*384*12*2#", 5)).find("phone number"), std::string::npos);
  ASSERT_NE(Turn(Answer("0700000002", 6)).find("amount"), std::string::npos);
  UssdDialogues restarted({180'000, "4040"}, metrics_);
  restarted.Restore(store(), clock_->NowMs());
  ASSERT_EQ(restarted.live(), 1u);
  auto copy =
      restarted.Handle({Answer("0700000002", 6)}, *engine_, store(), *view_, clock_->NowMs());
  ASSERT_EQ(copy.size(), 1u);
  EXPECT_EQ(copy[0].status, 0u);
  EXPECT_FALSE(copy[0].screen);
  auto next = restarted.Handle({Answer("500", 7)}, *engine_, store(), *view_, clock_->NowMs());
  ASSERT_TRUE(next.size() == 1 && next[0].screen);
  EXPECT_NE(next[0].screen->text.find("PIN"), std::string::npos) << next[0].screen->text;
}

// A network that gives every unit the same number tells nothing: each answer is taken, as
// when no number comes at all.
TEST_F(UssdDialoguesTest, UnitsAllNumberedAlikeAreEachTaken) {
  ASSERT_NE(Turn(Dial("*384*12*2#", 0)).find("phone number"), std::string::npos);
  EXPECT_NE(Turn(Answer("0700000002", 0)).find("amount"), std::string::npos);
  EXPECT_NE(Turn(Answer("500", 0)).find("PIN"), std::string::npos);
}

TEST_F(UssdDialoguesTest, ALostBatchLeavesTheDialogueWhereTheStoreHasIt) {
  UpToTheConfirmation();
  FaultVfs::Get().FailSyncs(SQLITE_IOERR_FSYNC, 0, 1);  // the batch's commit fails
  auto lost = Handle({Answer("1"), Answer("1")});
  ASSERT_EQ(lost.size(), 2u);
  EXPECT_NE(lost[0].status, 0u);
  EXPECT_NE(lost[1].status, 0u);
  EXPECT_FALSE(lost[0].screen || lost[1].screen);
  EXPECT_EQ(Instructions(), 0);
  ASSERT_EQ(dialogues_.live(), 1u) << "still on the confirmation, as its copy in the store";

  auto again = Handle({Answer("1")});
  ASSERT_EQ(again.size(), 1u);
  ASSERT_TRUE(again[0].screen);
  EXPECT_TRUE(again[0].screen->end);
  EXPECT_EQ(Instructions(), 1);
}

TEST_F(UssdDialoguesTest, AnAnswerToAnUnknownDialogueLeavesTheLiveOneAlone) {
  ASSERT_NE(Turn(Event(smpp::UssdKind::kOpen, "*384*12*2#")).find("phone number"),
            std::string::npos);
  auto out = Handle({Event(smpp::UssdKind::kAnswer, "1", "stale")});
  ASSERT_EQ(out.size(), 1u);
  ASSERT_TRUE(out[0].screen);
  EXPECT_TRUE(out[0].screen->end);
  EXPECT_EQ(dialogues_.live(), 1u) << "the store keeps it: so does memory";
  EXPECT_NE(Turn(Answer("0700000002")).find("amount"), std::string::npos);
}

}  // namespace
}  // namespace smsgw::gateway
