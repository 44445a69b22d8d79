// What the receiving side of a session does with a PDU it cannot take: which response to
// send, with which status, and whether the connection can go on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "gateway/smpp/command_status.h"
#include "gateway/smpp/pdu.h"

namespace smsgw::smpp {

enum class ErrorReply {
  kGenericNack,  // header problem: command_length or command_id (spec 4.3)
  kResponse,     // a request with a bad body: the operation's _resp carrying `status`
  // A response: never answered (SMPP 3.4). A malformed one fails the pending request; an
  // unknown one (status ESME_RINVCMDID) answers no request of ours and is dropped.
  kNone,
};

struct PduError {
  uint32_t command_id = 0;       // as read from the header (0 if not even that was there)
  uint32_t sequence_number = 0;  // as read from the header; echoed in the reply
  uint32_t command_status = 0;   // as read from the header (0 if not even that was there)
  CommandStatus status = CommandStatus::kRSysErr;
  ErrorReply reply = ErrorReply::kGenericNack;
  // The byte stream cannot be resynchronised (command_length out of range): send the reply,
  // then close the connection. Otherwise the PDU was skipped whole and the session goes on.
  bool fatal = false;
  std::string reason;  // for the log; names fields, never carries message content
};

// The PDU to send for `error`: generic_nack or the operation's _resp with error.status; none
// for ErrorReply::kNone.
std::optional<Pdu> ErrorResponse(const PduError& error);

// "deliver_sm seq=4 refused with ESME_RINVPARLEN: TLV 0x1383 has length 1".
std::string Describe(const PduError& error);

}  // namespace smsgw::smpp
