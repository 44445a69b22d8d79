#include "gateway/smpp/pdu_error.h"

namespace smsgw::smpp {

std::optional<Pdu> ErrorResponse(const PduError& error) {
  const uint32_t status = ToWire(error.status);
  switch (error.reply) {
    case ErrorReply::kNone:
      return std::nullopt;
    case ErrorReply::kGenericNack: {
      Pdu nack;
      nack.command_status = status;
      nack.sequence_number = error.sequence_number;
      nack.body = GenericNack{};
      return nack;
    }
    case ErrorReply::kResponse:
      return MakeResponse(error.command_id, error.sequence_number, status);
  }
  return std::nullopt;
}

std::string Describe(const PduError& error) {
  std::string out = CommandName(error.command_id);
  out += " seq=" + std::to_string(error.sequence_number);
  out += " refused with " + CommandStatusName(ToWire(error.status));
  out += ": " + error.reason;
  if (error.fatal) out += " (closing: framing lost)";
  return out;
}

}  // namespace smsgw::smpp
