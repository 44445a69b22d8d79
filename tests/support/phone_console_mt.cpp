#include "tests/support/phone_console_mt.h"

#include <cstdio>

#include "gateway/smpp/text_codec.h"
#include "gateway/smpp/user_data.h"

namespace smsgw::console {

namespace {

std::string Undecodable(const smpp::AssembledMessage& m) {
  size_t octets = 0;
  for (const smpp::UserData& part : m.parts) octets += part.payload.size();
  const uint8_t dcs = m.parts.empty() ? 0 : m.parts.front().data_coding;
  char note[96];
  std::snprintf(note, sizeof note, "[not text: %zu octets, data_coding 0x%02X]", octets, dcs);
  return note;
}

ShownMt Show(const smpp::AssembledMessage& m) {
  ShownMt shown;
  shown.from = m.source;
  shown.to = m.destination;
  Result<std::string> text = smpp::JoinedText(m);
  shown.text = text.ok() ? *text : Undecodable(m);
  shown.parts = m.total;
  shown.parts_received = static_cast<uint8_t>(m.parts.size());
  return shown;
}

}  // namespace

MtAssembler::MtAssembler(Clock::duration timeout)
    : reassembler_(smpp::ReassemblyOptions{.timeout = timeout}) {}

std::optional<ShownMt> MtAssembler::Add(const smpp::SubmitSm& sm, Clock::time_point now) {
  Result<smpp::UserData> data = smpp::ExtractUserData(sm);
  if (!data.ok()) {
    return ShownMt{sm.source.value, sm.destination.value,
                   "[malformed user data: " + data.status().message() + "]"};
  }
  smpp::Reassembler::AddResult r =
      reassembler_.Add("mt", sm.source.value, sm.destination.value, std::move(*data), now);
  if (r.outcome != smpp::Reassembler::Outcome::kComplete || !r.message) return std::nullopt;
  return Show(*r.message);
}

std::vector<ShownMt> MtAssembler::Expire(Clock::time_point now) {
  std::vector<ShownMt> shown;
  for (const smpp::AssembledMessage& m : reassembler_.Expire(now)) shown.push_back(Show(m));
  return shown;
}

}  // namespace smsgw::console
