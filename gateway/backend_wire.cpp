#include "gateway/backend_wire.h"

#include <algorithm>

namespace smsgw::gateway {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxIdLength = 128;
constexpr std::size_t kMaxMsisdnDigits = 15;

bool IsIdChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' ||
         c == '-';
}

// A parsed object, or a discarded value when `body` is not JSON or not an object.
json ParseObject(std::string_view body) {
  json j = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  return j.is_object() ? j : json(json::value_t::discarded);
}

const json* Member(const json& j, const char* name) {
  auto it = j.find(name);
  return it == j.end() ? nullptr : &*it;
}

std::string Dump(const json& j) {
  // Invalid UTF-8 in a string is replaced rather than thrown about: the encoders never fail.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string EncodeInstruction(const WireInstruction& instruction) {
  json j = {{"id", instruction.id},
            {"operation", instruction.operation},
            {"msisdn", instruction.msisdn},
            {"fields", instruction.fields.is_object() ? instruction.fields : json::object()}};
  return Dump(j);
}

Result<WireInstruction> DecodeInstruction(std::string_view body) {
  json j = ParseObject(body);
  if (j.is_discarded()) return Status::InvalidArgument("instruction is not a JSON object");
  WireInstruction out;
  const json* id = Member(j, "id");
  const std::string* id_text =
      id != nullptr && id->is_string() ? id->get_ptr<const std::string*>() : nullptr;
  if (id_text == nullptr || id_text->empty() || id_text->size() > kMaxIdLength ||
      !std::all_of(id_text->begin(), id_text->end(), IsIdChar)) {
    return Status::InvalidArgument("instruction id must be 1-128 characters of [A-Za-z0-9._:-]");
  }
  out.id = *id_text;
  const json* op = Member(j, "operation");
  if (op == nullptr || !op->is_string() || op->get_ref<const std::string&>().empty()) {
    return Status::InvalidArgument("instruction operation must be a non-empty string");
  }
  out.operation = op->get<std::string>();
  const json* msisdn = Member(j, "msisdn");
  if (msisdn == nullptr || !msisdn->is_string()) {
    return Status::InvalidArgument("instruction msisdn must be a string of digits");
  }
  out.msisdn = msisdn->get<std::string>();
  if (out.msisdn.empty() || out.msisdn.size() > kMaxMsisdnDigits ||
      !std::all_of(out.msisdn.begin(), out.msisdn.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return Status::InvalidArgument("instruction msisdn must be 1-15 digits");
  }
  if (const json* fields = Member(j, "fields")) {
    if (!fields->is_object())
      return Status::InvalidArgument("instruction fields must be an object");
    out.fields = *fields;
  }
  return out;
}

std::string EncodeAnswer(const WireAnswer& answer) {
  json j = answer.accepted
               ? json{{"status", "accepted"},
                      {"result", answer.result.is_object() ? answer.result : json::object()}}
               : json{{"status", "rejected"}, {"reason", answer.reason}};
  return Dump(j);
}

Result<WireAnswer> DecodeAnswer(std::string_view body) {
  json j = ParseObject(body);
  if (j.is_discarded()) return Status::InvalidArgument("answer is not a JSON object");
  const json* status = Member(j, "status");
  if (status == nullptr || !status->is_string()) {
    return Status::InvalidArgument("answer has no status");
  }
  WireAnswer out;
  if (*status == "accepted") {
    out.accepted = true;
    if (const json* result = Member(j, "result")) {
      if (!result->is_object()) return Status::InvalidArgument("answer result must be an object");
      out.result = *result;
    }
    return out;
  }
  if (*status == "rejected") {
    const json* reason = Member(j, "reason");
    if (reason == nullptr || !reason->is_string() ||
        reason->get_ref<const std::string&>().empty()) {
      return Status::InvalidArgument("a rejected answer needs a reason");
    }
    out.reason = reason->get<std::string>();
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
  const json* code = Member(*error, "code");
  const json* message = Member(*error, "message");
  if (code != nullptr && code->is_string()) out.code = code->get<std::string>();
  if (message != nullptr && message->is_string()) out.message = message->get<std::string>();
  return out;
}

}  // namespace smsgw::gateway
