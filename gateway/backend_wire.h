// The account backend's JSON messages (docs/backend-api.md, "Wire format and signing"):
//
//   request   POST <base>/v1/instructions
//             {"id": "...", "operation": "...", "msisdn": "...", "fields": {...}}
//   answer    200 {"status": "accepted", "result": {...}}
//             200 {"status": "rejected", "reason": "..."}
//   error     4xx/5xx {"error": {"code": "...", "message": "..."}}
//
// The operations and their fields are the commands' business (documented with the ledger);
// here they are opaque JSON. Pure: no I/O. Decoders never throw and never echo field values
// (which may carry account numbers) in their error messages.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "conf/status.h"

namespace smsgw::gateway {

inline constexpr std::string_view kInstructionsPath = "/v1/instructions";

struct WireInstruction {
  std::string id;  // the instruction id; also the Idempotency-Key
  std::string operation;
  std::string msisdn;  // E.164 digits, no '+'
  nlohmann::json fields = nlohmann::json::object();
};

struct WireAnswer {
  bool accepted = false;
  nlohmann::json result = nlohmann::json::object();  // when accepted
  std::string reason;                                // when rejected: a code for the reply
};

struct WireError {
  std::string code;  // "bad_signature", "idempotency_key_reused", ...; empty when absent
  std::string message;
};

std::string EncodeInstruction(const WireInstruction& instruction);
// InvalidArgument unless: an object; id of 1-128 characters from [A-Za-z0-9._:-]; a non-empty
// operation; msisdn of 1-15 digits; fields absent or an object. Unknown members are ignored.
Result<WireInstruction> DecodeInstruction(std::string_view body);

std::string EncodeAnswer(const WireAnswer& answer);
// InvalidArgument unless status is "accepted" (result absent or an object) or "rejected"
// (reason a non-empty string).
Result<WireAnswer> DecodeAnswer(std::string_view body);

std::string EncodeError(const WireError& error);
// Best effort: an error body in another shape gives an empty code.
WireError DecodeError(std::string_view body);

}  // namespace smsgw::gateway
