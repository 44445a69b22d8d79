// ReadE164: the number plan's rules, as numbers typed in messages and MO sources both use them.
#include "parser/msisdn.h"

#include <gtest/gtest.h>

#include <string>

namespace smsgw::parser {
namespace {

NumberPlan Kenya() {
  NumberPlan p;
  p.country_code = "254";
  p.national_prefix = "0";
  p.international_prefix = "00";
  p.national_number_length = 9;
  p.mobile_prefixes = {"7", "1"};
  return p;
}

NumberPlan Nanp() {
  NumberPlan p;
  p.country_code = "1";
  p.international_prefix = "011";
  p.national_number_length = 10;
  return p;
}

struct Case {
  std::string digits;
  bool international;
  bool any_country;
  std::string want;  // E.164 digits; "-" for none
};

std::string Show(const std::optional<E164>& n) {
  return n ? std::string(n->country_code) + std::string(n->rest) : "-";
}

void Check(const NumberPlan& plan, const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    EXPECT_EQ(Show(ReadE164(plan, c.digits, c.international, c.any_country)), c.want)
        << c.digits << (c.international ? " international" : "")
        << (c.any_country ? " any_country" : "");
  }
}

TEST(ReadE164, EveryFormOfTheSameNumber) {
  Check(Kenya(), {
                     {"254712345678", true, false, "254712345678"},     // "+254..." or TON 1
                     {"254712345678", false, false, "254712345678"},    // without "+"
                     {"0712345678", false, false, "254712345678"},      // national prefix
                     {"712345678", false, false, "254712345678"},       // national number
                     {"00254712345678", false, false, "254712345678"},  // international prefix
                     {"0112345678", false, false, "254112345678"},      // the other prefix
                 });
}

TEST(ReadE164, TheCountryCodeAndTheNationalNumberAreSplit) {
  // The views point into the plan: it must outlive them.
  const NumberPlan kenya = Kenya();
  const auto n = ReadE164(kenya, "0712345678", false, false);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->country_code, "254");
  EXPECT_EQ(n->rest, "712345678");
  const auto foreign = ReadE164(kenya, "255712345678", true, true);
  ASSERT_TRUE(foreign.has_value());
  EXPECT_EQ(foreign->country_code, "");
  EXPECT_EQ(foreign->rest, "255712345678");
}

TEST(ReadE164, NumbersThePlanRefuses) {
  Check(Kenya(), {
                     {"0212345678", false, false, "-"},     // not a mobile prefix
                     {"254212345678", true, false, "-"},    // nor in international form
                     {"071234567", false, false, "-"},      // a digit short
                     {"07123456789", false, false, "-"},    // a digit over
                     {"25471234567", true, false, "-"},     // international, a digit short
                     {"0712345678", true, false, "-"},      // "+0712..." is no country code
                     {"00254712345678", true, false, "-"},  // "+00..." neither
                     {"255712345678", true, false, "-"},    // another country
                     {"255712345678", false, true, "-"},    // nor without "+" or "00"
                     {"20555", false, false, "-"},          // a short code
                     {"00", false, false, "-"},             // the prefix alone
                     {"", false, false, "-"},
                     {"", true, true, "-"},
                 });
}

TEST(ReadE164, AnyCountryTakesOtherCountriesInInternationalForm) {
  Check(Kenya(), {
                     {"255712345678", true, true, "255712345678"},
                     {"00255712345678", false, true, "255712345678"},
                     {"12025550143", true, true, "12025550143"},
                     {"1234567", true, true, "-"},           // shorter than E.164 allows
                     {"1234567890123456", true, true, "-"},  // longer
                     {"0123456789", true, true, "-"},        // no country code starts with 0
                     {"0712345678", false, true, "254712345678"},
                 });
}

TEST(ReadE164, APlanWithoutNationalPrefix) {
  Check(Nanp(), {
                    {"2025550143", false, false, "12025550143"},
                    {"12025550143", false, false, "12025550143"},
                    {"12025550143", true, false, "12025550143"},
                    {"01112025550143", false, false, "12025550143"},
                    {"202555014", false, false, "-"},
                });
}

}  // namespace
}  // namespace smsgw::parser
