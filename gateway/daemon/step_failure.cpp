#include "gateway/daemon/step_failure.h"

namespace smsgw::gateway {

bool RetryMayCure(const Status& status) {
  return status.code() == Status::Code::kUnavailable || status.code() == Status::Code::kIOError;
}

}  // namespace smsgw::gateway
