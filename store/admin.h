// What the store reports to operators (`smsgw ctl`): counts, retention purges, checks.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace smsgw::store {

struct StoreStats {
  int schema_version = 0;
  // Rows per state, e.g. inbound["new"], instructions["dead"], replies["sent"].
  std::map<std::string, int64_t> inbound;
  std::map<std::string, int64_t> challenges;
  std::map<std::string, int64_t> instructions;
  std::map<std::string, int64_t> replies;
  int64_t audit_rows = 0;
  int64_t locked_subscribers = 0;  // locks still in force
  // Of this Store object (daemon mode): dedup keys held in memory, redeliveries answered.
  int64_t recent_keys = 0;
  int64_t duplicates_seen = 0;
  int64_t file_bytes = 0;  // page_count * page_size
};

// The work waiting, for the daemon's gauges. Read through partial indexes that hold only the
// rows counted, so its cost follows the backlog, not the size of the store; StoreStats counts
// every row of every table, which on a store of millions of rows takes seconds.
struct QueueDepths {
  int64_t inbound_new = 0;           // MOs stored, not yet processed
  int64_t instructions_pending = 0;  // waiting for a (further) attempt
  int64_t replies_pending = 0;
  int64_t dead_letters = 0;  // instructions and replies that ran out of attempts
};

// Deletes what is older than the cutoffs and finished: processed inbound messages (by
// received_at), challenges that are no longer pending, instructions done / rejected / dead,
// replies delivered / undeliverable / dead / sent (by their last update) and the ids of
// applied backend notices (by when they were recorded: a notice pushed again after that is
// applied again). Never deletes work still to do. The highest id inbound, challenge and reply
// have given is kept, so a purged id is never given again to join an old row's audit trail.
// Audit rows are kept unless an audit cutoff is given: the audit trail usually has a longer
// retention of its own. Refused (InvalidArgument): a cutoff inside the redelivery window (the
// dedup keys would be forgotten), and an audit cutoff under a day (the wrong-PIN lockout counts
// the last 24 hours of the audit trail).
struct PurgeOptions {
  int64_t older_than_ms = 90 * 86'400'000LL;
  std::optional<int64_t> audit_older_than_ms;
};

struct PurgeReport {
  int64_t inbound = 0;
  int64_t challenges = 0;
  int64_t instructions = 0;
  int64_t replies = 0;
  int64_t audit = 0;
  int64_t locks = 0;    // expired subscriber locks
  int64_t notices = 0;  // ids of applied backend notices (Effects::notice_id)
};

struct CheckReport {
  int schema_version = 0;
  int supported_version = 0;
  std::vector<std::string> problems;  // PRAGMA integrity_check lines other than "ok"
  // Whether the key ring opens the store's sealed dedup secret (false when no keys were
  // given or they are not the store's keys).
  bool keys_checked = false;
  bool keys_match = false;
  bool ok() const { return problems.empty() && schema_version == supported_version; }
};

}  // namespace smsgw::store
