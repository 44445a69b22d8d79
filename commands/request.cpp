#include "commands/request.h"

#include <openssl/crypto.h>

#include <limits>
#include <map>
#include <utility>

#include "commands/json_text.h"

namespace smsgw::commands {

namespace {

using json_text::AppendKey;
using json_text::AppendString;
using json_text::Reader;

void Wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

// Each member is written with a comma after it; Close turns the object's last one into its
// closing brace.
void Text(std::string& out, std::string_view key, std::string_view value) {
  AppendKey(out, key);
  AppendString(out, value);
  out.push_back(',');
}

void Number(std::string& out, std::string_view key, int64_t value) {
  AppendKey(out, key);
  out += std::to_string(value);
  out.push_back(',');
}

void Close(std::string& out) {
  if (out.back() == ',') {
    out.back() = '}';
  } else {
    out.push_back('}');  // an empty object
  }
}

// The show members as a payload holds them: by name, the last of a repeated name kept.
std::map<std::string_view, std::string_view> ShowByName(const Request& r) {
  std::map<std::string_view, std::string_view> show;
  for (const parser::TemplateValue& v : r.show) show.insert_or_assign(v.name, v.value);
  return show;
}

}  // namespace

// Members in sorted key order, as nlohmann::json (a std::map) wrote them: the payloads stored
// before are the text the same request still makes.
std::string EncodeRequest(const Request& r) {
  const std::map<std::string_view, std::string_view> show = ShowByName(r);
  std::string out;
  out.reserve(256);
  out += "{";
  AppendKey(out, "args");
  out += "{";
  for (const auto& [name, value] : r.args) {  // a std::map: sorted
    if (const int64_t* i = std::get_if<int64_t>(&value)) {
      Number(out, name, *i);
    } else {
      Text(out, name, std::get<std::string>(value));
    }
  }
  Close(out);
  out += ",";
  Text(out, "cmd", r.command);
  Text(out, "conn", r.connection);
  Text(out, "lang", r.language);
  Text(out, "sc", r.short_code);
  AppendKey(out, "show");
  out += "{";
  for (const auto& [name, value] : show) Text(out, name, value);
  Close(out);
  out += ",";
  if (r.source_type) {
    Number(out, "src_npi", r.source_type->npi);
    Number(out, "src_ton", r.source_type->ton);
  }
  Number(out, "step", r.step);
  Number(out, "tries", r.tries);
  Number(out, "v", 1);
  Close(out);
  return out;
}

Result<Request> DecodeRequest(std::string_view payload) {
  Request r;
  Reader in(payload);
  std::map<std::string, std::string> show;
  unsigned seen = 0;  // bits of the required members read
  int64_t version = 0;
  std::optional<int> source_ton;
  std::optional<int> source_npi;
  auto octet = [&in](std::optional<int>& out) {
    int64_t v = 0;
    if (!in.ReadInt(v) || v < 0 || v > 255) return false;
    out = static_cast<int>(v);
    return true;
  };
  auto small = [&in](int& out) {
    int64_t v = 0;
    if (!in.ReadInt(v) || v < std::numeric_limits<int>::min() ||
        v > std::numeric_limits<int>::max()) {
      return false;
    }
    out = static_cast<int>(v);
    return true;
  };
  const bool read = in.ReadObject([&](const std::string& key) {
    if (key == "v") return in.ReadInt(version);
    if (key == "cmd") return (seen |= 1u, in.ReadString(r.command));
    if (key == "lang") return (seen |= 2u, in.ReadString(r.language));
    if (key == "sc") return (seen |= 4u, in.ReadString(r.short_code));
    if (key == "conn") return (seen |= 8u, in.ReadString(r.connection));
    if (key == "step") return (seen |= 16u, small(r.step));
    if (key == "tries") return (seen |= 32u, small(r.tries));
    if (key == "src_ton") return octet(source_ton);
    if (key == "src_npi") return octet(source_npi);
    if (key == "show") {
      seen |= 64u;
      show.clear();
      return in.ReadObject([&](const std::string& name) { return in.ReadString(show[name]); });
    }
    if (key == "args") {
      seen |= 128u;
      r.args.clear();
      return in.ReadObject([&](const std::string& name) {
        if (in.Peek() == '"') {
          std::string text;
          if (!in.ReadString(text)) return false;
          r.args.insert_or_assign(name, std::move(text));
          return true;
        }
        int64_t number = 0;
        if (!in.ReadInt(number)) return false;
        r.args.insert_or_assign(name, number);
        return true;
      });
    }
    return in.SkipValue();
  });
  if (!read || !in.AtEnd() || version != 1 || seen != 255u ||
      source_ton.has_value() != source_npi.has_value()) {
    return Status::InvalidArgument("payload");
  }
  if (source_ton) {
    r.source_type =
        store::AddressType{static_cast<uint8_t>(*source_ton), static_cast<uint8_t>(*source_npi)};
  }
  for (auto& [name, value] : show) r.show.push_back({name, std::move(value)});
  return r;
}

namespace {

// Whether the payload of `r` reads back as `r` with its show members as ShowByName gives
// them: every text is written as it is.
bool ReadsBackAsItIs(const Request& r) {
  for (std::string_view s : {std::string_view(r.command), std::string_view(r.language),
                             std::string_view(r.short_code), std::string_view(r.connection)}) {
    if (!json_text::IsUtf8(s)) return false;
  }
  for (const parser::TemplateValue& v : r.show) {
    if (!json_text::IsUtf8(v.name) || !json_text::IsUtf8(v.value)) return false;
  }
  for (const auto& [name, value] : r.args) {
    if (!json_text::IsUtf8(name)) return false;
    if (const std::string* text = std::get_if<std::string>(&value)) {
      if (!json_text::IsUtf8(*text)) return false;
    }
  }
  return true;
}

// `request` as DecodeRequest makes it of `payload`, its encoding: what a maker of a row keeps
// as the row's parsed form, so that a reader of the parsed form sees the fields a reader of
// the stored payload would.
std::shared_ptr<const Request> ParsedForm(const std::string& payload, Request request) {
  if (!ReadsBackAsItIs(request)) {
    Result<Request> read = DecodeRequest(payload);
    if (!read.ok()) return nullptr;  // cannot happen; the reader falls back to the payload
    request = std::move(*read);
  } else {
    std::vector<parser::TemplateValue> show;
    for (const auto& [name, value] : ShowByName(request)) {
      show.push_back({std::string(name), std::string(value)});
    }
    request.show = std::move(show);
  }
  return std::make_shared<const Request>(std::move(request));
}

}  // namespace

void SetRequest(store::NewInstruction& instruction, Request request) {
  instruction.payload = EncodeRequest(request);
  // The form the payload reads back as: a claim made as the row goes in sends the same fields
  // as a claim of the stored row.
  instruction.parsed = ParsedForm(instruction.payload, std::move(request));
}

void SetRequest(store::NewChallenge& challenge, Request request) {
  challenge.payload = EncodeRequest(request);
  challenge.parsed = ParsedForm(challenge.payload, std::move(request));
}

Result<Request> ChallengeRequest(const store::Challenge& challenge) {
  if (challenge.parsed != nullptr)
    return *std::static_pointer_cast<const Request>(challenge.parsed);
  return DecodeRequest(challenge.payload);
}

Secrets::~Secrets() {
  Wipe(pin);
  Wipe(new_pin);
  Wipe(account);
  Wipe(code);
}

store::SecretBytes EncodeSecrets(const Secrets& s) {
  if (s.empty()) return store::SecretBytes();
  std::string text;
  // Room for the worst case first (every byte escaped as \u00XX): the text is never moved,
  // so no copy of a PIN is left in a freed buffer.
  text.reserve(64 + 6 * (s.pin.size() + s.new_pin.size() + s.account.size() + s.code.size()));
  text += "{";
  // Sorted by key, as before.
  if (!s.account.empty()) Text(text, "account", s.account);
  if (!s.code.empty()) Text(text, "code", s.code);
  if (!s.new_pin.empty()) Text(text, "new_pin", s.new_pin);
  if (!s.pin.empty()) Text(text, "pin", s.pin);
  Close(text);
  store::SecretBytes out(text);
  Wipe(text);
  return out;
}

Result<Secrets> DecodeSecrets(std::string_view sealed_part) {
  Secrets s;
  if (sealed_part.empty()) return s;
  Reader in(sealed_part);
  const bool read = in.ReadObject([&](const std::string& key) {
    std::string* field = key == "pin"       ? &s.pin
                         : key == "new_pin" ? &s.new_pin
                         : key == "account" ? &s.account
                         : key == "code"    ? &s.code
                                            : nullptr;
    if (field != nullptr && in.Peek() == '"') return in.ReadString(*field);
    return in.SkipValue();
  });
  if (!read || !in.AtEnd()) return Status::InvalidArgument("secret");
  return s;
}

}  // namespace smsgw::commands
