#include "gateway/daemon/source_msisdn.h"

#include <algorithm>
#include <optional>
#include <string_view>

#include "parser/msisdn.h"

namespace smsgw::gateway {
namespace {

constexpr uint8_t kTonUnknown = 0;
constexpr uint8_t kTonInternational = 1;
constexpr uint8_t kTonNational = 2;

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

SourceMsisdn ReadSourceMsisdn(const parser::NumberPlan& plan, const smpp::Address& source) {
  using Read = SourceMsisdn::Read;
  if (source.ton != kTonUnknown && source.ton != kTonInternational && source.ton != kTonNational) {
    return {source.value, Read::kNotANumber};
  }
  std::string_view digits = source.value;
  const bool plus = !digits.empty() && digits.front() == '+';
  if (plus) digits.remove_prefix(1);
  if (AllDigits(digits)) {
    const std::optional<parser::E164> number = parser::ReadE164(
        plan, digits, plus || source.ton == kTonInternational, /*any_country=*/true);
    if (number) {
      std::string value;
      value.reserve(number->country_code.size() + number->rest.size());
      value.append(number->country_code).append(number->rest);
      return {std::move(value), Read::kNumber};
    }
  }
  return {std::string(digits), Read::kNotInPlan};
}

}  // namespace smsgw::gateway
