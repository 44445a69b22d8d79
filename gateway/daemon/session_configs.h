// The SMPP sessions one configured connection needs: one transceiver bind, or a transmitter
// and a receiver bind (bind: transmitter_receiver) that share the connection's name.
#pragma once

#include <vector>

#include "conf/gateway_config.h"
#include "gateway/daemon/mt_sender.h"
#include "gateway/smpp/delivery_receipt.h"
#include "gateway/smpp/session.h"
#include "gateway/smpp/text_codec.h"

namespace smsgw::gateway {

std::vector<smpp::SessionConfig> SessionConfigs(const conf::SmppConnection& connection);

smpp::TextOptions TextOptionsFor(const conf::SmppConnection& connection);

// How MtSender writes the MTs and USSD screens it sends on `connection`.
MtOptions MtOptionsFor(const conf::SmppConnection& connection);

// The base of the ids in `connection`'s delivery receipts (MoIntake::Options).
smpp::MessageIdBase ReceiptIdBaseFor(const conf::SmppConnection& connection);

// The short codes served by `connection` (ShortCode::connections empty: every connection).
std::vector<std::string> ShortCodesOf(const conf::GatewayConfig& config,
                                      const std::string& connection);

}  // namespace smsgw::gateway
