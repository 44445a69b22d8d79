// Reply templates and amount formatting.
#include "parser/templates.h"

#include <gtest/gtest.h>

#include "parser/money.h"
#include "tests/support/grammar_fixture.h"

namespace smsgw::parser {
namespace {

std::string Rendered(const std::string& source, const std::vector<std::string>& placeholders,
                     const std::vector<TemplateValue>& values) {
  Template t;
  t.name = "t";
  t.placeholders = placeholders;
  t.texts.resize(1);
  EXPECT_TRUE(CompileTemplateText(source, placeholders, &t.texts[0]).empty()) << source;
  Result<std::string> out = Render(t, 0, values);
  return out.ok() ? *out : "<" + out.status().message() + ">";
}

TEST(Templates, PlaceholdersAndLiteralBraces) {
  EXPECT_EQ(Rendered("Pay {amount} to {payee}.", {"amount", "payee"},
                     {{"payee", "KPLC"}, {"amount", "KES 5.00"}}),
            "Pay KES 5.00 to KPLC.");
  EXPECT_EQ(Rendered("{{code}} is {code}", {"code"}, {{"code", "4821"}}), "{code} is 4821");
  EXPECT_EQ(Rendered("}} {a}{a}", {"a"}, {{"a", "x"}}), "} xx");
  EXPECT_EQ(Rendered("no placeholders", {}, {}), "no placeholders");
  EXPECT_EQ(Rendered("", {}, {}), "");
}

TEST(Templates, ValuesNotUsedAreIgnoredAndMissingOnesAreErrors) {
  EXPECT_EQ(Rendered("{a}", {"a", "b"}, {{"a", "1"}, {"b", "2"}, {"zzz", "3"}}), "1");
  EXPECT_EQ(Rendered("{a} {b}", {"a", "b"}, {{"a", "1"}}), "<template t needs a value for {b}>");
}

TEST(Templates, CompileReportsEveryProblemWithItsOffset) {
  TemplateText text;
  const auto problems = CompileTemplateText("A {x} {Bad} } {y", {"y"}, &text);
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_EQ(problems[0].offset, 2u);
  EXPECT_EQ(problems[0].message, "unknown placeholder {x} (declared: y)");
  EXPECT_EQ(problems[1].offset, 6u);
  EXPECT_EQ(problems[1].message,
            "malformed placeholder {Bad}: names are lower case letters, digits and '_'");
  EXPECT_EQ(problems[2].offset, 12u);
  EXPECT_EQ(problems[2].message, "unmatched '}' (write '}}' for a literal brace)");
  EXPECT_EQ(problems[3].offset, 14u);
  EXPECT_EQ(problems[3].message, "unmatched '{' (write '{{' for a literal brace)");
}

TEST(Templates, ShippedChallengeAndBillNotice) {
  const auto g = test_support::ShippedGrammar();
  const std::vector<TemplateValue> pay = {{"amount", "KES 1,500.00"},
                                          {"biller", "KPLC"},
                                          {"bill_ref", "123456"},
                                          {"code", "4821"},
                                          {"minutes", "5"}};
  EXPECT_EQ(*Render(*g, "pay.challenge", "en", pay),
            "Pay KES 1,500.00 to KPLC ref 123456? Reply 4821 <PIN> within 5 min.");
  EXPECT_EQ(*Render(*g, "pay.challenge", "sw", pay),
            "Lipa KES 1,500.00 kwa KPLC kumb. 123456? Jibu 4821 <PIN> ndani ya dakika 5.");
  const std::vector<TemplateValue> bill = {
      {"biller", "KPLC"},
      {"bill_ref", "123456"},
      {"amount", FormatAmount(g->money, 150000, AmountStyle::kReply)},
      {"amount_typed", FormatAmount(g->money, 150000, AmountStyle::kTyped)},
      {"due", "30 Nov"}};
  EXPECT_EQ(*Render(*g, "bill.notice", "en", bill),
            "Your KPLC bill ref 123456 is KES 1,500.00, due 30 Nov. Reply PAY KPLC 123456 1500 "
            "to pay.");
  EXPECT_EQ(*Render(*g, "bill.notice", "sw", bill),
            "Bili yako ya KPLC kumb. 123456 ni KES 1,500.00, mwisho 30 Nov. Jibu LIPA KPLC 123456 "
            "1500 kulipa.");
}

TEST(Templates, LanguageFallsBackToTheDefault) {
  const auto g = test_support::ShippedGrammar();
  EXPECT_EQ(*Render(*g, "pin.done", "fr", {}), *Render(*g, "pin.done", "en", {}));
  EXPECT_EQ(*Render(*g, "pin.done", "", {}), *Render(*g, "pin.done", "en", {}));
  EXPECT_NE(*Render(*g, "pin.done", "sw", {}), *Render(*g, "pin.done", "en", {}));
}

TEST(Templates, UnknownTemplateIsNotFound) {
  const auto g = test_support::ShippedGrammar();
  Result<std::string> r = Render(*g, "no.such", "en", {});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotFound());
}

TEST(Templates, RequireTemplateForTheEngine) {
  const auto g = test_support::ShippedGrammar();
  const std::vector<std::string_view> enough = {"ref", "minutes"};
  EXPECT_TRUE(RequireTemplate(*g, "already_received", enough).ok());
  const std::vector<std::string_view> too_few = {"minutes"};
  const Status s = RequireTemplate(*g, "already_received", too_few);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("already_received declares {ref}, which is not supplied"),
            std::string::npos)
      << s.message();
  EXPECT_TRUE(RequireTemplate(*g, "nope", enough).IsNotFound());
}

MoneyFormat Kes() {
  MoneyFormat m;
  m.currency = "KES";
  return m;
}

TEST(Money, Styles) {
  const MoneyFormat m = Kes();
  EXPECT_EQ(FormatAmount(m, 150000, AmountStyle::kReply), "KES 1,500.00");
  EXPECT_EQ(FormatAmount(m, 150050, AmountStyle::kReply), "KES 1,500.50");
  EXPECT_EQ(FormatAmount(m, 0, AmountStyle::kReply), "KES 0.00");
  EXPECT_EQ(FormatAmount(m, 5, AmountStyle::kReply), "KES 0.05");
  EXPECT_EQ(FormatAmount(m, -150000, AmountStyle::kReply), "KES -1,500.00");
  EXPECT_EQ(FormatAmount(m, 123456789012, AmountStyle::kReply), "KES 1,234,567,890.12");
  EXPECT_EQ(FormatAmount(m, INT64_MIN, AmountStyle::kCanonical), "-92233720368547758.08");
  EXPECT_EQ(FormatAmount(m, 7000000, AmountStyle::kBound), "70,000");
  EXPECT_EQ(FormatAmount(m, 50, AmountStyle::kBound), "0.50");
  EXPECT_EQ(FormatAmount(m, 150000, AmountStyle::kTyped), "1500");
  EXPECT_EQ(FormatAmount(m, 150050, AmountStyle::kTyped), "1500.50");
  EXPECT_EQ(FormatAmount(m, 150000, AmountStyle::kCanonical), "1500.00");
}

TEST(Money, OtherConventions) {
  MoneyFormat eu = Kes();
  eu.currency = "EUR";
  eu.decimal_separator = ',';
  eu.grouping_separator = '.';
  EXPECT_EQ(FormatAmount(eu, 123456, AmountStyle::kReply), "EUR 1.234,56");
  EXPECT_EQ(FormatAmount(eu, 123456, AmountStyle::kCanonical), "1234.56");
  int64_t minor = 0;
  EXPECT_TRUE(ParseAmountNumber("1.234,56", eu, &minor));
  EXPECT_EQ(minor, 123456);
  MoneyFormat ugx = Kes();
  ugx.currency = "UGX";
  ugx.minor_digits = 0;
  ugx.grouping_separator = '\0';
  EXPECT_EQ(FormatAmount(ugx, 150000, AmountStyle::kReply), "UGX 150000");
  EXPECT_FALSE(ParseAmountNumber("1500.5", ugx, &minor));
  EXPECT_FALSE(ParseAmountNumber("1,500", ugx, &minor));
}

TEST(Money, ReadingAmounts) {
  const MoneyFormat m = Kes();
  struct Row {
    const char* text;
    bool ok;
    int64_t minor;
  };
  const Row rows[] = {
      {"1500", true, 150000},
      {"1,500", true, 150000},
      {"1500.5", true, 150050},
      {"1,500.50", true, 150050},
      {"0.01", true, 1},
      {"007", true, 700},
      {"1,000,000", true, 100000000},
      {"999999999999999", true, 99999999999999900},
      {"1500.505", false, 0},
      {"1,50", false, 0},
      {"15,00", false, 0},
      {"1,5000", false, 0},
      {",500", false, 0},
      {"500,", false, 0},
      {"1.500.00", false, 0},
      {"", false, 0},
      {"1000000000000000", false, 0},
      {"12a", false, 0},
      {".5", false, 0},
  };
  for (const Row& r : rows) {
    int64_t minor = -1;
    EXPECT_EQ(ParseAmountNumber(r.text, m, &minor), r.ok) << r.text;
    if (r.ok) {
      EXPECT_EQ(minor, r.minor) << r.text;
    }
  }
}

}  // namespace
}  // namespace smsgw::parser
