// The store's schema and its migrations, versioned with PRAGMA user_version.
//
// Internal to store/. Migration N takes a database from version N-1 to N; they run in order,
// inside one transaction, when the daemon opens the store. A database whose version is newer
// than kSchemaVersion was written by a newer smsgw and is refused, never modified.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "conf/status.h"

struct sqlite3;

namespace smsgw::store {

inline constexpr int kSchemaVersion = 14;
// PRAGMA application_id: "SMSG". Marks the file as an smsgw store, so `ctl --db` pointed at
// another SQLite file (the ledger, say) is refused instead of being migrated.
inline constexpr int32_t kApplicationId = 0x534D5347;

// Migrations()[i] brings version i to version i+1.
const std::vector<std::string_view>& Migrations();

// The schema version of an open database, after checking it is ours: Corruption when the file
// is not an SQLite database, FailedPrecondition when it carries another application's id, or
// no id and tables of its own. 0 for an empty database. Reads only.
Result<int> ReadSchemaVersion(sqlite3* db, const std::string& path);

// The refusal of a database written by a newer smsgw.
Status NewerSchemaError(const std::string& path, int version);

// Brings the database to version migrations.size() in one transaction (BEGIN IMMEDIATE, so
// two processes opening a fresh file do not both migrate it) and stamps application_id.
// FailedPrecondition, with nothing changed, when its version is newer. Returns the version
// found before migrating.
Result<int> Migrate(sqlite3* db, const std::string& path,
                    std::span<const std::string_view> migrations);

}  // namespace smsgw::store
