#include "gateway/daemon/mt_sender.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <utility>

#include "gateway/log.h"
#include "gateway/smpp/segmenter.h"

namespace smsgw::gateway {

namespace {

constexpr uint8_t kFinalReceipt = 1;

}  // namespace

struct MtSender::Batch {
  std::vector<store::ReplyResult> results;
  std::vector<int> parts_left;  // per reply
  size_t replies_left = 0;
  Done done;
  std::vector<store::ReplyResult> ready;  // final, not yet handed to `done`
  bool flush_posted = false;
};

void MtSender::AddSession(const std::string& connection, std::shared_ptr<smpp::EsmeSession> session,
                          std::vector<std::string> short_codes, MtOptions options) {
  routes_.push_back({connection, std::move(session), std::move(short_codes), std::move(options)});
}

void MtSender::SendUssd(std::string connection, smpp::UssdScreen screen, UssdDone done) {
  boost::asio::post(io_, [this, connection = std::move(connection), screen = std::move(screen),
                          done = std::move(done)] {
    auto refuse = [&done](smpp::CommandStatus status, const std::string& why) {
      LogWarn("ussd.not_sent", {{"error", why}});
      smpp::SubmitResult r;
      r.status = smpp::ToWire(status);
      r.consequence = smpp::Classify(r.status);
      done(r);
    };
    const Route* route = nullptr;
    for (const Route& r : routes_) {
      if (r.connection == connection && r.session->state() == smpp::SessionState::kBound) {
        route = &r;
        break;
      }
    }
    if (route == nullptr) return refuse(smpp::CommandStatus::kRSysErr, "no bind up");
    auto sm = smpp::MakeUssdSubmit(screen, route->options.ussd_dialogue, route->options.text,
                                   route->options.addressing);
    if (!sm.ok()) return refuse(smpp::CommandStatus::kRInvMsgLen, sm.status().message());
    Status queued = route->session->Submit(std::move(*sm), done);
    if (!queued.ok()) {
      refuse(queued.code() == Status::Code::kInvalidArgument ? smpp::CommandStatus::kRInvMsgLen
                                                             : smpp::CommandStatus::kRSysErr,
             queued.message());
    }
  });
}

const MtSender::Route* MtSender::Pick(const store::ClaimedReply& reply) const {
  auto up = [](const Route& r) { return r.session->state() == smpp::SessionState::kBound; };
  auto serves = [&reply](const Route& r) {
    return r.short_codes.empty() || std::find(r.short_codes.begin(), r.short_codes.end(),
                                              reply.source) != r.short_codes.end();
  };
  if (reply.connection) {
    for (const Route& r : routes_) {
      if (r.connection == *reply.connection && up(r)) return &r;
    }
  }
  for (const Route& r : routes_) {
    if (up(r) && serves(r)) return &r;
  }
  return nullptr;
}

void MtSender::Send(std::vector<store::ClaimedReply> replies, Done done) {
  boost::asio::post(io_, [this, replies = std::move(replies), done = std::move(done)]() mutable {
    auto batch = std::make_shared<Batch>();
    batch->results.resize(replies.size());
    batch->parts_left.assign(replies.size(), 0);
    batch->replies_left = replies.size();
    batch->done = std::move(done);
    if (replies.empty()) return batch->done({});
    for (size_t i = 0; i < replies.size(); ++i) SendOne(batch, i, replies[i]);
  });
}

void MtSender::SendOne(const std::shared_ptr<Batch>& batch, size_t index,
                       store::ClaimedReply& reply) {
  store::ReplyResult& result = batch->results[index];
  result.id = reply.id;
  // Until a part of it is written to an SMSC (which may then have it): a retry of a reply that
  // reached none gives its attempt back, so an outage or a flapping link dead-letters nothing.
  result.attempt_spent = false;
  const Route* route = Pick(reply);
  if (route == nullptr) {
    // Nothing reached an SMSC: the attempt is given back, and the core holds replies until one
    // goes out (Core::ReplyClaimLimit).
    result.kind = store::ReplyResult::Kind::kRetry;
    result.error = "no bind up";
    return Finish(batch, index);
  }
  result.connection = route->connection;
  const uint8_t reference = next_reference_++;
  if (next_reference_ == 0) next_reference_ = 1;
  auto segmented = smpp::SegmentText(reply.text.view(), reference, route->options.text);
  if (!segmented.ok()) {
    result.kind = store::ReplyResult::Kind::kFailed;
    result.error = "text does not encode: " + segmented.status().message();
    return Finish(batch, index);
  }
  const size_t parts = segmented->parts.size();
  batch->parts_left[index] = static_cast<int>(parts);
  result.kind = store::ReplyResult::Kind::kSent;
  for (size_t p = 0; p < parts; ++p) {
    smpp::SubmitSm sm;
    sm.source = route->options.addressing.Source(reply.source);
    // A subscriber address kept as the SMSC wrote it goes back with its own TON/NPI: the
    // connection's are for E.164 numbers.
    sm.destination = reply.destination_type
                         ? smpp::Address{reply.destination_type->ton, reply.destination_type->npi,
                                         reply.destination}
                         : route->options.addressing.Destination(reply.destination);
    sm.esm_class = segmented->esm_class;
    sm.data_coding = segmented->data_coding;
    sm.registered_delivery = p + 1 == parts ? kFinalReceipt : 0;
    sm.short_message = std::move(segmented->parts[p]);
    const bool last = p + 1 == parts;
    Status queued = route->session->Submit(
        std::move(sm), [this, batch, index, last,
                        id_base = route->options.submit_id_base](const smpp::SubmitResult& r) {
          store::ReplyResult& res = batch->results[index];
          if (!r.never_sent) res.attempt_spent = true;
          if (r.consequence.status_class == smpp::StatusClass::kOk) {
            if (last) res.smsc_message_id = smpp::NormalizeMessageId(r.message_id, id_base);
          } else if (r.consequence.status_class == smpp::StatusClass::kPermanent &&
                     !r.outcome_unknown) {
            res.kind = store::ReplyResult::Kind::kFailed;
            res.error = smpp::CommandStatusName(r.status);
          } else if (res.kind != store::ReplyResult::Kind::kFailed) {
            res.kind = store::ReplyResult::Kind::kRetry;
            res.error = r.outcome_unknown ? "no response" : smpp::CommandStatusName(r.status);
          }
          if (--batch->parts_left[index] == 0) Finish(batch, index);
        });
    if (!queued.ok()) {
      if (queued.code() == Status::Code::kInvalidArgument) {
        result.kind = store::ReplyResult::Kind::kFailed;
      } else if (result.kind != store::ReplyResult::Kind::kFailed) {
        result.kind = store::ReplyResult::Kind::kRetry;
      }
      result.error = queued.message();
      // The parts not queued will never call back.
      batch->parts_left[index] -= static_cast<int>(parts - p);
      if (batch->parts_left[index] == 0) Finish(batch, index);
      return;
    }
  }
}

void MtSender::Finish(const std::shared_ptr<Batch>& batch, size_t index) {
  store::ReplyResult& r = batch->results[index];
  if (r.kind == store::ReplyResult::Kind::kSent && r.smsc_message_id.empty()) {
    r.smsc_message_id = "-";  // an SMSC that gives no id: the receipt cannot be matched
  }
  if (r.kind != store::ReplyResult::Kind::kSent) {
    LogWarn("mt.not_sent", {{"reply", r.id},
                            {"retry", r.kind == store::ReplyResult::Kind::kRetry},
                            {"error", r.error}});
  }
  batch->ready.push_back(std::move(r));
  --batch->replies_left;
  // Results that become final in the same turn of the io loop (one read of many
  // submit_sm_resp) go together; one held back by throttled resends follows on its own.
  if (batch->flush_posted) return;
  batch->flush_posted = true;
  boost::asio::post(io_, [batch] {
    batch->flush_posted = false;
    std::vector<store::ReplyResult> ready;
    ready.swap(batch->ready);
    batch->done(std::move(ready));
  });
}

}  // namespace smsgw::gateway
