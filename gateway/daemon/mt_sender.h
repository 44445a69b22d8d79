// The MT sender: turns claimed replies into submit_sm on the right bind and reports each
// reply's fate to the store's thread.
//
// A reply goes out on the connection the engine chose for it (the one its MO came in on) when
// that bind is up, else on any bound connection that serves its short code, else it is
// retried later with the store's backoff (never queued behind a dead bind). The text is GSM-7
// when every character allows, else UCS-2, and a long text is segmented with a concatenation
// UDH whose reference cycles per sender. Only the last part asks for a delivery receipt, and
// its message id is the one recorded: the receipt then says whether the whole reply arrived.
//
// Threading: everything runs on the io thread; Send may be called from any thread (it posts).
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gateway/smpp/session.h"
#include "store/outbox.h"

namespace smsgw::gateway {

class MtSender {
 public:
  using Done = std::function<void(std::vector<store::ReplyResult>)>;

  explicit MtSender(boost::asio::io_context& io) : io_(io) {}

  // A bind that carries MTs (transceiver or transmitter) for `connection`, serving the short
  // codes listed (empty: every short code).
  void AddSession(const std::string& connection, std::shared_ptr<smpp::EsmeSession> session,
                  std::vector<std::string> short_codes);

  // One result per reply, in order, through `done` (on the io thread) once every part of
  // every reply has its final submit_sm_resp.
  void Send(std::vector<store::ClaimedReply> replies, Done done);

 private:
  struct Route {
    std::string connection;
    std::shared_ptr<smpp::EsmeSession> session;
    std::vector<std::string> short_codes;
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
