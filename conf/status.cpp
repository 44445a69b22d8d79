#include "conf/status.h"

namespace smsgw {

std::string_view CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk:
      return "OK";
    case Status::Code::kInvalidArgument:
      return "invalid argument";
    case Status::Code::kNotFound:
      return "not found";
    case Status::Code::kAlreadyExists:
      return "already exists";
    case Status::Code::kUnavailable:
      return "unavailable";
    case Status::Code::kRejected:
      return "rejected";
    case Status::Code::kCorruption:
      return "corruption";
    case Status::Code::kIOError:
      return "I/O error";
    case Status::Code::kFailedPrecondition:
      return "failed precondition";
    case Status::Code::kInternal:
      return "internal error";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(CodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string msg(context);
  msg += ": ";
  msg += message_;
  return Status(code_, std::move(msg));
}

}  // namespace smsgw
