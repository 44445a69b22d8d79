// What the store's WAL checkpoints have done (Store::checkpoint_stats, wal_checkpointer.h).
#pragma once

#include <cstdint>
#include <string>

namespace smsgw::store {

struct CheckpointStats {
  int64_t checkpoints = 0;  // checkpoints run (each PASSIVE), on the checkpointer's thread
  int64_t in_commit = 0;    // run by the store's connection right after a commit (finishing)
  int64_t failures = 0;     // of both
  std::string last_error;   // the last failure's message; empty when none failed
};

}  // namespace smsgw::store
