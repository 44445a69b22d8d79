// The MT sender: turns claimed replies into submit_sm on the right bind and reports each
// reply's fate to the store's thread.
//
// A reply goes out on the connection the engine chose for it (the one its MO came in on) when
// that bind is up, else on any bound connection that serves its short code, else it is
// retried later with the store's backoff (never queued behind a dead bind). The text is GSM-7
// when every character allows, else UCS-2, in the alphabet the chosen connection gives
// data_coding 0 (its dcs0 charset), and a long text is segmented with a concatenation
// UDH whose reference cycles per sender. Only the last part asks for a delivery receipt, and
// its message id is the one recorded, normalised to the connection's submit_id_base, with the
// connection it went out on: the receipt then says whether the whole reply arrived.
//
// A USSD screen (SendUssd) is different: it goes out now, on the connection its dialogue came
// on and nowhere else, as one PDU, or not at all. It is not stored in the outbox: a screen is only
// useful while the dialogue lives, and the network times a dialogue out within minutes.
//
// Threading: everything runs on the io thread; Send and SendUssd may be called from any thread
// (they post).
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "conf/gateway_config.h"
#include "gateway/smpp/delivery_receipt.h"
#include "gateway/smpp/mt_addressing.h"
#include "gateway/smpp/session.h"
#include "gateway/smpp/text_codec.h"
#include "gateway/smpp/ussd.h"
#include "store/outbox.h"

namespace smsgw::gateway {

// How one connection wants its MTs written (its smpp.connections[] entry, through
// MtOptionsFor in session_configs.h). The defaults are what an SMSC following the spec wants.
struct MtOptions {
  conf::UssdDialogue ussd_dialogue = conf::UssdDialogue::kItsSessionInfo;
  smpp::TextOptions text;         // what data_coding 0 means there: SMS and USSD text alike
  smpp::MtAddressing addressing;  // TON/NPI of the short code and of the subscriber
  // The base of submit_sm_resp's message_id: the id recorded is normalised with it
  // (smpp::NormalizeMessageId), as MoIntake normalises the receipt's with the receipt base.
  smpp::MessageIdBase submit_id_base = smpp::MessageIdBase::kAsIs;
};

class MtSender {
 public:
  using Done = std::function<void(std::vector<store::ReplyResult>)>;

  explicit MtSender(boost::asio::io_context& io) : io_(io) {}

  // One USSD screen's fate, on the io thread: the SMSC's submit_sm_resp (`result.status` 0:
  // taken), or a local refusal that never reached the wire: ESME_RINVMSGLEN for a text that
  // does not fit one screen or a dialogue id the connection cannot carry, ESME_RSYSERR when the
  // connection has no bind up (outcome_unknown false in both cases).
  using UssdDone = std::function<void(const smpp::SubmitResult& result)>;

  // A bind that carries MTs (transceiver or transmitter) for `connection`, serving the short
  // codes listed (empty: every short code). A reply that falls back to another connection is
  // written as that connection's options say.
  void AddSession(const std::string& connection, std::shared_ptr<smpp::EsmeSession> session,
                  std::vector<std::string> short_codes, MtOptions options = {});

  // Sends one USSD screen now on `connection` (the dialogue's): a USSR request asking for an
  // answer, or the PSSR response ending the dialogue when `screen.end` (smpp::MakeUssdSubmit).
  // No receipt is asked. `done` runs exactly once.
  void SendUssd(std::string connection, smpp::UssdScreen screen, UssdDone done);

  // One result per reply through `done` (on the io thread), each once every part of its reply
  // has its final submit_sm_resp. `done` runs once or more: the replies that become final
  // together come together, so one that the SMSC throttles (and the session resends later)
  // never holds the others back. A reply with a destination_type (a subscriber address kept as
  // the SMSC wrote it) is addressed with it rather than the connection's destination TON/NPI.
  void Send(std::vector<store::ClaimedReply> replies, Done done);

 private:
  struct Route {
    std::string connection;
    std::shared_ptr<smpp::EsmeSession> session;
    std::vector<std::string> short_codes;
    MtOptions options;
  };
  struct Batch;
  const Route* Pick(const store::ClaimedReply& reply) const;
  void SendOne(const std::shared_ptr<Batch>& batch, size_t index, store::ClaimedReply& reply);
  void Finish(const std::shared_ptr<Batch>& batch, size_t index);

  boost::asio::io_context& io_;
  std::vector<Route> routes_;
  uint8_t next_reference_ = 1;
};

}  // namespace smsgw::gateway
