// systemd's readiness protocol (sd_notify(3)) without libsystemd: one datagram to the socket
// named by $NOTIFY_SOCKET. Does nothing when the variable is unset (not run by systemd with
// Type=notify). Errors are ignored: readiness reporting must never stop the gateway.
#pragma once

#include <string_view>

namespace smsgw::gateway {

// `state` is one or more newline-separated assignments: "READY=1", "RELOADING=1",
// "STOPPING=1", "STATUS=...".
void SdNotify(std::string_view state);

}  // namespace smsgw::gateway
