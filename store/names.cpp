// The names of states and actors as stored in the database and shown by ctl.
#include <array>
#include <charconv>

#include "store/audit.h"
#include "store/challenge.h"
#include "store/outbox.h"

namespace smsgw::store {
namespace {

constexpr std::array<std::string_view, 5> kInstructionStates = {"pending", "in_flight", "done",
                                                                "rejected", "dead"};
constexpr std::array<std::string_view, 6> kReplyStates = {"pending",   "in_flight",     "sent",
                                                          "delivered", "undeliverable", "dead"};
constexpr std::array<std::string_view, 5> kChallengeStates = {"pending", "consumed", "expired",
                                                              "exhausted", "cancelled"};
constexpr std::array<std::string_view, 4> kActors = {"subscriber", "admin", "backend", "system"};

template <typename E, std::size_t N>
std::optional<E> Parse(const std::array<std::string_view, N>& names, std::string_view name) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<E>(i);
  }
  return std::nullopt;
}

}  // namespace

std::string_view StateName(InstructionState s) {
  return kInstructionStates[static_cast<int>(s)];
}
std::string_view StateName(ReplyState s) {
  return kReplyStates[static_cast<int>(s)];
}
std::string_view StateName(ChallengeState s) {
  return kChallengeStates[static_cast<int>(s)];
}
std::string_view ActorName(Actor a) {
  return kActors[static_cast<int>(a)];
}

std::optional<InstructionState> ParseInstructionState(std::string_view name) {
  return Parse<InstructionState>(kInstructionStates, name);
}
std::optional<ReplyState> ParseReplyState(std::string_view name) {
  return Parse<ReplyState>(kReplyStates, name);
}
std::optional<ChallengeState> ParseChallengeState(std::string_view name) {
  return Parse<ChallengeState>(kChallengeStates, name);
}
std::optional<Actor> ParseActor(std::string_view name) {
  return Parse<Actor>(kActors, name);
}

bool IsFollowUpEvent(std::string_view event) {
  static constexpr std::string_view kFollowUps[] = {kEventInstructionClaimed,
                                                    kEventInstructionDone,
                                                    kEventInstructionRejected,
                                                    kEventInstructionRetry,
                                                    kEventInstructionDead,
                                                    kEventInstructionRequeued,
                                                    kEventInstructionRecovered,
                                                    kEventReplyClaimed,
                                                    kEventReplySent,
                                                    kEventReplyRetry,
                                                    kEventReplyDead,
                                                    kEventReplyDelivered,
                                                    kEventReplyUndeliverable,
                                                    kEventReplyRequeued,
                                                    kEventReplyRecovered,
                                                    kEventChallengeConsumed,
                                                    kEventChallengeWrongAttempt,
                                                    kEventChallengeExhausted,
                                                    kEventChallengeCancelled,
                                                    kEventChallengeExpired};
  for (std::string_view f : kFollowUps) {
    if (event == f) return true;
  }
  return false;
}

std::string ReplyItemId(int64_t reply_id) {
  return "mt-" + std::to_string(reply_id);
}

std::optional<int64_t> ParseReplyItemId(std::string_view item_id) {
  if (!item_id.starts_with("mt-")) return std::nullopt;
  item_id.remove_prefix(3);
  int64_t id = 0;
  auto [end, ec] = std::from_chars(item_id.data(), item_id.data() + item_id.size(), id);
  if (ec != std::errc() || end != item_id.data() + item_id.size() || id <= 0) return std::nullopt;
  return id;
}

}  // namespace smsgw::store
