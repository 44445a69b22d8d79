// ReadSourceMsisdn: an MO's source address, by its TON, as the subscriber's E.164 number.
#include "gateway/daemon/source_msisdn.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace smsgw::gateway {
namespace {

using Read = SourceMsisdn::Read;

constexpr uint8_t kUnknown = 0;
constexpr uint8_t kInternational = 1;
constexpr uint8_t kNational = 2;
constexpr uint8_t kNetworkSpecific = 3;
constexpr uint8_t kSubscriber = 4;
constexpr uint8_t kAlphanumeric = 5;
constexpr uint8_t kAbbreviated = 6;

parser::NumberPlan Kenya() {
  parser::NumberPlan p;
  p.country_code = "254";
  p.national_prefix = "0";
  p.international_prefix = "00";
  p.national_number_length = 9;
  p.mobile_prefixes = {"7", "1"};
  return p;
}

struct Case {
  uint8_t ton;
  std::string value;
  std::string want;
  Read read;
};

void Check(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    const SourceMsisdn got = ReadSourceMsisdn(Kenya(), {c.ton, 1, c.value});
    EXPECT_EQ(got.value, c.want) << "TON " << int{c.ton} << " \"" << c.value << "\"";
    EXPECT_EQ(got.read, c.read) << "TON " << int{c.ton} << " \"" << c.value << "\"";
  }
}

TEST(SourceMsisdn, EveryFormOfASubscribersNumberIsTheInternationalOne) {
  Check({
      {kInternational, "254712345678", "254712345678", Read::kNumber},
      {kInternational, "+254712345678", "254712345678", Read::kNumber},
      {kUnknown, "+254712345678", "254712345678", Read::kNumber},
      {kUnknown, "254712345678", "254712345678", Read::kNumber},
      {kNational, "0712345678", "254712345678", Read::kNumber},
      {kNational, "712345678", "254712345678", Read::kNumber},
      {kUnknown, "0712345678", "254712345678", Read::kNumber},
      {kUnknown, "00254712345678", "254712345678", Read::kNumber},
      {kNational, "254712345678", "254712345678", Read::kNumber},
      {kNational, "0112345678", "254112345678", Read::kNumber},
  });
}

TEST(SourceMsisdn, ARoamingSubscribersInternationalNumberIsKept) {
  Check({
      {kInternational, "255712345678", "255712345678", Read::kNumber},
      {kInternational, "+12025550143", "12025550143", Read::kNumber},
      {kUnknown, "00255712345678", "255712345678", Read::kNumber},
  });
}

TEST(SourceMsisdn, ANumberThePlanCannotReadIsKeptWithoutPlus) {
  Check({
      {kNational, "0212345678", "0212345678", Read::kNotInPlan},  // not a mobile prefix
      {kNational, "071234567", "071234567", Read::kNotInPlan},    // a digit short
      {kNational, "+0712345678", "0712345678", Read::kNotInPlan},
      {kInternational, "0712345678", "0712345678", Read::kNotInPlan},  // national, said not to be
      {kInternational, "00254712345678", "00254712345678", Read::kNotInPlan},
      {kUnknown, "20555", "20555", Read::kNotInPlan},
      {kUnknown, "255712345678", "255712345678", Read::kNotInPlan},  // foreign, or a typo?
      {kUnknown, "0712 345 678", "0712 345 678", Read::kNotInPlan},
      {kNational, "MPESA", "MPESA", Read::kNotInPlan},
      {kUnknown, "", "", Read::kNotInPlan},
      {kUnknown, "+", "", Read::kNotInPlan},
  });
}

TEST(SourceMsisdn, AlphanumericAndOtherTypesAreLeftUntouched) {
  Check({
      {kAlphanumeric, "MyBank", "MyBank", Read::kNotANumber},
      {kAlphanumeric, "0712345678", "0712345678", Read::kNotANumber},
      {kAlphanumeric, "+INFO", "+INFO", Read::kNotANumber},
      {kNetworkSpecific, "0712345678", "0712345678", Read::kNotANumber},
      {kSubscriber, "712345678", "712345678", Read::kNotANumber},
      {kAbbreviated, "+100", "+100", Read::kNotANumber},
      {7, "0712345678", "0712345678", Read::kNotANumber},  // outside the spec: still delivered
  });
}

TEST(SourceMsisdn, TheNpiIsNotLookedAt) {
  EXPECT_EQ(ReadSourceMsisdn(Kenya(), {kNational, 0, "0712345678"}).value, "254712345678");
  EXPECT_EQ(ReadSourceMsisdn(Kenya(), {kNational, 8, "0712345678"}).value, "254712345678");
}

}  // namespace
}  // namespace smsgw::gateway
