// Where an ESME session hands received MOs (deliver_sm and data_sm, delivery receipts
// included). Implemented by the store side; the session only moves PDUs.
//
// Contract: persist, then acknowledge. The session answers each MO's deliver_sm_resp /
// data_sm_resp only with the status the sink gives it, and only once the sink gives it. A sink
// acknowledges ESME_ROK only for MOs that are durable; when the store fails it acknowledges
// ESME_RX_T_APPN so the SMSC keeps the MO and retries. An MO the SMSC redelivers (our response
// was lost) reaches the sink again: deduplication is the sink's job.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "gateway/smpp/pdu.h"

namespace smsgw::smpp {

struct InboundMo {
  std::string connection;  // the SMPP connection's configured name
  Pdu pdu;                 // body is DeliverSm or DataSm, already validated
};

class MoSink {
 public:
  // One status per MO of the batch, in order. May be called from any thread, exactly once.
  using Ack = std::function<void(std::vector<uint32_t> statuses)>;

  virtual ~MoSink() = default;

  // The MOs one socket read brought (batched so a store on another thread is woken once per
  // read, not once per MO). Called on the session's thread; must not block.
  virtual void Deliver(std::vector<InboundMo> batch, Ack ack) = 0;
};

}  // namespace smsgw::smpp
