#include "parser/ussd_menu.h"

#include <algorithm>

namespace smsgw::parser {
namespace {

// "*384*12*1*500#" -> {"384", "12", "1", "500"}; nullopt unless it is a USSD string.
std::optional<std::vector<std::string>> Segments(std::string_view dialled) {
  if (dialled.size() < 2 || dialled.front() != '*' || dialled.back() != '#') return std::nullopt;
  std::vector<std::string> out;
  std::string_view body = dialled.substr(1, dialled.size() - 2);
  while (true) {
    const std::size_t star = body.find('*');
    out.emplace_back(body.substr(0, star));
    if (star == std::string_view::npos) break;
    body.remove_prefix(star + 1);
  }
  return out;
}

}  // namespace

const UssdScreen* UssdSection::Find(std::string_view name) const {
  for (const UssdScreen& s : screens) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::optional<UssdSection::Dial> UssdSection::Resolve(std::string_view dialled) const {
  const auto segments = Segments(dialled);
  if (!segments) return std::nullopt;
  for (const Entry& e : entries) {  // longest first
    const auto code = Segments(e.code);
    if (!code || code->size() > segments->size()) continue;
    if (!std::equal(code->begin(), code->end(), segments->begin())) continue;
    Dial d;
    d.screen = &screens[e.screen];
    d.answers.assign(segments->begin() + static_cast<long>(code->size()), segments->end());
    return d;
  }
  return std::nullopt;
}

}  // namespace smsgw::parser
