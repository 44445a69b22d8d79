#include "gateway/backend_wire.h"

#include <algorithm>

namespace smsgw::gateway {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxIdLength = 128;
constexpr std::size_t kMaxMsisdnDigits = 15;
constexpr std::string_view kSecretNames[] = {"pin", "new_pin", "account"};

bool IsIdChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' ||
         c == '-';
}

// A parsed object, or a discarded value when `body` is not JSON or not an object.
json ParseObject(std::string_view body) {
  json j = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  return j.is_object() ? j : json(json::value_t::discarded);
}

const json* Member(const json& j, std::string_view name) {
  auto it = j.find(name);
  return it == j.end() ? nullptr : &*it;
}

const std::string* Text(const json* j) {
  return j != nullptr && j->is_string() ? j->get_ptr<const std::string*>() : nullptr;
}

// Strings and integers that fit int64: what the port's fields and results hold. A fraction
// is refused, so no amount ever passes through a floating-point number.
bool IsFlatObject(const json& j) {
  if (!j.is_object()) return false;
  return std::all_of(j.begin(), j.end(),
                     [](const json& v) { return v.is_string() || v.is_number_integer(); });
}

std::string Dump(const json& j) {
  // Invalid UTF-8 in a string is replaced rather than thrown about: the encoders never fail.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// A JSON string literal for a secret, written without a JSON tree.
void AppendSecret(std::string& out, std::string_view name, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.append(",\"").append(name).append("\":\"");
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      out.append("\\u00").push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

}  // namespace

bool IsWireId(std::string_view id) {
  return !id.empty() && id.size() <= kMaxIdLength && std::all_of(id.begin(), id.end(), IsIdChar);
}

std::string EncodeInstruction(const WireInstruction& instruction) {
  json j = {{"id", instruction.id},
            {"operation", instruction.operation},
            {"msisdn", instruction.msisdn},
            {"fields", instruction.fields.is_object() ? instruction.fields : json::object()}};
  std::string out = Dump(j);
  const store::SecretBytes* secrets[] = {&instruction.pin, &instruction.new_pin,
                                         &instruction.account};
  out.pop_back();  // the closing brace; the secrets go before it
  for (std::size_t i = 0; i < 3; ++i) {
    if (!secrets[i]->empty()) AppendSecret(out, kSecretNames[i], secrets[i]->view());
  }
  out.push_back('}');
  return out;
}

Result<WireInstruction> DecodeInstruction(std::string_view body) {
  json j = ParseObject(body);
  if (j.is_discarded()) return Status::InvalidArgument("instruction is not a JSON object");
  WireInstruction out;
  const std::string* id = Text(Member(j, "id"));
  if (id == nullptr || !IsWireId(*id)) {
    return Status::InvalidArgument("instruction id must be 1-128 characters of [A-Za-z0-9._:-]");
  }
  out.id = *id;
  const std::string* op = Text(Member(j, "operation"));
  if (op == nullptr || op->empty()) {
    return Status::InvalidArgument("instruction operation must be a non-empty string");
  }
  out.operation = *op;
  const std::string* msisdn = Text(Member(j, "msisdn"));
  if (msisdn == nullptr || msisdn->empty() || msisdn->size() > kMaxMsisdnDigits ||
      !std::all_of(msisdn->begin(), msisdn->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Status::InvalidArgument("instruction msisdn must be 1-15 digits");
  }
  out.msisdn = *msisdn;
  if (const json* fields = Member(j, "fields")) {
    if (!IsFlatObject(*fields)) {
      return Status::InvalidArgument(
          "instruction fields must be an object of strings and integers");
    }
    out.fields = *fields;
  }
  store::SecretBytes* secrets[] = {&out.pin, &out.new_pin, &out.account};
  for (std::size_t i = 0; i < 3; ++i) {
    const json* secret = Member(j, kSecretNames[i]);
    if (secret == nullptr) continue;
    if (!secret->is_string()) {
      return Status::InvalidArgument("instruction " + std::string(kSecretNames[i]) +
                                     " must be a string");
    }
    *secrets[i] = store::SecretBytes(secret->get<std::string>());
  }
  return out;
}

std::string EncodeAnswer(const WireAnswer& answer) {
  json j;
  if (answer.accepted) {
    j = {{"status", "accepted"},
         {"result", answer.result.is_object() ? answer.result : json::object()}};
    if (answer.statement.is_array() && !answer.statement.empty()) j["statement"] = answer.statement;
  } else {
    j = {{"status", "rejected"}, {"reason", answer.reason}};
    if (!answer.detail.empty()) j["detail"] = answer.detail;
    if (answer.result.is_object() && !answer.result.empty()) j["result"] = answer.result;
  }
  if (answer.replayed) j["replayed"] = true;
  return Dump(j);
}

Result<WireAnswer> DecodeAnswer(std::string_view body) {
  json j = ParseObject(body);
  if (j.is_discarded()) return Status::InvalidArgument("answer is not a JSON object");
  const std::string* status = Text(Member(j, "status"));
  if (status == nullptr) return Status::InvalidArgument("answer has no status");
  WireAnswer out;
  if (const json* replayed = Member(j, "replayed")) {
    if (!replayed->is_boolean())
      return Status::InvalidArgument("answer replayed must be a boolean");
    out.replayed = replayed->get<bool>();
  }
  // Accepted answers carry their result fields; a rejection may carry some too (the locked
  // account's own phone on a refused account.bind).
  if (const json* result = Member(j, "result")) {
    if (!IsFlatObject(*result)) {
      return Status::InvalidArgument("answer result must be an object of strings and integers");
    }
    out.result = *result;
  }
  if (*status == "accepted") {
    out.accepted = true;
    if (const json* statement = Member(j, "statement")) {
      if (!statement->is_array() ||
          !std::all_of(statement->begin(), statement->end(), IsFlatObject)) {
        return Status::InvalidArgument("answer statement must be an array of flat objects");
      }
      out.statement = *statement;
    }
    return out;
  }
  if (*status == "rejected") {
    const std::string* reason = Text(Member(j, "reason"));
    if (reason == nullptr || reason->empty()) {
      return Status::InvalidArgument("a rejected answer needs a reason");
    }
    out.reason = *reason;
    if (const json* detail = Member(j, "detail")) {
      if (!detail->is_string()) return Status::InvalidArgument("answer detail must be a string");
      out.detail = detail->get<std::string>();
    }
    return out;
  }
  return Status::InvalidArgument("answer status must be accepted or rejected");
}

std::string EncodeError(const WireError& error) {
  return Dump(json{{"error", {{"code", error.code}, {"message", error.message}}}});
}

WireError DecodeError(std::string_view body) {
  WireError out;
  json j = ParseObject(body);
  if (j.is_discarded()) return out;
  const json* error = Member(j, "error");
  if (error == nullptr || !error->is_object()) return out;
  if (const std::string* code = Text(Member(*error, "code"))) out.code = *code;
  if (const std::string* message = Text(Member(*error, "message"))) out.message = *message;
  return out;
}

}  // namespace smsgw::gateway
