#include "gateway/daemon/mo_intake.h"

#include <boost/asio/post.hpp>
#include <optional>
#include <utility>
#include <variant>

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

// Subscribers' numbers are kept in one form: digits, no "+", whatever TON the SMSC used.
std::string NormalizeAddress(const std::string& value) {
  if (!value.empty() && value.front() == '+') return value.substr(1);
  return value;
}

std::string GroupKey(std::string_view connection, std::string_view source,
                     std::string_view destination, const smpp::ConcatInfo& c) {
  std::string key;
  key.reserve(connection.size() + source.size() + destination.size() + 16);
  key.append(connection).push_back('\0');
  key.append(source).push_back('\0');
  key.append(destination).push_back('\0');
  key += std::to_string(static_cast<int>(c.scheme)) + ':' + std::to_string(c.reference) + ':' +
         std::to_string(c.total);
  return key;
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

// The MOs (parts) whose status is that of one message's Accept.
struct MoIntake::Waiters {
  std::vector<std::pair<std::shared_ptr<Join>, size_t>> parts;
};

// What one read produced for the store.
struct MoIntake::Pending {
  IntakeBatch batch;
  std::vector<std::shared_ptr<Waiters>> message_waiters;
  std::vector<std::pair<std::shared_ptr<Join>, size_t>> receipt_waiters;
  std::vector<std::pair<std::shared_ptr<Join>, size_t>> ussd_waiters;
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
  if (pending->batch.messages.empty() && pending->batch.receipts.empty() &&
      pending->batch.ussd.empty()) {
    return;
  }

  pending->batch.received = now;
  pending->batch.done = [this, pending](std::vector<uint32_t> message_status,
                                        std::vector<uint32_t> receipt_status,
                                        std::vector<uint32_t> ussd_status) {
    boost::asio::post(io_, [this, pending, message_status = std::move(message_status),
                            receipt_status = std::move(receipt_status),
                            ussd_status = std::move(ussd_status)] {
      for (size_t m = 0; m < pending->message_waiters.size(); ++m) {
        const uint32_t status = m < message_status.size() ? message_status[m] : kRetryLater;
        for (auto& [j, index] : pending->message_waiters[m]->parts) Resolve(j, index, status);
      }
      auto resolve_each = [this](const auto& waiters, const std::vector<uint32_t>& status) {
        for (size_t i = 0; i < waiters.size(); ++i) {
          Resolve(waiters[i].first, waiters[i].second, i < status.size() ? status[i] : kRetryLater);
        }
      };
      resolve_each(pending->receipt_waiters, receipt_status);
      resolve_each(pending->ussd_waiters, ussd_status);
    });
  };
  handoff_(std::move(pending->batch));
}

void MoIntake::Handle(const smpp::InboundMo& mo, const std::shared_ptr<Join>& join, size_t index,
                      Pending* pending, Clock::time_point now) {
  const smpp::ShortMessagePdu* sm = AsShortMessage(mo.pdu);
  const auto* data_sm = std::get_if<smpp::DataSm>(&mo.pdu.body);
  if (sm == nullptr && data_sm == nullptr) return Resolve(join, index, kCannotProcess);
  if (sm != nullptr && smpp::IsUssd(*sm)) {
    return HandleUssd(mo, std::get<smpp::DeliverSm>(mo.pdu.body), join, index, pending, now);
  }

  if (sm != nullptr && smpp::IsDeliveryReceipt(sm->esm_class)) {
    auto receipt = smpp::ParseDeliveryReceipt(std::get<smpp::DeliverSm>(mo.pdu.body));
    if (!receipt.ok()) {
      // Nothing to match it to; holding it would only make the SMSC resend it.
      LogWarn("mo.receipt_unreadable", {{"connection", mo.connection}});
      return Resolve(join, index, kOk);
    }
    ReceiptUpdate update;
    update.connection = mo.connection;
    update.smsc_message_id = smpp::NormalizeMessageId(
        receipt->message_id, options_.receipt_id_base.contains(mo.connection)
                                 ? options_.receipt_id_base.at(mo.connection)
                                 : smpp::MessageIdBase::kAsIs);
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
  const std::string from = NormalizeAddress(source.value);
  const std::string to = NormalizeAddress(destination.value);
  std::string key;
  if (user_data->concat) {
    key = GroupKey(mo.connection, from, to, *user_data->concat);
  }
  auto added = reassembler_.Add(mo.connection, from, to, std::move(*user_data), now);
  DropGroups(std::move(added.evicted));

  auto waiters = std::make_shared<Waiters>();
  if (!key.empty()) {
    auto it = held_.find(key);
    if (it != held_.end()) {
      waiters = it->second;
    } else {
      held_.emplace(key, waiters);
    }
  }
  waiters->parts.emplace_back(join, index);
  if (added.outcome != smpp::Reassembler::Outcome::kComplete) return;
  if (!key.empty()) held_.erase(key);

  auto options = options_.text_options.find(mo.connection);
  auto text = smpp::JoinedText(*added.message, options != options_.text_options.end()
                                                   ? options->second
                                                   : smpp::TextOptions{});
  if (!text.ok()) {
    metrics_.mo_refused.Add();
    LogWarn("mo.refused", {{"connection", mo.connection}, {"why", "text"}});
    for (auto& [j, i] : waiters->parts) Resolve(j, i, kCannotProcess);
    return;
  }
  store::InboundMessage message;
  message.connection = mo.connection;
  message.source = from;
  message.destination = to;
  message.text = std::move(*text);
  message.data_coding = added.message->parts.front().data_coding;
  // SMPP 3.4 gives an MO no id of its own. Where the SMSC passes the handset's message
  // reference (TP-MR, as user_message_reference), a redelivery carries the same one and a
  // subscriber's new message another, so identical texts are told apart. Without it the store
  // takes an identical text within its short window for a redelivery (store/options.h).
  if (const auto& tlvs = sm != nullptr ? sm->tlvs : data_sm->tlvs; tlvs.user_message_reference) {
    message.smsc_message_id = "mr:" + std::to_string(*tlvs.user_message_reference);
  }
  pending->batch.messages.push_back(std::move(message));
  pending->message_waiters.push_back(std::move(waiters));
}

void MoIntake::HandleUssd(const smpp::InboundMo& mo, const smpp::DeliverSm& sm,
                          const std::shared_ptr<Join>& join, size_t index, Pending* pending,
                          Clock::time_point now) {
  auto mode = options_.ussd_dialogue.find(mo.connection);
  auto read = smpp::ReadUssd(sm, mode != options_.ussd_dialogue.end()
                                     ? mode->second
                                     : conf::UssdDialogue::kItsSessionInfo);
  std::optional<std::string> text;
  if (read.ok()) {
    auto options = options_.text_options.find(mo.connection);
    auto decoded = smpp::DecodeText(
        read->data_coding, read->text,
        options != options_.text_options.end() ? options->second : smpp::TextOptions{});
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
  event.msisdn = NormalizeAddress(sm.source.value);
  event.service = sm.destination.value;
  event.dialogue = std::move(read->dialogue);
  event.kind = read->kind;
  event.text = std::move(*text);
  event.received = now;
  pending->batch.ussd.push_back(std::move(event));
  pending->ussd_waiters.emplace_back(join, index);
}

void MoIntake::Expire(Clock::time_point now) {
  DropGroups(reassembler_.Expire(now));
}

void MoIntake::DropGroups(std::vector<smpp::AssembledMessage> groups) {
  for (const smpp::AssembledMessage& group : groups) {
    if (!group.concat) continue;
    metrics_.mo_incomplete.Add();
    LogWarn("mo.concat_incomplete", {{"connection", group.connection},
                                     {"source", group.source},
                                     {"parts", static_cast<uint64_t>(group.parts.size())},
                                     {"total", static_cast<unsigned>(group.total)}});
    auto it =
        held_.find(GroupKey(group.connection, group.source, group.destination, *group.concat));
    if (it == held_.end()) continue;
    std::shared_ptr<Waiters> waiters = std::move(it->second);
    held_.erase(it);
    for (auto& [j, i] : waiters->parts) Resolve(j, i, kOk);
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
