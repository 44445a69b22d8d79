// `smsgw run`: the gateway daemon. Wires the SMPP sessions, the MO intake, the core (store,
// engine, backend), the MT sender and the admin endpoint together and runs them until a
// signal stops it.
//
// Threads: the caller's thread runs the io_context (sessions, admin endpoint, HTTP backend,
// signals, timers); the core runs on a thread of its own (core.h). Work crosses between them
// in batches.
//
// Signals:
//   SIGHUP           reload the configuration's [reload] settings and the grammar, atomically:
//                    a file with errors changes nothing (each error is logged) and the daemon
//                    keeps serving; [restart] settings that changed are logged and ignored.
//   SIGTERM, SIGINT  drain: new MOs are answered ESME_RX_T_APPN (the SMSC keeps them), stored
//                    work is finished within the drain deadline, the binds unbind, the store
//                    closes. A second SIGTERM/SIGINT exits at once with status 5 (the store is
//                    crash-safe).
//
// Under systemd (NOTIFY_SOCKET set) it reports READY=1 once the store is open and the
// sessions started, RELOADING=1 / READY=1 around a reload and STOPPING=1 when draining.
#pragma once

#include <chrono>
#include <ostream>

#include "conf/gateway_config.h"

namespace smsgw::gateway {

struct DaemonOptions {
  std::chrono::milliseconds drain_timeout{10000};
};

// Runs until stopped. Returns the process exit status: 0 after a clean drain, 3 when a part
// could not start, 4 when the store could not be opened (locked by another process, corrupt,
// from a newer smsgw, its directory missing; the file is left as it is). The reason is logged
// and written to `err`. A second SIGTERM/SIGINT during the drain does not return: the process
// exits at once with status 5, logged as stop.forced.
int RunDaemon(conf::GatewayConfig config, const DaemonOptions& options, std::ostream& err);

}  // namespace smsgw::gateway
