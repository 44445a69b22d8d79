#include "parser/msisdn.h"

#include <algorithm>

namespace smsgw::parser {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return !prefix.empty() && s.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::optional<E164> ReadE164(const NumberPlan& plan, std::string_view d, bool international,
                             bool any_country) {
  const std::string_view cc = plan.country_code;
  const std::size_t nl = static_cast<std::size_t>(plan.national_number_length);
  std::string_view national;
  if (!international && StartsWith(d, plan.international_prefix) &&
      d.size() > plan.international_prefix.size()) {
    d.remove_prefix(plan.international_prefix.size());
    international = true;
  }
  if (international) {
    if (StartsWith(d, cc) && d.size() == cc.size() + nl) {
      national = d.substr(cc.size());
    } else if (any_country && d.size() >= 8 && d.size() <= 15 && d[0] != '0') {
      return E164{{}, d};
    } else {
      return std::nullopt;
    }
  } else if (StartsWith(d, plan.national_prefix) && d.size() == plan.national_prefix.size() + nl) {
    national = d.substr(plan.national_prefix.size());
  } else if (StartsWith(d, cc) && d.size() == cc.size() + nl) {
    national = d.substr(cc.size());
  } else if (d.size() == nl && !StartsWith(d, plan.national_prefix)) {
    national = d;
  } else {
    return std::nullopt;
  }
  if (!plan.mobile_prefixes.empty() &&
      std::none_of(plan.mobile_prefixes.begin(), plan.mobile_prefixes.end(),
                   [&](const std::string& p) { return StartsWith(national, p); })) {
    return std::nullopt;
  }
  return E164{cc, national};
}

}  // namespace smsgw::parser
