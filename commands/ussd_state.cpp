#include <openssl/crypto.h>

#include <algorithm>
#include <cstddef>

#include <nlohmann/json.hpp>

#include "commands/ussd.h"

namespace smsgw::commands {
namespace {

using nlohmann::json;

constexpr int kVersion = 1;

void Wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

}  // namespace

UssdState::~UssdState() {
  for (Answer& a : answers) Wipe(a.value);
}

std::string UssdState::Encode() const {
  json list = json::array();
  for (const Answer& a : answers) list.push_back({a.field, a.value, a.minor});
  json j = {{"v", kVersion},      {"msisdn", msisdn},   {"conn", connection},
            {"service", service}, {"from", sms_from},   {"lang", language},
            {"screen", screen},   {"cmd", command},     {"answers", std::move(list)},
            {"history", history}, {"invalid", invalid}, {"opened", opened_at},
            {"units", units}};
  return j.dump();
}

Result<UssdState> UssdState::Decode(std::string_view bytes) {
  json j = json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || j.value("v", 0) != kVersion) {
    return Status::InvalidArgument("not a USSD dialogue state");
  }
  try {
    UssdState s;
    s.msisdn = j.at("msisdn").get<std::string>();
    s.connection = j.at("conn").get<std::string>();
    s.service = j.at("service").get<std::string>();
    s.sms_from = j.at("from").get<std::string>();
    s.language = j.at("lang").get<std::string>();
    s.screen = j.at("screen").get<std::string>();
    s.command = j.at("cmd").get<std::string>();
    for (const json& a : j.at("answers")) {
      s.answers.push_back(
          {a.at(0).get<std::string>(), a.at(1).get<std::string>(), a.at(2).get<int64_t>()});
    }
    s.history = j.at("history").get<std::vector<std::string>>();
    s.invalid = j.at("invalid").get<int>();
    s.opened_at = j.at("opened").get<int64_t>();
    // Absent from the states written before units were kept: such a dialogue has none yet.
    if (j.contains("units")) s.units = j.at("units").get<std::vector<int>>();
    return s;
  } catch (const json::exception&) {
    return Status::InvalidArgument("not a USSD dialogue state");
  }
}

bool IsResentAnswer(const UssdState& state, std::optional<int> unit) {
  if (!unit || state.units.empty()) return false;
  const auto& u = state.units;
  const bool numbered = std::any_of(u.begin(), u.end(), [&](int n) { return n != u.front(); });
  return numbered && std::find(u.begin(), u.end(), *unit) != u.end();
}

void TakeUnit(UssdState& state, std::optional<int> unit) {
  if (!unit) return;
  state.units.push_back(*unit);
  if (state.units.size() > kUssdUnitsKept) {
    state.units.erase(
        state.units.begin(),
        state.units.begin() + static_cast<std::ptrdiff_t>(state.units.size() - kUssdUnitsKept));
  }
}

store::UssdSessionWrite SessionWrite(std::string key, std::string_view msisdn,
                                     std::string_view connection, const UssdTurn& turn,
                                     int64_t expires_at) {
  store::UssdSessionWrite w;
  w.key = std::move(key);
  w.msisdn = std::string(msisdn);
  w.connection = std::string(connection);
  w.erase = turn.end || !turn.state;
  if (!w.erase) {
    w.state = turn.state->Encode();
    w.expires_at = expires_at;
  }
  return w;
}

}  // namespace smsgw::commands
