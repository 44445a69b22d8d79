#include "gateway/smpp/delivery_receipt.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include "gateway/smpp/text_codec.h"
#include "gateway/smpp/tlv.h"

namespace smsgw::smpp {
namespace {

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::optional<MessageState> StateFromStat(std::string_view stat) {
  struct Word {
    std::string_view prefix;
    MessageState state;
  };
  // Appendix B words first, then spellings seen in the field.
  static constexpr std::array<Word, 9> kWords = {{
      {"DELIV", MessageState::kDelivered},
      {"EXPIR", MessageState::kExpired},
      {"DELET", MessageState::kDeleted},
      {"UNDELIV", MessageState::kUndeliverable},
      {"ACCEPT", MessageState::kAccepted},
      {"UNKNOWN", MessageState::kUnknown},
      {"REJECT", MessageState::kRejected},
      {"ENROUTE", MessageState::kEnroute},
      {"FAIL", MessageState::kUndeliverable},
  }};
  const std::string upper = Upper(stat);
  for (const Word& w : kWords) {
    if (upper.starts_with(w.prefix)) return w.state;
  }
  return std::nullopt;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Decimal digits -> lower-case hex, by repeated division; any length.
std::string DecimalToHex(std::string_view digits) {
  std::vector<uint8_t> num;
  for (char c : digits) num.push_back(static_cast<uint8_t>(c - '0'));
  std::string hex;
  while (!num.empty()) {
    std::vector<uint8_t> quotient;
    unsigned rem = 0;
    for (uint8_t d : num) {
      rem = rem * 10 + d;
      if (!quotient.empty() || rem >= 16) quotient.push_back(static_cast<uint8_t>(rem / 16));
      rem %= 16;
    }
    hex.push_back("0123456789abcdef"[rem]);
    num = std::move(quotient);
  }
  std::reverse(hex.begin(), hex.end());
  return hex;
}

}  // namespace

bool IsFinal(MessageState state) {
  return state != MessageState::kEnroute && state != MessageState::kAccepted &&
         state != MessageState::kUnknown;
}

Result<DeliveryReceipt> ParseReceiptText(std::string_view text) {
  DeliveryReceipt r;
  bool has_id = false;
  size_t pos = 0;
  while (pos < text.size()) {
    std::string_view rest = text.substr(pos);
    if (StartsWithNoCase(rest, "text:")) break;  // free text runs to the end
    struct Field {
      std::string_view key;
      std::string* value;
    };
    std::string ignored;
    const Field fields[] = {
        {"id:", &r.message_id},       {"sub:", &ignored},
        {"dlvrd:", &ignored},         {"submit date:", &r.submit_date},
        {"done date:", &r.done_date}, {"stat:", &r.stat},
        {"err:", &r.error},
    };
    size_t advance = 0;
    for (const Field& f : fields) {
      if (!StartsWithNoCase(rest, f.key)) continue;
      std::string_view value = rest.substr(f.key.size());
      value = value.substr(0, value.find(' '));
      *f.value = value;
      if (f.value == &r.message_id) has_id = !value.empty();
      advance = f.key.size() + value.size();
      break;
    }
    if (advance == 0) advance = std::min(rest.size(), rest.find(' '));  // unknown word
    pos += advance;
    while (pos < text.size() && text[pos] == ' ') ++pos;
  }
  if (!has_id) return Status::InvalidArgument("delivery receipt without id");
  r.stat = Upper(r.stat);
  r.state = StateFromStat(r.stat);
  return r;
}

namespace {

Result<DeliveryReceipt> ParseReceipt(uint8_t data_coding, std::span<const uint8_t> octets,
                                     const OptionalParams& t) {
  Result<std::string> text = DecodeText(data_coding, octets);
  std::string raw(octets.begin(), octets.end());
  Result<DeliveryReceipt> parsed = ParseReceiptText(text.ok() ? *text : raw);
  if (!parsed.ok() && !(t.receipted_message_id && !t.receipted_message_id->empty())) {
    return parsed.status();
  }
  DeliveryReceipt r = parsed.ok() ? *parsed : DeliveryReceipt{};
  if (t.receipted_message_id && !t.receipted_message_id->empty()) {
    r.message_id = *t.receipted_message_id;
  }
  if (t.message_state && *t.message_state >= 1 && *t.message_state <= 8) {
    r.state = static_cast<MessageState>(*t.message_state);
  }
  if (const Tlv* nec = t.Find(tag::kNetworkErrorCode); nec && nec->value.size() == 3) {
    r.network_error =
        (uint32_t{nec->value[0]} << 16) | (uint32_t{nec->value[1]} << 8) | nec->value[2];
  }
  return r;
}

}  // namespace

Result<DeliveryReceipt> ParseDeliveryReceipt(const DeliverSm& pdu) {
  std::span<const uint8_t> octets = pdu.short_message;
  if (pdu.tlvs.message_payload) octets = *pdu.tlvs.message_payload;
  return ParseReceipt(pdu.data_coding, octets, pdu.tlvs);
}

Result<DeliveryReceipt> ParseDeliveryReceipt(const DataSm& pdu) {
  std::span<const uint8_t> octets;
  if (pdu.tlvs.message_payload) octets = *pdu.tlvs.message_payload;
  return ParseReceipt(pdu.data_coding, octets, pdu.tlvs);
}

std::string NormalizeMessageId(std::string_view id, MessageIdBase base) {
  id = Trim(id);
  if (base == MessageIdBase::kAsIs || id.empty()) return std::string(id);
  const bool hex = base == MessageIdBase::kHex;
  for (char c : id) {
    if (!(hex ? std::isxdigit(static_cast<unsigned char>(c))
              : std::isdigit(static_cast<unsigned char>(c)))) {
      return std::string(id);
    }
  }
  const size_t first = std::min(id.find_first_not_of('0'), id.size());
  std::string_view digits = id.substr(first);
  if (digits.empty()) return "0";
  if (!hex) return DecimalToHex(digits);
  std::string out(digits);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace smsgw::smpp
