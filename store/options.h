// How a Store is opened: file, keys, clock, durability, windows, retry policies and limits.
// The config loader fills this from gateway.yaml; tests fill it directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "store/clock.h"
#include "store/crypto.h"

namespace smsgw::store {

// PRAGMA synchronous. kFull (the default) fsyncs the WAL at every commit: a commit that
// returned survives a power cut. kNormal skips that fsync (only checkpoints sync): a power cut
// may lose the last commits, which the SMSC was already told we have. Choose it knowingly.
enum class Synchronous { kFull, kNormal };

enum class OpenMode {
  // The gateway daemon: creates the file when missing, applies migrations, puts in-flight
  // outbox items back to pending (they were interrupted by a crash) and loads the recent
  // dedup keys into memory. Exactly one daemon-mode Store per database file.
  kDaemon,
  // `smsgw ctl`, beside a running daemon or offline: the file must exist with the current
  // schema; nothing is migrated or recovered; Accept, PendingInbound, FindResend and the
  // Claim* calls are refused (FailedPrecondition). `keys` may be null.
  kAdmin,
};

// Retries of outbox items: exponential backoff with full jitter, bounded. The delay before
// attempt n+1 (after n failed attempts) is uniform in
//   [base_delay_ms, min(max_delay_ms, base_delay_ms * 2^(n-1))],
// and an item that has failed max_attempts times is dead.
struct RetryPolicy {
  int64_t base_delay_ms = 2'000;
  int64_t max_delay_ms = 10 * 60'000;
  int max_attempts = 12;
};

// Bounds on what Accept takes, so one bad PDU cannot bloat the log. The SMPP layer checks
// messages with ValidateInbound (store/inbound.h) before handing them over.
struct Limits {
  std::size_t max_batch = 10'000;
  std::size_t max_text_bytes = 8'192;  // decoded text; 255 segments of 153 GSM chars fit
  std::size_t max_address_bytes = 32;  // source and destination (SMPP allows 21)
  std::size_t max_connection_bytes = 64;
  std::size_t max_smsc_message_id_bytes = 65;  // SMPP message_id is at most 65 octets
};

struct Options {
  std::string path;  // the database file; -wal and -shm files sit beside it
  OpenMode mode = OpenMode::kDaemon;

  // Seals sensitive fields and the store's own dedup secret. Required in daemon mode.
  // Keeping an old key in the ring lets records sealed before a rotation be opened.
  std::shared_ptr<const KeyRing> keys;
  // Null means SystemClock.
  std::shared_ptr<const Clock> clock;

  // Daemon mode only: create a missing file (mode 0600). Its directory must exist.
  bool create_if_missing = true;
  Synchronous synchronous = Synchronous::kFull;
  // How long a statement waits for another connection's lock before failing with Unavailable.
  int busy_timeout_ms = 5'000;
  // Daemon mode: WAL checkpoints on a thread and connection of their own
  // (store/wal_checkpointer.h) once the WAL holds checkpoint_pages pages, instead of inside
  // the commit that crosses them on the store's thread (SQLite's default, kept when false).
  // Each time the WAL starts over, the store's thread waits for a short checkpoint of its own
  // (a few milliseconds, most of it a sync): 4,000 pages (16 MiB) make that four times rarer
  // than SQLite's 1,000, and the WAL stays under four times as much.
  bool background_checkpoints = true;
  int checkpoint_pages = 4'000;

  // Network redelivery: an inbound message identical to one received less than the window
  // ago (same connection, source, destination, text and SMSC message id) is the SMSC sending
  // it again after our deliver_sm_resp was lost; it is acknowledged again, stored once.
  // The window depends on what the message carries as a network id
  // (InboundMessage::smsc_message_id, NetworkIdKind):
  //  - an id the SMSC gave tells a redelivery from a new message, so the window can cover the
  //    longest SMSC retry schedule: redelivery_window_ms;
  //  - the handset's message reference (TP-MR) tells them apart only while it does not come
  //    round again: it has 8 bits, and some handsets and SMSCs send a constant one, so a
  //    subscriber's "BAL" sent twice in a day may carry the same reference. A redelivery by the
  //    SMSC comes within its retry schedule's first minutes, with the same reference and text;
  //    handset_reference_redelivery_window_ms covers those, and a repeat after it is new;
  //  - without one (an ordinary SMPP 3.4 deliver_sm has no message id), identical text from
  //    the same subscriber is all there is, and a subscriber who sends "BAL" again an hour
  //    later means it. The window is then only as long as an SMSC's resend after a lost
  //    response: unidentified_redelivery_window_ms.
  // A subscriber's identical repeat after its window is a new message; the commands engine's
  // resend window (resend_window_ms, FindResend) then answers an identical command with the
  // earlier reference, so nothing is executed twice.
  // 0 < unidentified_redelivery_window_ms <= handset_reference_redelivery_window_ms
  //   <= redelivery_window_ms (InvalidArgument otherwise).
  int64_t redelivery_window_ms = 24 * 3'600'000LL;
  int64_t handset_reference_redelivery_window_ms = 10 * 60'000LL;
  int64_t unidentified_redelivery_window_ms = 2 * 60'000LL;
  // FindResend reports an identical command from the same subscriber within this window.
  int64_t resend_window_ms = 10 * 60'000LL;

  RetryPolicy instruction_retry;
  RetryPolicy reply_retry{1'000, 5 * 60'000, 10};
  Limits limits;

  // SQLite VFS to open the file through; empty means the default. A seam for tests that
  // inject disk-full and I/O errors (tests/support/fault_vfs.h).
  std::string vfs;
};

}  // namespace smsgw::store
