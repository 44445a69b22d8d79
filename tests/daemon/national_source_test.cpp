// MO sources in national form through the daemon as a process: the SMSC simulator delivers
// Amina's messages as TON 2 "0700000001" (or "700000001"), her account is registered under
// 254700000001, and the gateway must act and answer as that account.
#include <gtest/gtest.h>

#include <fstream>
#include <utility>
#include <vector>

#include "tests/daemon/daemon_fixture.h"
#include "tests/support/phone_console_mo.h"

namespace smsgw::daemon_test {
namespace {

constexpr uint8_t kTonUnknown = 0;
constexpr uint8_t kTonNational = 2;
constexpr uint8_t kTonAlphanumeric = 5;
constexpr uint8_t kNpiIsdn = 1;
constexpr uint8_t kNpiUnknown = 0;

using AddressType = std::pair<unsigned, unsigned>;  // TON, NPI

class NationalSourceTest : public DaemonTest {
 protected:
  // Sends `text` from `source` as the SMSC addresses it and returns the next message to
  // `reply_to`.
  std::string SayFrom(const smpp::Address& source, const std::string& text,
                      const std::string& reply_to) {
    const size_t before = sim_->MessagesTo(reply_to).size();
    auto pdus = console::BuildMoParts(source.value, kShortCode, text, 1);
    if (!pdus.ok() || pdus->size() != 1) return "<not one PDU: \"" + text + "\">";
    smpp::DeliverSm mo = std::move(pdus->front());
    mo.source = source;
    sim_->Run([&](smpp::testing::SmscSimulator& sim) { sim.PushMo(std::move(mo)); });
    auto got = sim_->WaitMessagesTo(reply_to, before + 1, 20s);
    if (got.size() <= before) return "<no reply to \"" + text + "\" at " + reply_to + ">";
    return got[before].text;
  }

  // The destination TON and NPI of every submit_sm to `to` so far.
  std::vector<AddressType> SubmitTypesTo(const std::string& to) {
    std::vector<AddressType> out;
    sim_->Run([&](smpp::testing::SmscSimulator& sim) {
      for (const smpp::SubmitSm& sm : sim.submits()) {
        if (sm.destination.value == to) out.emplace_back(sm.destination.ton, sm.destination.npi);
      }
    });
    return out;
  }

  // Writes the shipped grammar with a number plan whose mobile numbers start with 2, so the
  // demo subscribers' national forms are not numbers of it. The shipped text is returned.
  std::string UseLandlinePlan() {
    const std::string shipped = test::ReadFileText(grammar_);
    const std::string prefixes = "mobile_prefixes: [\"7\", \"1\"]";
    const size_t at = shipped.find(prefixes);
    if (at == std::string::npos) return {};
    std::string landlines = shipped;
    landlines.replace(at, prefixes.size(), "mobile_prefixes: [\"2\"]");
    std::ofstream(grammar_) << landlines;
    return shipped;
  }

  // Waits (bounded) for `event` to appear in the log.
  bool WaitForLog(const std::string& event) {
    return test::WaitFor([&] { return Has(Log(), event); }, 20s);
  }
};

TEST_F(NationalSourceTest, AnMoFromANationalNumberIsAnsweredAsTheInternationalAccount) {
  StartDaemon();
  const std::string challenge = SayFrom({kTonNational, 1, "0700000001"}, "BAL", kAmina);
  const std::string code = CodeIn(challenge);
  ASSERT_FALSE(code.empty()) << challenge;
  // The confirmation in another national form: still the challenge Amina was sent.
  const std::string balance =
      SayFrom({kTonNational, 1, "700000001"}, code + " " + kDemoPin, kAmina);
  EXPECT_TRUE(Has(balance, "10,000.00")) << balance;
  const std::string statement = SayFrom({kTonUnknown, 1, "00254700000001"}, "MINI", kAmina);
  EXPECT_FALSE(CodeIn(statement).empty()) << statement;
  EXPECT_TRUE(sim_->MessagesTo("0700000001").empty()) << "replies go to the stored number";
  const std::vector<AddressType> types = SubmitTypesTo(kAmina);
  ASSERT_FALSE(types.empty());
  for (const AddressType& type : types) {
    EXPECT_EQ(type, AddressType(1, 1)) << "the connection's destination TON/NPI";
  }
  EXPECT_FALSE(Has(Log(), "mo.source_not_in_plan"));
  EXPECT_EQ(StopDaemon(), 0);
}

// The plan MO sources are read with is the grammar's, and a SIGHUP reloads it with the rest.
TEST_F(NationalSourceTest, TheNumberPlanOfAReloadedGrammarReadsTheNextMo) {
  const std::string shipped = UseLandlinePlan();
  ASSERT_FALSE(shipped.empty());
  StartDaemon();
  // Not a number of this plan: kept as it came, and answered there.
  const std::string before = SayFrom({kTonNational, 1, "0700000001"}, "HELP", "0700000001");
  EXPECT_FALSE(Has(before, "<no reply")) << before;
  EXPECT_TRUE(WaitForLog("event=mo.source_not_in_plan"));

  std::ofstream(grammar_) << shipped;
  daemon_->Signal(SIGHUP);
  ASSERT_TRUE(WaitForLog("event=reload.done"));
  const std::string challenge = SayFrom({kTonNational, 1, "0700000001"}, "BAL", kAmina);
  EXPECT_FALSE(CodeIn(challenge).empty()) << challenge;
  EXPECT_EQ(StopDaemon(), 0);
}

// A source kept as it came is not an E.164 number, so the reply to it must not go out with the
// connection's TON 1: it carries the TON and NPI the MO came with.
TEST_F(NationalSourceTest, TheReplyToASourceKeptAsItCameCarriesItsTonAndNpi) {
  ASSERT_FALSE(UseLandlinePlan().empty());
  StartDaemon();
  const std::string national =
      SayFrom({kTonNational, kNpiIsdn, "0700000001"}, "HELP", "0700000001");
  EXPECT_FALSE(Has(national, "<no reply")) << national;
  const std::string alphanumeric =
      SayFrom({kTonAlphanumeric, kNpiUnknown, "MyBank"}, "HELLO", "MyBank");
  EXPECT_FALSE(Has(alphanumeric, "<no reply")) << alphanumeric;
  EXPECT_EQ(SubmitTypesTo("0700000001"), std::vector<AddressType>({{kTonNational, kNpiIsdn}}));
  EXPECT_EQ(SubmitTypesTo("MyBank"), std::vector<AddressType>({{kTonAlphanumeric, kNpiUnknown}}));
  EXPECT_EQ(StopDaemon(), 0);
}

// The backend's answer to a command from such a source (here: no account has that number)
// goes there the same way: the challenge, then the answer after the PIN.
TEST_F(NationalSourceTest, TheBackendsAnswerToASourceKeptAsItCameCarriesItsTonAndNpi) {
  ASSERT_FALSE(UseLandlinePlan().empty());
  StartDaemon();
  const smpp::Address kept{kTonNational, kNpiIsdn, "0700000001"};
  const std::string challenge = SayFrom(kept, "BAL", "0700000001");
  const std::string code = CodeIn(challenge);
  ASSERT_FALSE(code.empty()) << challenge;
  const std::string answer = SayFrom(kept, code + " " + kDemoPin, "0700000001");
  EXPECT_FALSE(Has(answer, "<no reply")) << answer;
  EXPECT_EQ(sim_->MessagesTo("0700000001").size(), 2u);
  const std::vector<AddressType> types = SubmitTypesTo("0700000001");  // a part each
  EXPECT_GE(types.size(), 2u);
  for (const AddressType& type : types) EXPECT_EQ(type, AddressType(kTonNational, kNpiIsdn));
  EXPECT_EQ(StopDaemon(), 0);
}

}  // namespace
}  // namespace smsgw::daemon_test
