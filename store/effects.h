// Effects: everything one step of the commands engine wants written, applied by
// Store::Apply in one transaction: all of it, or (on any error) none of it.
//
// Typical steps:
//   an MO parsed into an instruction:  consume + instructions + replies
//   an MO that needs a PIN:            consume + challenges + replies
//   the answer to a challenge:         consume + challenge_changes (Consume) + instructions
//   the backend answered:              outcomes + replies
//   a resend inside the window:        consume (outcome "resend") + replies
//   STOP:                              consume + notices_stopped + audit + replies
//   a notice the backend pushed:       notice_id + replies
//   a USSD turn:                       ussd_session (+ instructions, audit on submit)
// Secrets go only in the `secret` fields, which are sealed before they reach the database;
// everything else is stored in clear.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/address_type.h"
#include "store/audit.h"
#include "store/ussd_session.h"

namespace smsgw::store {

// Marks an inbound message processed (it must still be "new": FailedPrecondition otherwise,
// NotFound when there is no such message). Its sealed text is dropped.
struct ConsumeInbound {
  int64_t inbound_id = 0;
  std::string outcome;        // short word: "instruction", "challenge", "usage", "resend", ...
  std::string redacted_text;  // the text with credential- and account-class values masked
  // The message's reference, reported to later resends (FindResend) and shown by ctl.
  std::optional<std::string> reference;
  // The normalised command. When set, later messages from the same source carrying the same
  // command within the resend window are found by FindResend. Only a keyed hash is stored.
  std::optional<std::string> resend_command;
};

struct NewChallenge {
  std::string msisdn;
  std::string code;  // the one-time code the subscriber must send back (stored hashed)
  std::string operation;
  std::string payload;  // clear part of the pending instruction
  std::string secret;   // sensitive part (account number, ...); sealed, may be empty
  std::optional<std::string> reference;
  int64_t expires_at = 0;  // unix ms
  int attempts = 3;        // wrong answers allowed before it is exhausted
  // Never stored: the maker's own parsed form of `payload`, opaque to the store, which keeps
  // it in memory a while and hands it back with the row (Challenge::parsed).
  std::shared_ptr<const void> parsed;
};

struct ChallengeChange {
  enum class Kind {
    kConsume,       // pending and not expired -> consumed; FailedPrecondition otherwise
    kWrongAttempt,  // pending -> attempts_left - 1 (exhausted at 0)
    kCancel,        // pending -> cancelled
  };
  int64_t challenge_id = 0;
  Kind kind = Kind::kConsume;
};

// A new instruction for the backend. `id` and `reference` come from MintInstructionKeys
// (store/ids.h) so the engine can put the reference in its replies before Apply.
struct NewInstruction {
  std::string id;
  std::string reference;
  std::string msisdn;
  std::string operation;  // "transfer", "bill.pay", "balance", ...
  std::string payload;    // clear part (by convention JSON); shown to operators
  std::string secret;     // sensitive part (PIN, account number); sealed, dropped once answered
  std::optional<int64_t> challenge_id;
  // Defaults to the consumed inbound message's id.
  std::optional<int64_t> inbound_id;
  // Never stored: the maker's own parsed form of `payload`, opaque to the store. A claim made
  // as the row goes in (ClaimsAlong) hands it back in ClaimedInstruction::parsed, so the maker
  // need not parse again what it has just written. Only the maker reads it, as its own type.
  std::shared_ptr<const void> parsed;
};

// What the backend client learnt about an instruction.
struct InstructionOutcome {
  enum class Kind {
    kDone,      // a definitive yes; `detail` is the backend's answer (no secrets)
    kRejected,  // a definitive no; `detail` is the reason
    kRetry,     // no answer or a temporary error: retried later, dead after max_attempts
  };
  std::string instruction_id;
  Kind kind = Kind::kDone;
  std::string detail;
  // kRetry: false when nothing can have happened (no byte of the call left the gateway, or
  // the backend declined it). The attempt the claim counted is given back, and the instruction
  // is due again after the policy's base delay, not a growing backoff: the caller holds the
  // queue while the backend is known to be down, and a claim in creation order keeps its place.
  bool attempt_spent = true;
  // kRetry: the least wait before the next attempt, in ms (a backend's Retry-After); the
  // instruction is due after the longer of this and what the policy says, but never later
  // than the policy's max_delay_ms from now.
  int64_t wait_ms = 0;
};

struct NewReply {
  std::string destination;  // MSISDN
  // The TON/NPI to address `destination` with, when it is an MO source kept as the SMSC wrote
  // it (InboundMessage::source_type); unset: the connection's, for E.164 numbers.
  std::optional<AddressType> destination_type;
  std::string source;  // short code
  std::string text;    // sealed at rest
  std::optional<std::string> reference;
  std::optional<std::string> instruction_id;
  // Set when `destination` is the subscriber of `instruction_id` and this is the prompt answer
  // to their command (the engine sets it within a minute of the instruction). Its audit rows
  // then continue the instruction's, found from them, and stay out of the MSISDN index (schema
  // 14). Left unset for anyone else the instruction concerns (a counterparty's notice), whose
  // trail is found through their own MSISDN, and for a late answer, which the subscriber's
  // trail would no longer reach through an instruction long past.
  bool to_instruction_subscriber = false;
  std::optional<std::string> connection;  // preferred SMPP connection
  // Defaults to the consumed inbound message's id.
  std::optional<int64_t> inbound_id;
};

// Locks a subscriber out until `until_ms` (0 lifts a lock).
struct SetLock {
  std::string msisdn;
  int64_t until_ms = 0;
  std::string reason;
};

struct Effects {
  std::optional<ConsumeInbound> consume;
  std::vector<ChallengeChange> challenge_changes;
  std::vector<NewChallenge> challenges;
  std::vector<NewInstruction> instructions;
  std::vector<InstructionOutcome> outcomes;
  std::vector<NewReply> replies;
  std::vector<SetLock> locks;
  // MSISDNs that asked for no more bill notices or offers (STOP). Kept for good: a purge of
  // finished rows or of the audit trail leaves them (Store::NoticesStopped reads them). The
  // step's own audit row records the request; asking again changes nothing.
  std::vector<std::string> notices_stopped;
  std::vector<NewAudit> audit;
  // Actor of the audit rows the store writes for consume, challenges, instructions and
  // replies. Outcomes are recorded as the backend's (kRetry and dead as the system's).
  Actor actor = Actor::kSubscriber;
  // The id of the backend's pushed notice these effects answer (1 to kMaxNoticeIdBytes
  // printable ASCII characters, InvalidArgument otherwise). Recorded in the same transaction:
  // when the id was already recorded, Apply fails with AlreadyExists ("notice ... was already
  // applied") and writes nothing, so the push endpoint can answer a repeated push as done.
  // Ids are kept until Purge removes those older than its cutoff.
  std::optional<std::string> notice_id;
  // The USSD dialogue this step belongs to: its new state, or its end (erase).
  std::optional<UssdSessionWrite> ussd_session;
};

inline constexpr std::size_t kMaxNoticeIdBytes = 128;

// Ids given to what Apply created, in the order of the Effects vectors.
struct Applied {
  std::vector<int64_t> challenge_ids;
  std::vector<int64_t> reply_ids;
};

}  // namespace smsgw::store
