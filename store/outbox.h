// The outbox: instructions for the account backend and MT replies for subscribers, each a
// small state machine persisted in the store.
//
// Instruction:  pending ──claim──▶ in_flight ──Done──▶ done
//                  ▲                   │ ├──Rejected──▶ rejected
//                  │                   │ └──Retry──▶ pending (next_attempt_at later)
//                  └──Requeue── dead ◀─┘   (Retry after max_attempts failures)
//   Done/Rejected are also taken from pending or dead: a backend may answer late (push).
//   in_flight items found when the daemon opens the store (a crash interrupted them) are
//   pending again, due at once; the instruction's id is the backend's Idempotency-Key, so a
//   repeated request is harmless.
//
// Reply (MT):   pending ──claim──▶ in_flight ──Sent──▶ sent ──receipt──▶ delivered
//                  ▲                   │ ├──Failed──▶ undeliverable    └──▶ undeliverable
//                  │                   │ └──Retry──▶ pending
//                  └──Requeue── dead ◀─┘   (Retry after max_attempts failures)
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/address_type.h"
#include "store/crypto.h"

namespace smsgw::store {

enum class InstructionState { kPending, kInFlight, kDone, kRejected, kDead };
enum class ReplyState { kPending, kInFlight, kSent, kDelivered, kUndeliverable, kDead };

std::string_view StateName(InstructionState state);  // "pending", "in_flight", ...
std::string_view StateName(ReplyState state);
std::optional<InstructionState> ParseInstructionState(std::string_view name);
std::optional<ReplyState> ParseReplyState(std::string_view name);

// An instruction as stored, without its sealed part.
struct Instruction {
  std::string id;         // idempotency key
  std::string reference;  // what the subscriber is told ("ref K7H3QZ2P9M")
  std::optional<int64_t> inbound_id;
  std::optional<int64_t> challenge_id;
  std::string msisdn;
  std::string operation;
  std::string payload;       // clear part
  std::string payload_hash;  // hex SHA-256 of operation, NUL, payload
  bool has_secret = false;   // whether a sealed part is still stored
  InstructionState state = InstructionState::kPending;
  int attempts = 0;
  int64_t next_attempt_at = 0;
  std::optional<std::string> last_error;
  std::optional<std::string> result;  // the backend's answer (done) or reason (rejected)
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// An instruction handed to the backend client by ClaimInstructions, with its secret opened.
struct ClaimedInstruction {
  std::string id;
  std::string reference;
  std::string msisdn;
  std::string operation;
  std::string payload;
  std::string payload_hash;
  SecretBytes secret;  // empty when the instruction has none
  int attempt = 0;     // 1 for the first attempt
  // NewInstruction::parsed, when this claim was made as the row went in; null otherwise
  // (claimed from the table, or the maker gave none).
  std::shared_ptr<const void> parsed;
};

// An MT reply handed to the MT sender by ClaimReplies, its text opened.
struct ClaimedReply {
  int64_t id = 0;
  std::optional<std::string> connection;  // preferred SMPP connection, if the engine chose one
  std::string source;                     // short code it is sent from
  std::string destination;                // MSISDN
  std::optional<AddressType> destination_type;  // NewReply::destination_type
  SecretBytes text;
  std::optional<std::string> reference;
  int attempt = 0;
};

// Claims a batch of engine steps makes at the end of its own transaction (Store::AcceptAndStep,
// Store::ApplySteps), as ClaimInstructions and ClaimReplies would with these limits: the
// instructions and replies the steps just made (and any others due) go out without a
// transaction of their own. At a moderate rate, where each MO's step is a transaction of its
// own, those claim transactions wrote as many pages again as the steps did.
struct ClaimsAlong {
  int instructions = 0;  // at most this many; 0: none
  int replies = 0;
  // The caller knows that nothing of the kind was due when the transaction began: its claim
  // runs only if the transaction made one of its kind pending, and otherwise counts as run
  // and empty. At a moderate rate most transactions make one kind only (an MO's step makes
  // an instruction, a backend answer a reply), and the other kind's claim found nothing.
  // The rows of the kind the steps make are then inserted in flight as they go in, while the
  // limit lasts and once the store has checked that nothing of the kind is due: the rows,
  // states and audit rows the claim would have made, without its read and update.
  bool instructions_only_if_made = false;
  bool replies_only_if_made = false;
};

struct Claims {
  std::vector<ClaimedInstruction> instructions;
  std::vector<ClaimedReply> replies;
  // Every claim asked for ran and committed. Then a kind that took fewer than its limit left
  // nothing of its kind due; when false (a claim failed, the transaction was lost) nothing
  // can be told.
  bool complete = false;
};

// What the MT sender learnt about one claimed reply.
struct ReplyResult {
  enum class Kind {
    kSent,    // submit_sm_resp OK: smsc_message_id set (for matching the receipt)
    kRetry,   // throttled, connection lost, timeout: try again after a backoff
    kFailed,  // a permanent SMSC error (e.g. invalid destination): undeliverable
  };
  int64_t id = 0;
  Kind kind = Kind::kSent;
  // kSent, in the connection's normalised form (smpp::NormalizeMessageId) so that its receipt
  // matches. For a concatenated message: the last segment's id.
  std::string smsc_message_id;
  std::string error;  // kRetry / kFailed; no message text in it
  // kSent: the SMPP connection it went out on, recorded as the reply's connection so that a
  // receipt is matched on connection + id (two SMSCs may hand out the same id). Empty: the
  // reply keeps the connection it had.
  std::string connection = {};
  // kRetry: false when nothing can have reached the SMSC (no bind was up to take it). The
  // attempt the claim counted is given back and the reply is due again after the policy's
  // base delay: an SMSC outage, however long, does not dead-letter replies (as
  // InstructionOutcome::attempt_spent for a backend that took no call).
  bool attempt_spent = true;
};

// A delivery receipt to record (Store::RecordReceipts).
struct ReceiptRecord {
  std::string connection;       // the SMPP connection the receipt came in on
  std::string smsc_message_id;  // normalised as the sent reply's was
  bool delivered = false;
  std::string status;  // the receipt's status word, e.g. "DELIVRD"
};

// One row of ListOutbox, for operators: no secrets, no MT text.
struct OutboxItem {
  enum class Kind { kInstruction, kReply };
  Kind kind = Kind::kInstruction;
  std::string id;  // instruction id, or "mt-<n>" for a reply
  std::string reference;
  std::string msisdn;  // subscriber (instruction) or destination (reply)
  std::string what;    // operation, or "reply"
  std::string state;
  int attempts = 0;
  int64_t next_attempt_at = 0;
  std::optional<std::string> last_error;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct OutboxFilter {
  std::optional<std::string> state;  // a state name of either machine; all states when empty
  bool instructions = true;
  bool replies = true;
  int limit = 100;  // per kind, oldest first
};

// The stable names of a reply row for operators and ctl: "mt-<n>".
std::string ReplyItemId(int64_t reply_id);
std::optional<int64_t> ParseReplyItemId(std::string_view item_id);

}  // namespace smsgw::store
