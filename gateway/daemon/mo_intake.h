// The daemon's MoSink: what happens to an MO between the SMPP session and the store.
//
// On the io thread, per socket read: delivery receipts are parsed; other MOs are decoded
// (data_coding, the connection's dcs0 charset) and concatenated parts reassembled. What is
// left (whole messages, parts, receipts) goes to the store's thread in one IntakeBatch per
// read, so the other core is woken once per read, not once per MO.
//
// Persist, then acknowledge: an MO's deliver_sm_resp carries ESME_ROK only once the store
// holds it. Each MO of a read is answered on its own status, but the session's answers for
// one read go out together. A part of a concatenated message that does not complete it is
// stored as a part (Store::StoreParts) and acknowledged once it is, so an SMSC that waits for
// a part's answer before sending the next is never held up; the part that completes a message
// is acknowledged when the whole message is stored, and that Accept deletes the group's stored
// parts. Should that Accept fail, the group's other parts go back into the reassembler, so the
// part's redelivery completes it again. When the store fails, the MOs of the batch are
// answered ESME_RX_T_APPN and the SMSC redelivers. A group still incomplete after the
// reassembly timeout (or pushed out by the reassembler's caps) is given up: logged, counted,
// and its stored parts deleted. At start, Restore puts the parts the store holds back into the
// reassembler.
//
// The source of every MO and USSD event is read once, here, before anything stores or keys on
// it (source_msisdn.h): the store, its dedup keys, the engine and USSD dialogues see the
// subscriber's E.164 number whatever form the SMSC gave it in. A source of a number TON that
// the grammar's number_plan cannot read is kept as it came (without "+"), counted, and logged
// once per connection (without the number) until the plan changes. A source kept as it came
// (that one, or an alphanumeric sender) goes to the store with its TON and NPI
// (InboundMessage::source_type), so the replies to it are addressed as it was; a
// concatenated message takes those of the part that completes it, and one completed by parts
// restored at start has none. Receipts name the MT they are for by message id only; their
// addresses are not read.
//
// A deliver_sm carrying ussd_service_op is a USSD event (smpp/ussd.h), never an SMS: it is not
// reassembled nor stored as an inbound message, but handed over in the same batch as a UssdEvent
// and acknowledged with the status the core gives it. A USSD PDU that cannot be read (an
// operation an MO cannot carry, no dialogue id in the connection's mode) is answered
// ESME_RX_P_APPN and logged.
//
// Threading: Deliver, Expire, StopTaking and SetNumberPlan run on the io thread only; Restore
// before the io thread runs.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "conf/gateway_config.h"
#include "gateway/daemon/daemon_metrics.h"
#include "gateway/daemon/source_msisdn.h"
#include "gateway/smpp/delivery_receipt.h"
#include "gateway/smpp/mo_sink.h"
#include "gateway/smpp/reassembler.h"
#include "gateway/smpp/text_codec.h"
#include "gateway/smpp/ussd.h"
#include "parser/grammar.h"
#include "store/inbound.h"

namespace smsgw::gateway {

// A delivery receipt for an MT we sent.
struct ReceiptUpdate {
  std::string connection;
  std::string smsc_message_id;  // normalised
  bool delivered = false;
  bool final = false;  // an end state: no further receipt will follow
  std::string stat;    // "DELIVRD", "UNDELIV", ...
};

// One step of a USSD dialogue from the network. A dialogue is keyed by connection + msisdn +
// dialogue; the screens answering it go out with MtSender::SendUssd on the same connection.
struct UssdEvent {
  std::string connection;
  std::string msisdn;   // the subscriber, digits without "+"
  std::string service;  // the address the dialogue was opened to: the source of our screens
  std::string dialogue;
  // The network's number for this MO within the dialogue (its_session_info's sequence), the
  // same on a resend of it; unset when the connection's mode carries none.
  std::optional<uint8_t> sequence;
  smpp::UssdKind kind = smpp::UssdKind::kOpen;
  std::string text;  // UTF-8: the dialled string (kOpen) or the answer (kAnswer)
  std::chrono::steady_clock::time_point received;
};

// What one read hands to the store's thread. The parts are stored before the messages are
// accepted (a message may be joined from some of them). `done` must be called exactly once,
// from any thread: one ESME status per message, per receipt, per USSD event and per part, in
// order (0 when it is stored, handled or needs nothing more; ESME_RX_T_APPN when the store
// failed or the USSD event was not taken). `dropped` groups' stored parts are deleted; they
// need no status.
struct IntakeBatch {
  std::vector<store::InboundMessage> messages;
  std::vector<ReceiptUpdate> receipts;
  std::vector<UssdEvent> ussd;
  std::vector<store::InboundPart> parts;
  std::vector<store::PartGroup> dropped;
  std::chrono::steady_clock::time_point received;
  std::function<void(std::vector<uint32_t> message_status, std::vector<uint32_t> receipt_status,
                     std::vector<uint32_t> ussd_status, std::vector<uint32_t> part_status)>
      done;
};

class MoIntake final : public smpp::MoSink {
 public:
  using Handoff = std::function<void(IntakeBatch)>;

  // What the intake needs to know of one SMPP connection; a connection absent from
  // Options::connections gets these defaults.
  struct ConnectionOptions {
    smpp::TextOptions text;
    // How the connection names USSD dialogues.
    conf::UssdDialogue ussd_dialogue = conf::UssdDialogue::kItsSessionInfo;
    // The base of its receipt ids (smsgw::smpp::NormalizeMessageId). The MT sender normalises
    // submit_sm_resp ids alike, so the two meet.
    smpp::MessageIdBase receipt_id_base = smpp::MessageIdBase::kAsIs;
  };

  struct Options {
    std::map<std::string, ConnectionOptions, std::less<>> connections;  // by connection name
    smpp::ReassemblyOptions reassembly;
    // The grammar's: how MO sources are read (source_msisdn.h).
    parser::NumberPlan number_plan;
  };

  // `io` is the sessions' io_context: store answers are posted back to it. `metrics` counts
  // refused and incomplete MOs and the ack latency; it must outlive the intake.
  MoIntake(boost::asio::io_context& io, Options options, Handoff handoff, DaemonMetrics& metrics);
  ~MoIntake() override;

  void Deliver(std::vector<smpp::InboundMo> batch, Ack ack) override;

  // The parts the store held at start (Store::LoadParts) back into the reassembler, as if
  // they had just arrived; a group they complete is handed over as a message, with nobody to
  // acknowledge.
  void Restore(std::vector<store::InboundPart> parts);

  // Acknowledges groups idle past the reassembly timeout (see above). Call it every few
  // seconds.
  void Expire(std::chrono::steady_clock::time_point now);

  // The plan MO sources are read with from the next MO on (a reloaded grammar's).
  void SetNumberPlan(parser::NumberPlan plan);

  // From now on every MO is answered ESME_RX_T_APPN (the SMSC keeps it for later): drain.
  void StopTaking() { stopping_ = true; }

  // MOs whose acknowledgement is still owed to a session.
  size_t unacked() const { return unacked_; }

 private:
  struct Join;
  struct Pending;
  void Handle(const smpp::InboundMo& mo, const std::shared_ptr<Join>& join, size_t index,
              Pending* pending, std::chrono::steady_clock::time_point now);
  void HandleUssd(const smpp::InboundMo& mo, const smpp::DeliverSm& sm,
                  const std::shared_ptr<Join>& join, size_t index, Pending* pending,
                  std::chrono::steady_clock::time_point now);
  // A part into the reassembler. kWhole: it completed its message, which is then in `pending`
  // (its waiter still to add by the caller); kUnreadable: it completed a message whose text
  // cannot be decoded, given up.
  enum class Joined { kNotYet, kWhole, kUnreadable };
  Joined AddPart(std::string_view connection, std::string_view source,
                 std::optional<store::AddressType> source_type, std::string_view destination,
                 smpp::UserData part, Pending& pending, std::chrono::steady_clock::time_point now);
  // Hands `pending` to the store's thread; its statuses come back to the io thread.
  void HandOff(std::shared_ptr<Pending> pending, std::chrono::steady_clock::time_point now);
  void Resolve(const std::shared_ptr<Join>& join, size_t index, uint32_t status);
  // Logs and counts groups given up incomplete; their stored parts are for `dropped`.
  void GiveUp(std::vector<smpp::AssembledMessage> groups, std::vector<store::PartGroup>& dropped);
  const ConnectionOptions& OptionsOf(std::string_view connection) const;
  // The subscriber `source` names (source_msisdn.h); one the plan cannot read is counted and
  // logged.
  SourceMsisdn SourceOf(std::string_view connection, const smpp::Address& source);

  boost::asio::io_context& io_;
  Options options_;
  Handoff handoff_;
  smpp::Reassembler reassembler_;
  bool stopping_ = false;
  size_t unacked_ = 0;
  // Connections whose sources the plan could not read, logged since the plan was set.
  std::set<std::string, std::less<>> not_in_plan_logged_;
  DaemonMetrics& metrics_;
};

}  // namespace smsgw::gateway
