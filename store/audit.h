// The audit trail: an append-only record of every state change in the store, with its time
// and actor, and no secrets. Rows are never updated (a trigger refuses it) and are deleted
// only by an explicit retention purge (Store::Purge with an audit cutoff).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace smsgw::store {

enum class Actor { kSubscriber, kAdmin, kBackend, kSystem };

std::string_view ActorName(Actor actor);  // "subscriber", "admin", "backend", "system"
std::optional<Actor> ParseActor(std::string_view name);

// Events the store writes by itself. The commands engine adds its own (e.g. kEventWrongPin)
// through Effects::audit, and counts them with Store::CountEvents.
inline constexpr std::string_view kEventInboundProcessed = "inbound.processed";
inline constexpr std::string_view kEventChallengeCreated = "challenge.created";
inline constexpr std::string_view kEventChallengeConsumed = "challenge.consumed";
inline constexpr std::string_view kEventChallengeWrongAttempt = "challenge.wrong_attempt";
inline constexpr std::string_view kEventChallengeExhausted = "challenge.exhausted";
inline constexpr std::string_view kEventChallengeCancelled = "challenge.cancelled";
inline constexpr std::string_view kEventChallengeExpired = "challenge.expired";
inline constexpr std::string_view kEventInstructionCreated = "instruction.created";
inline constexpr std::string_view kEventInstructionClaimed = "instruction.claimed";
inline constexpr std::string_view kEventInstructionDone = "instruction.done";
inline constexpr std::string_view kEventInstructionRejected = "instruction.rejected";
inline constexpr std::string_view kEventInstructionRetry = "instruction.retry";
inline constexpr std::string_view kEventInstructionDead = "instruction.dead";
inline constexpr std::string_view kEventInstructionRequeued = "instruction.requeued";
inline constexpr std::string_view kEventInstructionRecovered = "instruction.recovered";
inline constexpr std::string_view kEventReplyCreated = "reply.created";
inline constexpr std::string_view kEventReplyClaimed = "reply.claimed";
inline constexpr std::string_view kEventReplySent = "reply.sent";
inline constexpr std::string_view kEventReplyRetry = "reply.retry";
inline constexpr std::string_view kEventReplyDead = "reply.dead";
inline constexpr std::string_view kEventReplyDelivered = "reply.delivered";
inline constexpr std::string_view kEventReplyUndeliverable = "reply.undeliverable";
inline constexpr std::string_view kEventReplyRequeued = "reply.requeued";
inline constexpr std::string_view kEventReplyRecovered = "reply.recovered";
inline constexpr std::string_view kEventLockSet = "subscriber.locked";
inline constexpr std::string_view kEventStorePurged = "store.purged";
// Suggested names for the engine's own events, so counters read the same everywhere.
inline constexpr std::string_view kEventWrongPin = "pin.wrong";
inline constexpr std::string_view kEventCredentialRefused = "message.credential_refused";

// True for the events that follow an instruction's, a reply's or a challenge's first row
// (claimed, done, sent, retried, consumed, ...). Their rows are written without the MSISDN and
// reached through the entity's first row, which has it (or, for the prompt answer to a
// command, names its instruction: NewReply::to_instruction_subscriber). The index on
// (msisdn, at) then takes one or two entries per MO instead of five, each on a page of its
// own, since a network's subscribers do not write in number order. Store::Audit returns them
// with the subscriber's rows all the same. Never one the engine counts (CountEvents reads the
// MSISDN's rows only).
bool IsFollowUpEvent(std::string_view event);

// An audit row the engine asks to be written (Effects::audit).
struct NewAudit {
  Actor actor = Actor::kSubscriber;
  std::optional<std::string> msisdn;  // the subscriber concerned, if any (indexed)
  std::string entity;                 // "inbound", "instruction", "challenge", "reply", ...
  std::string entity_id;
  std::string event;
  std::string detail;  // human-readable; must not hold PINs, account numbers or keys
};

struct AuditEntry {
  int64_t id = 0;
  int64_t at = 0;  // unix ms
  Actor actor = Actor::kSystem;
  std::optional<std::string> msisdn;
  std::string entity;
  std::string entity_id;
  std::string event;
  std::string detail;
};

struct AuditQuery {
  std::optional<std::string> msisdn;  // all subscribers when empty
  int64_t since_ms = 0;
  int limit = 100;  // the newest `limit` rows, returned oldest first
};

}  // namespace smsgw::store
