// Text -> expected outcome, against the shipped grammar (conf/grammar.yaml). Each row is one
// message a subscriber could send; the expectation is a Summary (parse_summary.h) and, where
// it matters, the redacted copy that may be stored.
#include <gtest/gtest.h>

#include "parser/parse.h"
#include "tests/parser/parse_summary.h"
#include "tests/support/grammar_fixture.h"

namespace smsgw::parser {
namespace {

struct Case {
  const char* text;
  const char* want;
  const char* redacted = nullptr;  // checked when given
};

constexpr const char* kSender = "254711000111";

void Check(const Case* cases, std::size_t n) {
  const auto grammar = test_support::ShippedGrammar();
  for (std::size_t i = 0; i < n; ++i) {
    const Case& c = cases[i];
    const ParseOutcome o = Parse(*grammar, c.text, {.sender = kSender});
    EXPECT_EQ(Summary(o), c.want) << "text: [" << c.text << "]";
    if (c.redacted != nullptr) {
      EXPECT_EQ(o.redacted(), c.redacted) << "text: [" << c.text << "]";
    }
  }
}

// Every command, every keyword, both languages, any case.
const Case kKeywords[] = {
    {"PAY KPLC 123456 1500", "pay/en biller=KPLC bill_ref=123456 amount=1500.00",
     "PAY KPLC 123456 1500"},
    {"pay kplc 123456 1500", "pay/en biller=KPLC bill_ref=123456 amount=1500.00"},
    {"Pay Kplc 123456 1500", "pay/en biller=KPLC bill_ref=123456 amount=1500.00"},
    {"PAYBILL KPLC 123456 1500", "pay/en biller=KPLC bill_ref=123456 amount=1500.00"},
    {"LIPA KPLC 123456 1500", "pay/sw biller=KPLC bill_ref=123456 amount=1500.00"},
    {"lipa kplc 123456 1,500", "pay/sw biller=KPLC bill_ref=123456 amount=1500.00"},
    {"SEND 0712345678 500", "send/en msisdn=254712345678 amount=500.00"},
    {"tuma 0712345678 500", "send/sw msisdn=254712345678 amount=500.00"},
    {"WITHDRAW 12345 1000", "withdraw/en agent=12345 amount=1000.00"},
    {"wd 1234567 50", "withdraw/en agent=1234567 amount=50.00"},
    {"toa 12345 1000", "withdraw/sw agent=12345 amount=1000.00"},
    {"TOPUP 100", "topup/en msisdn=254711000111* amount=100.00"},
    {"TOPUP 0712345678 100", "topup/en msisdn=254712345678 amount=100.00"},
    {"topup 50", "topup/en msisdn=254711000111* amount=50.00"},
    {"jaza 0712345678 50", "topup/sw msisdn=254712345678 amount=50.00"},
    {"BAL", "balance/en"},
    {"balance", "balance/en"},
    {"Salio", "balance/sw"},
    {"MINI", "mini/en"},
    {"statement", "mini/en"},
    {"TAARIFA", "mini/sw"},
    {"PIN", "pin_change/en"},
    {"CHANGE PIN", "pin_change/en"},
    {"change   pin", "pin_change/en"},
    {"BADILI PIN", "pin_change/sw"},
    {"badilisha pin", "pin_change/sw"},
    {"LOCK", "lock/en"},
    {"funga", "lock/sw"},
    {"CANCEL 4821", "cancel/en code=4821"},
    {"ghairi 4821", "cancel/sw code=4821"},
    {"HELP", "help/en"},
    {"menu", "help/en"},
    {"HELP PAY", "help/en topic=pay"},
    {"help lipa", "help/en topic=pay"},
    {"MSAADA TUMA", "help/sw topic=send"},
    {"HELP CHANGE PIN", "help/en topic=pin_change"},
    {"STOP", "stop/en"},
    {"sitisha", "stop/sw"},
    {"REG 0123456789", "register/en account=0123456789", "REG ****6789"},
    {"register 12345678", "register/en account=12345678", "register ****5678"},
    {"SAJILI 0123456789", "register/sw account=0123456789"},
    {"REG 4111 1111 1111 1111", "register/en account=4111111111111111", "REG ****1111"},
    {"4821 1234", "confirm/en code=4821 pin=1234", "4821 ****"},
    {"4821  1234 ", "confirm/en code=4821 pin=1234", "4821  **** "},
};

TEST(ParseTable, Keywords) {
  Check(kKeywords, std::size(kKeywords));
}

// msisdn: local, national, international forms; groups; the number plan's limits.
const Case kMsisdn[] = {
    {"SEND 712345678 500", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND 254712345678 500", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND +254712345678 500", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND 00254712345678 500", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND 0712 345 678 500", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND 0712-345-678 500", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND +254 712 345 678 500", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND (0712) 345-678 500", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND 0712.345.678 500", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND 0112345678 500", "send/en msisdn=254112345678 amount=500.00"},
    {"SEND 0212345678 500", "error:bad_field send.msisdn msisdn"},
    {"SEND 071234567 500", "error:bad_field send.msisdn msisdn"},
    {"SEND 07123456789 500", "error:bad_field send.msisdn msisdn"},
    {"SEND +255712345678 500", "error:bad_field send.msisdn msisdn"},
    {"SEND 0712345678*500", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND 0712345678 500", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND O712345678 500", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND 07l2345678 500", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND ０７１２３４５６７８ 500", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND ٠٧١٢٣٤٥٦٧٨ ٥٠٠", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND KAMAU 500", "error:bad_field send.msisdn msisdn"},
    {"SEND 0712345678", "error:missing_field send.amount"},
    {"SEND", "error:missing_field send.msisdn"},
};

TEST(ParseTable, Msisdn) {
  Check(kMsisdn, std::size(kMsisdn));
}

// amount: separators, decimals, currency symbols, bounds, foreign digits.
const Case kAmounts[] = {
    {"SEND 0712345678 1,500", "send/en msisdn=254712345678 amount=1500.00"},
    {"SEND 0712345678 1500.50", "send/en msisdn=254712345678 amount=1500.50"},
    {"SEND 0712345678 1500.5", "send/en msisdn=254712345678 amount=1500.50"},
    {"SEND 0712345678 1,500.75", "send/en msisdn=254712345678 amount=1500.75"},
    {"SEND 0712345678 12,345", "send/en msisdn=254712345678 amount=12345.00"},
    {"SEND 0712345678 KES 500", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND 0712345678 KES500", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND 0712345678 500KSH", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND 0712345678 500 ksh", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND 0712345678 sh.500", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND 0712345678 10", "send/en msisdn=254712345678 amount=10.00"},
    {"SEND 0712345678 70000", "send/en msisdn=254712345678 amount=70000.00"},
    {"SEND 0712345678 70,000.00", "send/en msisdn=254712345678 amount=70000.00"},
    {"SEND 0712345678 0500", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND 0712345678 9.99", "error:bad_field send.amount amount_range"},
    {"SEND 0712345678 70,000.01", "error:bad_field send.amount amount_range"},
    {"SEND 0712345678 70001", "error:bad_field send.amount amount_range"},
    {"SEND 0712345678 0", "error:bad_field send.amount amount_range"},
    {"SEND 0712345678 abc", "error:bad_field send.amount amount_format"},
    {"SEND 0712345678 USD 500", "error:bad_field send.amount amount_format"},
    {"SEND 0712345678 999999999999999999999", "error:bad_field send.amount amount_format"},
    {"SEND 0712345678 1500.505", "error:extra_values send"},
    {"SEND 0712345678 5OO", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND 0712345678 ５００", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND 0712345678 ٥٠٠", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND 0712345678 ۵۰۰", "send/en msisdn=254712345678 amount=500.00"},
    {"SEND 0712345678 1٬500", "send/en msisdn=254712345678 amount=1500.00"},
    {"SEND 0712345678 1500٫50", "send/en msisdn=254712345678 amount=1500.50"},
    {"SEND 0712345678 ١٬٥٠٠٫٥٠", "send/en msisdn=254712345678 amount=1500.50"},
    {"PAY KPLC 123456 150000", "pay/en biller=KPLC bill_ref=123456 amount=150000.00"},
    {"PAY KPLC 123456 150001", "error:bad_field pay.amount amount_range"},
    {"TOPUP 4", "error:bad_field topup.amount amount_range"},
    {"TOPUP 0712345678 10001", "error:bad_field topup.amount amount_range"},
};

TEST(ParseTable, Amounts) {
  Check(kAmounts, std::size(kAmounts));
}

// digits, word, code, pin and account fields at and past their bounds; missing and extra.
const Case kFields[] = {
    {"WITHDRAW 1234 1000", "error:bad_field withdraw.agent digits"},
    // Conservative by design: the agent number did not read, so nothing vouches for 1000, and
    // an account-length number next to a PIN-length one is refused (docs/grammar.md).
    {"WITHDRAW 12345678 1000", "violation:withdraw"},
    {"WITHDRAW 123456789012 50000", "error:bad_field withdraw.agent digits"},
    {"WITHDRAW AB123 1000", "error:bad_field withdraw.agent digits"},
    {"WITHDRAW 12345 49", "error:bad_field withdraw.amount amount_range"},
    {"WITHDRAW 12345", "error:missing_field withdraw.amount"},
    {"PAY K 123456 1500", "error:bad_field pay.biller word"},
    {"PAY KPLCKPLCKPLCX 123 1500", "error:bad_field pay.biller word"},
    {"PAY KPLCKPLCKPLC 123 1500", "pay/en biller=KPLCKPLCKPLC bill_ref=123 amount=1500.00"},
    {"PAY ZUKU_TV 998877 2500", "pay/en biller=ZUKU_TV bill_ref=998877 amount=2500.00"},
    {"PAY NAIROBI_WATER ACC9876 800", "error:bad_field pay.biller word"},
    {"PAY DSTV AB12CD 800", "pay/en biller=DSTV bill_ref=AB12CD amount=800.00"},
    {"PAY KPLC 123456", "error:missing_field pay.amount"},
    {"PAY KPLC", "error:missing_field pay.bill_ref"},
    {"PAY", "error:missing_field pay.biller"},
    {"PAY KPLC 123456 1500 please", "error:extra_values pay"},
    {"PAY KPLC 12345678 1500 pls", "error:extra_values pay", "PAY KPLC **** 1500 pls"},
    {"CANCEL 482", "error:bad_field cancel.code digits"},
    {"CANCEL 48211", "error:bad_field cancel.code digits"},
    {"CANCEL ABCD", "error:bad_field cancel.code digits"},
    {"CANCEL", "error:missing_field cancel.code"},
    {"CANCEL 4821 4822", "error:extra_values cancel"},
    {"4821 123", "error:bad_field confirm.pin digits", "**** 123"},
    {"4821 12345", "error:bad_field confirm.pin digits"},
    {"4821", "error:missing_field confirm.pin", "****"},
    {"4821 1234 5678", "error:extra_values confirm", "****"},
    {"482 1234", "error:unknown_command", "482 ****"},
    {"REG 1234567", "error:bad_field register.account digits"},
    {"REG 12345678901234567", "error:bad_field register.account digits"},
    {"REG ACC123", "error:bad_field register.account digits"},
    {"REG", "error:missing_field register.account"},
    {"HELP FOO", "error:bad_field help.topic choice"},
    {"HELP PAY NOW", "error:extra_values help"},
    {"BAL 1234", "error:extra_values balance", "BAL ****"},
    {"BAL now", "error:extra_values balance"},
    {"LOCK ACCOUNT", "error:extra_values lock"},
    {"STOP 5", "error:extra_values stop"},
};

TEST(ParseTable, FieldBounds) {
  Check(kFields, std::size(kFields));
}

// Separators, whitespace, punctuation, glued keywords.
const Case kSeparators[] = {
    {"*PAY*KPLC*123456*1500#", "pay/en biller=KPLC bill_ref=123456 amount=1500.00"},
    {"PAY#KPLC#123456#1500", "pay/en biller=KPLC bill_ref=123456 amount=1500.00"},
    {"PAY,KPLC,123456,1500", "pay/en biller=KPLC bill_ref=123456 amount=1500.00"},
    {"PAY-KPLC-123456-1500", "pay/en biller=KPLC bill_ref=123456 amount=1500.00"},
    {"PAY.KPLC.123456.1500", "pay/en biller=KPLC bill_ref=123456 amount=1500.00"},
    {"PAY KPLC 123456 1500.", "pay/en biller=KPLC bill_ref=123456 amount=1500.00"},
    {"PAY KPLC 123456 1,500.", "pay/en biller=KPLC bill_ref=123456 amount=1500.00"},
    {"  PAY   KPLC\t123456\n1500  ", "pay/en biller=KPLC bill_ref=123456 amount=1500.00"},
    {"PAY: KPLC 123456 1500", "pay/en biller=KPLC bill_ref=123456 amount=1500.00"},
    {"PAY KPLC 123456 1500!", "pay/en biller=KPLC bill_ref=123456 amount=1500.00"},
    {"PAY\xC2\xA0KPLC\xC2\xA0"
     "123456\xC2\xA0"
     "1500",
     "pay/en biller=KPLC bill_ref=123456 amount=1500.00"},
    {"PAY\xE2\x80\x8BKPLC 123456 1500", "pay/en biller=KPLC bill_ref=123456 amount=1500.00"},
    {"PAY\xE2\x80\x93KPLC\xE2\x80\x93"
     "123456 1500",
     "pay/en biller=KPLC bill_ref=123456 amount=1500.00"},
    {"PAY KP\xC2\xADLC 123456 1500", "pay/en biller=KPLC bill_ref=123456 amount=1500.00"},
    {"\"PAY KPLC 123456 1500\"", "pay/en biller=KPLC bill_ref=123456 amount=1500.00"},
    {"TOPUP100", "topup/en msisdn=254711000111* amount=100.00"},
    {"SEND0712345678 500", "send/en msisdn=254712345678 amount=500.00"},
    {"BAL.", "balance/en"},
    {"bal?", "balance/en"},
    {"(BAL)", "balance/en"},
    {"4821*1234", "confirm/en code=4821 pin=1234", "4821*****"},
    {"4821,1234", "confirm/en code=4821 pin=1234"},
    {"4821-1234", "confirm/en code=4821 pin=1234"},
    {"SEND 0712345678 500 \xF0\x9F\x98\x80", "send/en msisdn=254712345678 amount=500.00"},
    {"BAL\x01", "balance/en", "BAL "},
    {"BAL\xFF", "balance/en", "BAL?"},
};

TEST(ParseTable, Separators) {
  Check(kSeparators, std::size(kSeparators));
}

// Full-width forms, Arabic-Indic digits, accents and Greek/Cyrillic look-alikes, digits typed
// for letters.
const Case kLookalikes[] = {
    {"ＰＡＹ ＫＰＬＣ １２３４５６ １５００", "pay/en biller=KPLC bill_ref=123456 amount=1500.00"},
    {"４８２１ １２３４", "confirm/en code=4821 pin=1234", "４８２１ ****"},
    {"٤٨٢١ ١٢٣٤", "confirm/en code=4821 pin=1234"},
    {"۴۸۲۱ ۱۲۳۴", "confirm/en code=4821 pin=1234"},
    {"४८२१ १२३४", "confirm/en code=4821 pin=1234"},
    {"\xCE\xA1\xCE\x91\xCE\xA5 KPLC 123456 1500",
     "pay/en biller=KPLC bill_ref=123456 amount=1500.00"},
    {"\xD0\x92\xD0\x90L", "balance/en"},
    {"P\xC3\x81Y KPLC 123456 1500", "pay/en biller=KPLC bill_ref=123456 amount=1500.00"},
    {"s\xC3\xA9nd 0712345678 500", "send/en msisdn=254712345678 amount=500.00"},
    {"L0CK", "lock/en"},
    {"ST0P", "stop/en"},
    {"P1N", "pin_change/en"},
    {"M1N1", "mini/en"},
    {"TOPUP 1OO", "topup/en msisdn=254711000111* amount=100.00"},
    {"CANCEL 482l", "cancel/en code=4821"},
    {"lipa KPLC 123456 1٬500", "pay/sw biller=KPLC bill_ref=123456 amount=1500.00"},
};

TEST(ParseTable, LookalikesAndScripts) {
  Check(kLookalikes, std::size(kLookalikes));
}

// Nothing matched: suggestions, the command list, empty texts.
const Case kUnknown[] = {
    {"SNED 0712345678 500", "error:unknown_command ~SEND"},
    {"PAAY KPLC 123456 1500", "error:unknown_command ~PAY"},
    {"BLA", "error:unknown_command ~BAL"},
    {"LIPPA KPLC 1 1", "error:unknown_command ~LIPA"},
    {"WITHDRAWL 12345 100", "error:unknown_command ~WITHDRAW"},
    {"HELLO", "error:unknown_command ~HELP"},
    {"XYZZY", "error:unknown_command"},
    {"12345", "error:unknown_command", "12345"},
    {"", "error:empty"},
    {"   ", "error:empty"},
    {"*#*#", "error:empty"},
    {"\xF0\x9F\x98\x80", "error:empty"},
    {"CHANGE", "error:unknown_command ~CHANGE PIN"},
};

TEST(ParseTable, Unknown) {
  Check(kUnknown, std::size(kUnknown));
}

// An account number and a PIN in one message, in many disguises: refused, and nothing of
// either survives in the stored copy.
const Case kViolations[] = {
    {"PAY 4111111111111111 1234", "violation:pay", "PAY **** ****"},
    {"BAL 0123456789 PIN 4321", "violation:balance", "BAL **** PIN ****"},
    {"REG 0123456789 1234", "violation:register", "REG **** ****"},
    {"SAJILI 0123456789 1234", "violation:register"},
    {"0123456789 4321", "violation", "**** ****"},
    {"4321 0123456789", "violation", "**** ****"},
    {"4111111111111111 1234", "violation"},
    {"4111 1111 1111 1111 1234", "violation", "**** **** **** **** ****"},
    {"0123 456 789 4321", "violation", "**** **** **** ****"},
    {"BAL 0123456789 PIN:4321", "violation:balance", "BAL **** PIN:****"},
    {"BAL 0123456789 PIN4321", "violation:balance", "BAL **** PIN****"},
    {"BAL 0123456789 pin=4321", "violation:balance"},
    {"ACC 0123456789 PIN 4321", "violation"},
    {"acc0123456789 pin4321", "violation", "acc**** pin****"},
    {"my account is 0123456789 and my pin is 4321", "violation",
     "my account is **** and my pin is ****"},
    {"BAL,0123456789,4321", "violation:balance"},
    {"0123456789#4321", "violation"},
    {"*0123456789*4321#", "violation"},
    {"BAL ０１２３４５６７８９ ４３２１", "violation:balance", "BAL **** ****"},
    {"BAL ٠١٢٣٤٥٦٧٨٩ ٤٣٢١", "violation:balance", "BAL **** ****"},
    {"BAL O123456789 P1N 4321", "violation:balance", "BAL **** P****N ****"},
    {"REG 0123456789 NYWILA 4321", "violation:register"},
    {"PIN 4321 ACC 0123456789", "violation:pin_change"},
    {"SEND 0712345678 PIN 4321", "violation:send", "SEND **** PIN ****"},
    {"LIPA 4111-1111-1111-1111 1234", "violation:pay"},
    {"PAY KPLC 0123456789 PIN 4321", "violation:pay"},
    {"CARD 4111111111111111 CVV 123 PIN 1234", "violation", "CARD **** CVV **** PIN ****"},
    {"4821 1234 0123456789", "violation"},
    {"REG 0123456789\n1234", "violation:register"},
    {"REG 4111 1111 1111 1111 1234", "violation:register"},
    {"HELP 0123456789 1234", "violation:help"},
    {"SEND 0712345678 500 1234", "violation:send", "SEND **** **** ****"},
};

TEST(ParseTable, CredentialSplit) {
  Check(kViolations, std::size(kViolations));
}

// Close to a violation, but not one: a PIN-length amount, a long bill reference.
const Case kNotViolations[] = {
    {"SEND 0712345678 1234", "send/en msisdn=254712345678 amount=1234.00"},
    {"PAY KPLC 12345678 1500", "pay/en biller=KPLC bill_ref=12345678 amount=1500.00"},
    {"PAY KPLC 12345678901 1500", "pay/en biller=KPLC bill_ref=12345678901 amount=1500.00"},
    {"WITHDRAW 1234567 1234", "withdraw/en agent=1234567 amount=1234.00"},
    {"SEND 0712345678 1500 thanks", "error:extra_values send", "SEND **** 1500 thanks"},
    {"PAY KPLC 123456 1500 1234", "error:extra_values pay", "PAY KPLC 123456 1500 ****"},
};

TEST(ParseTable, NotViolations) {
  Check(kNotViolations, std::size(kNotViolations));
}

TEST(ParseTable, HasAtLeast150Cases) {
  const std::size_t total = std::size(kKeywords) + std::size(kMsisdn) + std::size(kAmounts) +
                            std::size(kFields) + std::size(kSeparators) + std::size(kLookalikes) +
                            std::size(kUnknown) + std::size(kViolations) +
                            std::size(kNotViolations);
  EXPECT_GE(total, 150u);
  EXPECT_GE(std::size(kViolations), 20u);
}

}  // namespace
}  // namespace smsgw::parser
