// The ledger database's schema and its migrations, versioned by PRAGMA user_version.
#pragma once

#include <cstdint>

#include "conf/status.h"
#include "store/ledger_db.h"

namespace smsgw::store {

inline constexpr int kLedgerSchemaVersion = 2;

// Applies every migration above the database's user_version in one transaction,
// then makes sure the system accounts exist. Corruption when the database is newer than this
// build (never downgraded silently).
Status MigrateLedger(LedgerDb& db, int64_t now);

}  // namespace smsgw::store
