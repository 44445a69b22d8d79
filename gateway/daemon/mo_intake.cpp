#include "gateway/daemon/mo_intake.h"

#include <boost/asio/post.hpp>
#include <optional>
#include <utility>
#include <variant>

#include "gateway/daemon/source_msisdn.h"
#include "gateway/log.h"
#include "gateway/smpp/command_status.h"
#include "gateway/smpp/delivery_receipt.h"
#include "gateway/smpp/user_data.h"

namespace smsgw::gateway {

namespace {

using Clock = std::chrono::steady_clock;
constexpr uint32_t kOk = smpp::ToWire(smpp::CommandStatus::kROk);
constexpr uint32_t kRetryLater = smpp::ToWire(smpp::CommandStatus::kRxTAppn);
constexpr uint32_t kCannotProcess = smpp::ToWire(smpp::CommandStatus::kRxPAppn);

// The address an MO is sent to (a short code, a service number): digits, no "+".
std::string NormalizeAddress(const std::string& value) {
  if (!value.empty() && value.front() == '+') return value.substr(1);
  return value;
}

store::PartGroup GroupOf(std::string_view connection, std::string_view source,
                         std::string_view destination, const smpp::ConcatInfo& c) {
  return store::PartGroup{std::string(connection),       std::string(source),
                          std::string(destination),      static_cast<int>(c.scheme),
                          static_cast<int>(c.reference), static_cast<int>(c.total)};
}

store::InboundPart PartOf(std::string_view connection, std::string_view source,
                          std::string_view destination, const smpp::UserData& part) {
  store::InboundPart p;
  p.group = GroupOf(connection, source, destination, *part.concat);
  p.seq = part.concat->seqnum;
  p.data_coding = part.data_coding;
  if (part.message_reference) p.message_reference = *part.message_reference;
  p.payload.assign(part.payload.begin(), part.payload.end());
  return p;
}

smpp::UserData UserDataOf(const store::InboundPart& p) {
  smpp::UserData ud;
  ud.data_coding = static_cast<uint8_t>(p.data_coding);
  ud.payload.assign(p.payload.begin(), p.payload.end());
  ud.concat = smpp::ConcatInfo{static_cast<smpp::ConcatScheme>(p.group.scheme),
                               static_cast<uint16_t>(p.group.reference),
                               static_cast<uint8_t>(p.group.total), static_cast<uint8_t>(p.seq)};
  if (p.message_reference) ud.message_reference = static_cast<uint16_t>(*p.message_reference);
  return ud;
}

// The id an MO carries for the store's dedup (InboundMessage::smsc_message_id): the handset's
// message reference, when the SMSC passed one, in the form the store gives its own short
// redelivery window.
std::optional<std::string> HandsetReference(std::optional<uint16_t> reference) {
  if (!reference) return std::nullopt;
  return std::string(store::kHandsetReferencePrefix) + std::to_string(*reference);
}

// An MO for the store: its addresses and text, with the coding and the handset's reference of
// `first` (the message itself, or the first part of a joined one). SMPP 3.4 gives an MO no id
// of its own. Where the SMSC passes the handset's message reference (TP-MR, as
// user_message_reference), a redelivery carries the same one and a subscriber's new message
// usually another, so identical texts are told apart; the store trusts it only over a short
// window, since the reference comes round again (or never changes on some handsets). Without
// it the store takes an identical text within its shortest window for a redelivery
// (store/options.h).
store::InboundMessage MessageOf(std::string_view connection, std::string_view source,
                                std::optional<store::AddressType> source_type,
                                std::string_view destination, std::string text,
                                const smpp::UserData& first) {
  store::InboundMessage message;
  message.connection = std::string(connection);
  message.source = std::string(source);
  message.source_type = source_type;
  message.destination = std::string(destination);
  message.text = std::move(text);
  message.data_coding = first.data_coding;
  message.smsc_message_id = HandsetReference(first.message_reference);
  return message;
}

// The TON/NPI a reply to `source` needs: those it came with when it was kept as it came; none
// for a number read into E.164 form, which the connection's destination TON/NPI are for.
std::optional<store::AddressType> TypeIfKept(const SourceMsisdn& read,
                                             const smpp::Address& source) {
  if (read.read == SourceMsisdn::Read::kNumber) return std::nullopt;
  return store::AddressType{source.ton, source.npi};
}

const smpp::ShortMessagePdu* AsShortMessage(const smpp::Pdu& pdu) {
  if (const auto* d = std::get_if<smpp::DeliverSm>(&pdu.body)) return d;
  return nullptr;
}

}  // namespace

// One session batch: its ack goes out when every MO in it has a status.
struct MoIntake::Join {
  Ack ack;
  std::vector<uint32_t> statuses;
  size_t remaining = 0;
  Clock::time_point received;
};

// What one read produced for the store, and whom each status goes to.
struct MoIntake::Pending {
  using Waiter = std::pair<std::shared_ptr<Join>, size_t>;
  IntakeBatch batch;
  std::vector<Waiter> message_waiters;
  // Per message: the other parts of the group it completed (nullopt for a message complete in
  // itself), put back into the reassembler should its Accept fail.
  std::vector<std::optional<smpp::AssembledMessage>> rejoin;
  std::vector<Waiter> receipt_waiters;
  std::vector<Waiter> ussd_waiters;
  std::vector<Waiter> part_waiters;
};

MoIntake::MoIntake(boost::asio::io_context& io, Options options, Handoff handoff,
                   DaemonMetrics& metrics)
    : io_(io),
      options_(std::move(options)),
      handoff_(std::move(handoff)),
      reassembler_(options_.reassembly),
      metrics_(metrics) {}

MoIntake::~MoIntake() = default;

void MoIntake::Deliver(std::vector<smpp::InboundMo> batch, Ack ack) {
  const Clock::time_point now = Clock::now();
  auto join = std::make_shared<Join>();
  join->ack = std::move(ack);
  join->statuses.assign(batch.size(), kOk);
  join->remaining = batch.size();
  join->received = now;
  unacked_ += batch.size();
  if (batch.empty()) return Resolve(join, 0, kOk);

  auto pending = std::make_shared<Pending>();
  for (size_t i = 0; i < batch.size(); ++i) {
    if (stopping_) {
      metrics_.mo_retry_later.Add();
      Resolve(join, i, kRetryLater);
      continue;
    }
    Handle(batch[i], join, i, pending.get(), now);
  }
  HandOff(std::move(pending), now);
}

void MoIntake::Restore(std::vector<store::InboundPart> parts) {
  const Clock::time_point now = Clock::now();
  auto pending = std::make_shared<Pending>();
  for (store::InboundPart& p : parts) {
    std::string connection = std::move(p.group.connection);
    std::string source = std::move(p.group.source);
    std::string destination = std::move(p.group.destination);
    // A part the store holds is acknowledged already: a message it completes has nobody to
    // answer. Parts are stored without their source's TON/NPI, so its replies go out with the
    // connection's.
    if (AddPart(connection, source, std::nullopt, destination, UserDataOf(p), *pending, now) ==
        Joined::kWhole) {
      pending->message_waiters.emplace_back(nullptr, 0);
    }
  }
  HandOff(std::move(pending), now);
}

void MoIntake::HandOff(std::shared_ptr<Pending> pending, Clock::time_point now) {
  IntakeBatch& b = pending->batch;
  if (b.messages.empty() && b.receipts.empty() && b.ussd.empty() && b.parts.empty() &&
      b.dropped.empty()) {
    return;
  }
  b.received = now;
  b.done = [this, pending](std::vector<uint32_t> message_status,
                           std::vector<uint32_t> receipt_status, std::vector<uint32_t> ussd_status,
                           std::vector<uint32_t> part_status) {
    boost::asio::post(io_, [this, pending, message_status = std::move(message_status),
                            receipt_status = std::move(receipt_status),
                            ussd_status = std::move(ussd_status),
                            part_status = std::move(part_status)] {
      auto resolve_each = [this](const auto& waiters, const std::vector<uint32_t>& status) {
        for (size_t i = 0; i < waiters.size(); ++i) {
          if (waiters[i].first == nullptr) continue;
          Resolve(waiters[i].first, waiters[i].second, i < status.size() ? status[i] : kRetryLater);
        }
      };
      resolve_each(pending->message_waiters, message_status);
      resolve_each(pending->receipt_waiters, receipt_status);
      resolve_each(pending->ussd_waiters, ussd_status);
      resolve_each(pending->part_waiters, part_status);
      // A message not accepted: its group's other parts are stored, so they go back into the
      // reassembler, where the redelivery of the part that completed it completes it again.
      std::vector<store::PartGroup> dropped;
      const Clock::time_point now = Clock::now();
      for (size_t m = 0; m < pending->rejoin.size(); ++m) {
        const uint32_t status = m < message_status.size() ? message_status[m] : kRetryLater;
        if (status == kOk || !pending->rejoin[m]) continue;
        smpp::AssembledMessage& group = *pending->rejoin[m];
        for (smpp::UserData& part : group.parts) {
          auto added = reassembler_.Add(group.connection, group.source, group.destination,
                                        std::move(part), now);
          GiveUp(std::move(added.evicted), dropped);
        }
      }
      if (!dropped.empty()) {
        auto given_up = std::make_shared<Pending>();
        given_up->batch.dropped = std::move(dropped);
        HandOff(std::move(given_up), now);
      }
    });
  };
  handoff_(std::move(b));
}

void MoIntake::Handle(const smpp::InboundMo& mo, const std::shared_ptr<Join>& join, size_t index,
                      Pending* pending, Clock::time_point now) {
  const smpp::ShortMessagePdu* sm = AsShortMessage(mo.pdu);
  const auto* data_sm = std::get_if<smpp::DataSm>(&mo.pdu.body);
  if (sm == nullptr && data_sm == nullptr) return Resolve(join, index, kCannotProcess);
  if (sm != nullptr && smpp::IsUssd(*sm)) {
    return HandleUssd(mo, std::get<smpp::DeliverSm>(mo.pdu.body), join, index, pending, now);
  }

  const uint8_t esm_class = sm != nullptr ? sm->esm_class : data_sm->esm_class;
  if (smpp::IsOtherMessageType(esm_class)) {
    // An SME's acknowledgement or a conversation abort: no subscriber text, no receipt of ours.
    LogInfo("mo.not_a_message",
            {{"connection", mo.connection},
             {"message_type", static_cast<unsigned>(esm_class & smpp::kEsmMessageTypeMask)}});
    return Resolve(join, index, kOk);
  }
  if (smpp::IsDeliveryReceipt(esm_class)) {
    auto receipt = sm != nullptr
                       ? smpp::ParseDeliveryReceipt(std::get<smpp::DeliverSm>(mo.pdu.body))
                       : smpp::ParseDeliveryReceipt(*data_sm);
    if (!receipt.ok()) {
      // Nothing to match it to; holding it would only make the SMSC resend it.
      LogWarn("mo.receipt_unreadable", {{"connection", mo.connection}});
      return Resolve(join, index, kOk);
    }
    ReceiptUpdate update;
    update.connection = mo.connection;
    update.smsc_message_id =
        smpp::NormalizeMessageId(receipt->message_id, OptionsOf(mo.connection).receipt_id_base);
    const smpp::MessageState state = receipt->state.value_or(smpp::MessageState::kUnknown);
    update.delivered = state == smpp::MessageState::kDelivered;
    update.final = smpp::IsFinal(state);
    update.stat = receipt->stat;
    pending->batch.receipts.push_back(std::move(update));
    pending->receipt_waiters.emplace_back(join, index);
    return;
  }

  const smpp::Address& source = sm != nullptr ? sm->source : data_sm->source;
  const smpp::Address& destination = sm != nullptr ? sm->destination : data_sm->destination;
  auto user_data = sm != nullptr ? smpp::ExtractUserData(*sm) : smpp::ExtractUserData(*data_sm);
  if (!user_data.ok()) {
    metrics_.mo_refused.Add();
    LogWarn("mo.refused", {{"connection", mo.connection}, {"why", "user data"}});
    return Resolve(join, index, kCannotProcess);
  }
  const SourceMsisdn read = SourceOf(mo.connection, source);
  const std::string& from = read.value;
  const std::optional<store::AddressType> from_type = TypeIfKept(read, source);
  const std::string to = NormalizeAddress(destination.value);
  if (user_data->concat) {
    store::InboundPart part = PartOf(mo.connection, from, to, *user_data);
    switch (AddPart(mo.connection, from, from_type, to, std::move(*user_data), *pending, now)) {
      case Joined::kWhole:
        pending->message_waiters.emplace_back(join, index);
        return;
      case Joined::kUnreadable:
        return Resolve(join, index, kCannotProcess);
      case Joined::kNotYet:
        break;
    }
    // Stored (again, for a redelivery: the store keeps one copy), then acknowledged.
    pending->batch.parts.push_back(std::move(part));
    pending->part_waiters.emplace_back(join, index);
    return;
  }

  auto text =
      smpp::DecodeText(user_data->data_coding, user_data->payload, OptionsOf(mo.connection).text);
  if (!text.ok()) {
    metrics_.mo_refused.Add();
    LogWarn("mo.refused", {{"connection", mo.connection}, {"why", "text"}});
    return Resolve(join, index, kCannotProcess);
  }
  pending->batch.messages.push_back(
      MessageOf(mo.connection, from, from_type, to, std::move(*text), *user_data));
  pending->rejoin.emplace_back();
  pending->message_waiters.emplace_back(join, index);
}

MoIntake::Joined MoIntake::AddPart(std::string_view connection, std::string_view source,
                                   std::optional<store::AddressType> source_type,
                                   std::string_view destination, smpp::UserData part,
                                   Pending& pending, Clock::time_point now) {
  const uint8_t seq = part.concat->seqnum;
  auto added = reassembler_.Add(connection, source, destination, std::move(part), now);
  GiveUp(std::move(added.evicted), pending.batch.dropped);
  if (added.outcome != smpp::Reassembler::Outcome::kComplete) return Joined::kNotYet;
  smpp::AssembledMessage& whole = *added.message;
  const store::PartGroup group = GroupOf(connection, source, destination, *whole.concat);
  auto text = smpp::JoinedText(whole, OptionsOf(connection).text);
  if (!text.ok()) {
    // It will not read any better later: refused as a single message would be, and its
    // stored parts deleted.
    metrics_.mo_refused.Add();
    LogWarn("mo.refused", {{"connection", std::string(connection)}, {"why", "text"}});
    pending.batch.dropped.push_back(group);
    return Joined::kUnreadable;
  }
  // The first part's reference names the message: the same whichever part completed it, so a
  // message joined again after a restart or a redelivery has the dedup key it had.
  store::InboundMessage message = MessageOf(connection, source, source_type, destination,
                                            std::move(*text), whole.parts.front());
  message.joined_from = group;
  pending.batch.messages.push_back(std::move(message));
  std::erase_if(whole.parts, [&](const smpp::UserData& p) { return p.concat->seqnum == seq; });
  pending.rejoin.emplace_back(std::move(whole));
  return Joined::kWhole;
}

void MoIntake::HandleUssd(const smpp::InboundMo& mo, const smpp::DeliverSm& sm,
                          const std::shared_ptr<Join>& join, size_t index, Pending* pending,
                          Clock::time_point now) {
  const ConnectionOptions& connection = OptionsOf(mo.connection);
  auto read = smpp::ReadUssd(sm, connection.ussd_dialogue);
  std::optional<std::string> text;
  if (read.ok()) {
    auto decoded = smpp::DecodeText(read->data_coding, read->text, connection.text);
    // An abort's text is not for the engine: one that does not decode still ends the dialogue.
    if (decoded.ok()) {
      text = std::move(*decoded);
    } else if (read->kind == smpp::UssdKind::kAbort) {
      text.emplace();
    }
  }
  if (!text) {
    metrics_.mo_refused.Add();
    LogWarn("ussd.refused", {{"connection", mo.connection},
                             {"why", read.ok() ? std::string("text") : read.status().message()}});
    return Resolve(join, index, kCannotProcess);
  }
  UssdEvent event;
  event.connection = mo.connection;
  event.msisdn = SourceOf(mo.connection, sm.source).value;
  event.service = sm.destination.value;
  event.dialogue = std::move(read->dialogue);
  event.sequence = read->sequence;
  event.kind = read->kind;
  event.text = std::move(*text);
  event.received = now;
  pending->batch.ussd.push_back(std::move(event));
  pending->ussd_waiters.emplace_back(join, index);
}

void MoIntake::SetNumberPlan(parser::NumberPlan plan) {
  options_.number_plan = std::move(plan);
  not_in_plan_logged_.clear();
}

SourceMsisdn MoIntake::SourceOf(std::string_view connection, const smpp::Address& source) {
  SourceMsisdn read = ReadSourceMsisdn(options_.number_plan, source);
  if (read.read != SourceMsisdn::Read::kNotInPlan) return read;
  metrics_.mo_source_not_in_plan.Add();
  // Once per connection: a misconfigured SMSC would otherwise write a line per MO. Not the
  // number itself: its shape is enough to see what the plan misses.
  if (not_in_plan_logged_.insert(std::string(connection)).second) {
    LogWarn("mo.source_not_in_plan", {{"connection", std::string(connection)},
                                      {"ton", static_cast<unsigned>(source.ton)},
                                      {"npi", static_cast<unsigned>(source.npi)},
                                      {"digits", static_cast<uint64_t>(read.value.size())}});
  }
  return read;
}

const MoIntake::ConnectionOptions& MoIntake::OptionsOf(std::string_view connection) const {
  static const ConnectionOptions kDefaults;
  auto it = options_.connections.find(connection);
  return it != options_.connections.end() ? it->second : kDefaults;
}

void MoIntake::Expire(Clock::time_point now) {
  auto pending = std::make_shared<Pending>();
  GiveUp(reassembler_.Expire(now), pending->batch.dropped);
  HandOff(std::move(pending), now);
}

void MoIntake::GiveUp(std::vector<smpp::AssembledMessage> groups,
                      std::vector<store::PartGroup>& dropped) {
  for (const smpp::AssembledMessage& group : groups) {
    if (!group.concat) continue;
    metrics_.mo_incomplete.Add();
    LogWarn("mo.concat_incomplete", {{"connection", group.connection},
                                     {"source", group.source},
                                     {"parts", static_cast<uint64_t>(group.parts.size())},
                                     {"total", static_cast<unsigned>(group.total)}});
    dropped.push_back(GroupOf(group.connection, group.source, group.destination, *group.concat));
  }
}

void MoIntake::Resolve(const std::shared_ptr<Join>& join, size_t index, uint32_t status) {
  if (index < join->statuses.size()) join->statuses[index] = status;
  if (join->remaining > 0 && --join->remaining > 0) return;
  unacked_ -= std::min(unacked_, join->statuses.size());
  metrics_.mo_ack_seconds.Observe(
      std::chrono::duration<double>(Clock::now() - join->received).count());
  Ack ack = std::move(join->ack);
  if (ack) ack(std::move(join->statuses));
}

}  // namespace smsgw::gateway
