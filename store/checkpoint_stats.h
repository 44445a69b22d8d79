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
  // Frames in the WAL after the last commit: what the WAL file holds (a frame is a page and
  // 24 bytes). Near the threshold or a few times it while checkpoints keep up; growing
  // without end while they fail, or while a reader's snapshot holds the WAL back.
  int64_t wal_frames = 0;
};

}  // namespace smsgw::store
