// After a whole payment flow with a known PIN and account number, neither appears in clear in
// the database, its WAL or its shared-memory index.
#include <gtest/gtest.h>

#include <filesystem>

#include "store/ids.h"
#include "tests/support/store_fixture.h"

namespace smsgw::store::testing {
namespace {

constexpr char kPin[] = "271828";
constexpr char kAccount[] = "31415926535";
constexpr char kMsisdn[] = "254700000001";

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// Offsets where `needle` appears outside a sealed value ("v1:" <8 hex> ":" <hex>). Hex text is
// full of digit runs, so a digit string found inside one is ciphertext, not a leak.
std::vector<std::size_t> ClearOccurrences(const std::string& data, const std::string& needle) {
  std::vector<std::size_t> out;
  for (std::size_t pos = data.find(needle); pos != std::string::npos;
       pos = data.find(needle, pos + 1)) {
    std::size_t start = pos;
    while (start > 0 && IsHex(data[start - 1])) --start;
    const bool sealed = start >= 12 && data[start - 1] == ':' &&
                        data.compare(start - 12, 3, "v1:") == 0 && data[start - 10] == ':';
    if (!sealed) out.push_back(pos);
  }
  return out;
}

TEST(SecretsScan, TheScannerFindsClearValuesAndIgnoresCiphertext) {
  EXPECT_EQ(ClearOccurrences("PAY 271828 x", kPin).size(), 1u);
  EXPECT_EQ(ClearOccurrences(std::string("\x03\x11") + "271828", kPin).size(), 1u);
  EXPECT_TRUE(ClearOccurrences("v1:0a1b2c3d:ff00271828ee", kPin).empty());
  EXPECT_EQ(ClearOccurrences("v1:0a1b2c3d:ff00 271828", kPin).size(), 1u);
}

class SecretsScanFlow : public StoreTest {
 protected:
  void ScanAll(const std::string& when) {
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
      const std::string data = ReadFile(entry.path().string());
      ++files;
      for (const char* needle : {kPin, kAccount}) {
        auto hits = ClearOccurrences(data, needle);
        EXPECT_TRUE(hits.empty()) << when << ": " << needle << " in clear in "
                                  << entry.path().filename() << " at offset " << hits.front();
      }
    }
    EXPECT_GE(files, 1);
  }

  int64_t Accept(const std::string& text) { return AcceptOne(Mo(kMsisdn, text)).id; }

  void Apply(const Effects& e) {
    auto r = store().Apply(e);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  NewReply Reply(const std::string& text) { return ReplyTo(kMsisdn, text); }
};

TEST_F(SecretsScanFlow, NeitherPinNorAccountNumberIsStoredInClear) {
  Open();
  // 1. A bill payment asks for a PIN through a challenge.
  int64_t pay = Accept(std::string("PAY KPLC ") + kAccount + " 1500");
  Effects ask;
  ask.consume = ConsumeInbound{pay, "challenge", "PAY KPLC *********** 1500", std::nullopt,
                               "PAY KPLC ACCOUNT 1500"};
  ask.challenges.push_back({kMsisdn,
                            "4821",
                            "bill.pay",
                            R"({"biller":"KPLC","amount":1500})",
                            std::string("account=") + kAccount,
                            std::nullopt,
                            clock_->NowMs() + 5 * kMinute,
                            3,
                            {}});
  ask.replies.push_back(Reply("Reply 4821 <PIN> within 5 min to pay KPLC 1500"));
  Apply(ask);

  // 2. The answer carries the PIN.
  int64_t answer = Accept(std::string("4821 ") + kPin);
  auto challenge = store().FindChallenge(kMsisdn, "4821");
  ASSERT_TRUE(challenge.ok());
  auto keys = MintInstructionKeys(clock_->NowMs());
  Effects go;
  go.consume = ConsumeInbound{answer, "confirmed", "4821 ******", keys->reference, std::nullopt};
  go.challenge_changes.push_back({challenge->id, ChallengeChange::Kind::kConsume});
  go.instructions.push_back({keys->id,
                             keys->reference,
                             kMsisdn,
                             "bill.pay",
                             challenge->payload,
                             std::string(challenge->secret.view()) + ";pin=" + kPin,
                             challenge->id,
                             std::nullopt,
                             {}});
  Apply(go);

  // 3. The backend pays; the receipt names the account (the MT text is sealed too).
  auto claimed = store().ClaimInstructions(10);
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_NE(claimed->at(0).secret.view().find(kPin), std::string_view::npos);
  Effects paid;
  paid.outcomes.push_back({keys->id, InstructionOutcome::Kind::kDone, "receipt KP-0001"});
  paid.replies.push_back(
      Reply(std::string("Paid KPLC 1500 for account ") + kAccount + ", ref " + keys->reference));
  Apply(paid);

  // 4. A message with account and PIN together is refused and stored redacted.
  int64_t both = Accept(std::string("PAY KPLC ") + kAccount + " 1500 " + kPin);
  Effects refuse;
  refuse.consume = ConsumeInbound{both, "refused_credentials", "PAY KPLC *********** 1500 ******",
                                  std::nullopt, std::nullopt};
  refuse.replies.push_back(Reply("Never send your PIN with an account number. Change your PIN."));
  refuse.audit.push_back({Actor::kSubscriber, kMsisdn, "inbound", std::to_string(both),
                          std::string(kEventCredentialRefused), "account and PIN together"});
  Apply(refuse);

  // 5. The replies go out and are delivered.
  auto replies = store().ClaimReplies(10);
  ASSERT_TRUE(replies.ok());
  ASSERT_EQ(replies->size(), 3u);
  std::vector<ReplyResult> sent;
  for (const auto& r : *replies) {
    sent.push_back({r.id, ReplyResult::Kind::kSent, "smsc-" + std::to_string(r.id), "", "smsc1"});
  }
  ASSERT_TRUE(store().RecordReplyResults(sent).ok());
  ASSERT_TRUE(store().RecordReceipt("smsc1", "smsc-1", true, "DELIVRD").ok());

  // 6. A USSD dialogue waiting on its confirmation holds the PIN and the account in its state.
  Effects turn;
  turn.ussd_session = UssdSessionWrite{"smsc1/" + std::string(kMsisdn) + "/7",
                                       kMsisdn,
                                       "smsc1",
                                       false,
                                       std::string(R"({"answers":[["account",")") + kAccount +
                                           R"(",0],["pin",")" + kPin + R"(",0]]})",
                                       clock_->NowMs() + 3 * kMinute};
  Apply(turn);
  auto live = store().LoadUssdSessions(clock_->NowMs());
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live->size(), 1u);
  EXPECT_NE(live->at(0).state.view().find(kPin), std::string_view::npos);

  ScanAll("with the store open (WAL)");
  Close();
  ScanAll("after close (checkpointed)");
}

}  // namespace
}  // namespace smsgw::store::testing
