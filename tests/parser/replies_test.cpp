// What the subscriber reads after an error, a refused message or HELP: exact texts from the
// shipped grammar, in the language of the keyword used.
#include "parser/replies.h"

#include <gtest/gtest.h>

#include "parser/parse.h"
#include "tests/support/grammar_fixture.h"

namespace smsgw::parser {
namespace {

std::string Reply(std::string_view text, std::string_view language = "") {
  const auto g = test_support::ShippedGrammar();
  const ParseOutcome o = Parse(*g, text, {.sender = "254711000111", .language = language});
  Result<std::string> r = ReplyFor(*g, o);
  return r.ok() ? *r : "<" + r.status().ToString() + ">";
}

TEST(Replies, BadFieldNamesTheFieldTheRuleAndTheUsage) {
  EXPECT_EQ(Reply("SEND 0712345678 5"),
            "Amount must be between 10 and 70,000. Use: SEND <phone> <amount>");
  EXPECT_EQ(Reply("TUMA 0712345678 5"),
            "Kiasi lazima kiwe kati ya 10 na 70,000. Tumia: TUMA <namba ya simu> <kiasi>");
  EXPECT_EQ(Reply("SEND 0712345678 abc"),
            "Amount must be a number from 10 to 70,000. Use: SEND <phone> <amount>");
  EXPECT_EQ(Reply("SEND 0212345678 100"),
            "Phone must be a phone number like 0712345678. Use: SEND <phone> <amount>");
  EXPECT_EQ(Reply("CANCEL 482"), "Code must have 4 digits. Use: CANCEL <code>");
  EXPECT_EQ(Reply("GHAIRI 482"), "Msimbo lazima iwe na tarakimu 4. Tumia: GHAIRI <msimbo>");
  EXPECT_EQ(Reply("WITHDRAW 1234 1000"),
            "Agent number must have 5 to 7 digits. Use: WITHDRAW <agent number> <amount>");
  EXPECT_EQ(Reply("PAY K 123456 100"),
            "Biller must be 2 to 12 letters or digits. Use: PAY <biller> <bill ref> <amount>");
  EXPECT_EQ(Reply("HELP FOO"),
            "Command must be one of REG, PAY, SEND, WITHDRAW, TOPUP, BAL, MINI, PIN, LOCK, "
            "CANCEL, HELP, STOP. Use: HELP [command]");
  EXPECT_EQ(Reply("MSAADA FOO"),
            "Amri lazima iwe mojawapo ya SAJILI, LIPA, TUMA, TOA, JAZA, SALIO, TAARIFA, BADILI "
            "PIN, FUNGA, GHAIRI, MSAADA, SITISHA. Tumia: MSAADA [amri]");
  EXPECT_EQ(Reply("REG 1234567"),
            "Account number must have 8 to 16 digits. Use: REG <account number>");
}

TEST(Replies, MissingAndExtraValues) {
  EXPECT_EQ(Reply("PAY KPLC 123456"), "Missing amount. Use: PAY <biller> <bill ref> <amount>");
  EXPECT_EQ(Reply("LIPA KPLC"), "Umesahau kumbukumbu. Tumia: LIPA <kampuni> <kumbukumbu> <kiasi>");
  EXPECT_EQ(Reply("BAL now"), "Too many values. Use: BAL");
  EXPECT_EQ(Reply("SALIO sasa"), "Maneno ni mengi mno. Tumia: SALIO");
  EXPECT_EQ(Reply("TOPUP"), "Missing amount. Use: TOPUP [phone] <amount>");
}

TEST(Replies, ConfirmationFollowsTheSubscribersLanguage) {
  EXPECT_EQ(Reply("4821 12345"), "PIN must have 4 digits. Use: <code> <PIN>");
  EXPECT_EQ(Reply("4821 12345", "sw"), "PIN lazima iwe na tarakimu 4. Tumia: <msimbo> <PIN>");
  EXPECT_EQ(Reply("4821", "sw"), "Umesahau PIN. Tumia: <msimbo> <PIN>");
}

TEST(Replies, UnknownCommands) {
  EXPECT_EQ(Reply("SNED 0712345678 500"),
            "Unknown command. Did you mean SEND? Use: SEND <phone> <amount>");
  EXPECT_EQ(Reply("LIPPA KPLC 1 1"),
            "Amri haijulikani. Ulimaanisha LIPA? Tumia: LIPA <kampuni> <kumbukumbu> <kiasi>");
  EXPECT_EQ(Reply("XYZZY"),
            "Unknown command. Commands: REG, PAY, SEND, WITHDRAW, TOPUP, BAL, MINI, PIN, LOCK, "
            "CANCEL, HELP, STOP. Send HELP <command> for details.");
  EXPECT_EQ(Reply("XYZZY", "sw"),
            "Amri haijulikani. Amri: SAJILI, LIPA, TUMA, TOA, JAZA, SALIO, TAARIFA, BADILI PIN, "
            "FUNGA, GHAIRI, MSAADA, SITISHA. Tuma MSAADA <amri> kwa maelezo.");
  EXPECT_EQ(Reply(""),
            "Send a command, e.g. BAL. Commands: REG, PAY, SEND, WITHDRAW, TOPUP, BAL, MINI, PIN, "
            "LOCK, CANCEL, HELP, STOP.");
}

TEST(Replies, CredentialSplitTellsToChangeThePin) {
  EXPECT_EQ(Reply("PAY 4111111111111111 1234"),
            "Never send your PIN with an account number. Your message was deleted and nothing "
            "was paid. Change your PIN now: send PIN.");
  EXPECT_EQ(Reply("LIPA 4111111111111111 1234"),
            "Usitume PIN pamoja na namba ya akaunti. Ujumbe umefutwa na hakuna kilicholipwa. "
            "Badilisha PIN sasa: tuma BADILI PIN.");
}

TEST(Replies, CommandsGetNoReplyFromTheParser) {
  EXPECT_EQ(Reply("BAL"), "");
}

TEST(Replies, Help) {
  const auto g = test_support::ShippedGrammar();
  EXPECT_EQ(*HelpText(*g, "en", ""),
            "Commands: REG, PAY, SEND, WITHDRAW, TOPUP, BAL, MINI, PIN, LOCK, CANCEL, HELP, STOP. "
            "Send HELP <command> for details, e.g. HELP PAY.");
  EXPECT_EQ(*HelpText(*g, "en", "pay"),
            "Pay a bill, e.g. PAY KPLC 123456 1500. Use: PAY <biller> <bill ref> <amount>");
  EXPECT_EQ(*HelpText(*g, "sw", "topup"),
            "Nunua muda wa maongezi, mfano JAZA 100 au JAZA 0712345678 100. Tumia: JAZA "
            "[namba ya simu] <kiasi>");
  EXPECT_TRUE(HelpText(*g, "en", "nope").status().IsNotFound());
}

TEST(Replies, FieldValuesShowNoCredentialAndMaskAccounts) {
  const auto g = test_support::ShippedGrammar();
  ParseOutcome o = Parse(*g, "4821 1234");
  ASSERT_TRUE(o.is_command());
  const std::vector<TemplateValue> v = FieldValues(*g, o.command());
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].name, "code");
  EXPECT_EQ(o.Describe(),
            "command confirm (challenge.answer, en) code=4821 pin=**** text=\"4821 ****\"");

  o = Parse(*g, "REG 0123456789");
  ASSERT_TRUE(o.is_command());
  EXPECT_EQ(DisplayValue(*g, o.command().fields[0]), "****6789");
  EXPECT_EQ(o.command().fields[0].value, "0123456789");

  o = Parse(*g, "PAY KPLC 123456 1,500.5");
  ASSERT_TRUE(o.is_command());
  EXPECT_EQ(DisplayValue(*g, *o.command().Find("amount")), "KES 1,500.50");
  EXPECT_EQ(o.command().Find("amount")->minor, 150050);
  EXPECT_EQ(o.command().operation, "bill.pay");
  EXPECT_TRUE(o.command().requires_pin);
}

TEST(Replies, DescribeOfAViolationHoldsNoDigits) {
  const auto g = test_support::ShippedGrammar();
  const ParseOutcome o = Parse(*g, "BAL 0123456789 PIN 4321");
  ASSERT_TRUE(o.is_violation());
  EXPECT_EQ(o.Describe(),
            "credential_split command=balance account@word2 credential@word4 text=\"BAL **** PIN "
            "****\"");
}

}  // namespace
}  // namespace smsgw::parser
