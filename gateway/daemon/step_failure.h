// Which failed engine steps the core gives up on. A stored MO whose step keeps failing is
// consumed as "failed" so it cannot wedge the queue behind it (a poison message), but only
// when another try cannot help: a full disk, an I/O error or a locked database fail every
// step, and giving the MOs up then would drop what the SMSC was told we have.
#pragma once

#include "conf/status.h"

namespace smsgw::gateway {

// True for failures of the store's environment (Unavailable: busy, locked, disk full, I/O;
// IOError: a file that cannot be opened), which a later try may not meet. Such a step is
// retried for as long as it takes, never given up.
bool RetryMayCure(const Status& status);

}  // namespace smsgw::gateway
