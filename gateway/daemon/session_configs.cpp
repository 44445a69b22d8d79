#include "gateway/daemon/session_configs.h"

#include <algorithm>

#include "gateway/log.h"

namespace smsgw::gateway {

std::vector<smpp::SessionConfig> SessionConfigs(const conf::SmppConnection& c) {
  smpp::SessionConfig s;
  s.name = c.name;
  s.host = c.host;
  s.port = c.port;
  s.system_id = c.system_id;
  s.password = c.password;
  s.system_type = c.system_type;
  s.address_range.value = c.address_range;
  s.interface_version = c.interface_version;
  s.window = c.window;
  s.max_submits_per_second = c.throughput;
  s.enquire_link_interval = c.enquire_link_interval;
  s.response_timeout = c.response_timeout;
  s.stop_timeout = c.stop_timeout;
  s.reconnect_min = c.reconnect_backoff_min;
  s.reconnect_max = c.reconnect_backoff_max;
  s.refused_bind_backoff = c.reconnect_backoff_max;
  s.max_command_length = c.max_pdu_size;
  s.tls.enabled = c.tls.enabled;
  s.tls.ca_file = c.tls.ca_file;
  s.tls.server_name = c.tls.server_name;
  s.tls.verify = c.tls.verify;
  const std::string name = c.name;
  s.log = [name](const std::string& line) {
    LogInfo("smpp", {{"connection", name}, {"what", line}});
  };
  if (c.bind == conf::BindMode::kTransceiver) {
    s.bind_mode = smpp::BindMode::kTransceiver;
    return {s};
  }
  smpp::SessionConfig tx = s;
  tx.bind_mode = smpp::BindMode::kTransmitter;
  smpp::SessionConfig rx = s;
  rx.bind_mode = smpp::BindMode::kReceiver;
  return {tx, rx};
}

smpp::TextOptions TextOptionsFor(const conf::SmppConnection& c) {
  smpp::TextOptions t;
  switch (c.dcs0_charset) {
    case conf::Charset::kGsm7:
      t.dcs0 = smpp::Dcs0Charset::kGsm7;
      break;
    case conf::Charset::kLatin1:
      t.dcs0 = smpp::Dcs0Charset::kLatin1;
      break;
    case conf::Charset::kUcs2:
      t.dcs0 = smpp::Dcs0Charset::kUcs2;
      break;
  }
  return t;
}

namespace {

smpp::MessageIdBase IdBase(conf::MessageIdBase base) {
  switch (base) {
    case conf::MessageIdBase::kAsIs:
      return smpp::MessageIdBase::kAsIs;
    case conf::MessageIdBase::kDecimal:
      return smpp::MessageIdBase::kDecimal;
    case conf::MessageIdBase::kHex:
      return smpp::MessageIdBase::kHex;
  }
  return smpp::MessageIdBase::kAsIs;
}

}  // namespace

smpp::MessageIdBase ReceiptIdBaseFor(const conf::SmppConnection& c) {
  return IdBase(c.receipt_id_base);
}

MtOptions MtOptionsFor(const conf::SmppConnection& c) {
  MtOptions o;
  o.ussd_dialogue = c.ussd_dialogue;
  o.text = TextOptionsFor(c);
  o.addressing = {c.source_ton, c.source_npi, c.destination_ton, c.destination_npi};
  o.submit_id_base = IdBase(c.submit_id_base);
  return o;
}

std::vector<std::string> ShortCodesOf(const conf::GatewayConfig& config,
                                      const std::string& connection) {
  std::vector<std::string> codes;
  for (const conf::ShortCode& sc : config.short_codes) {
    if (sc.connections.empty() || std::find(sc.connections.begin(), sc.connections.end(),
                                            connection) != sc.connections.end()) {
      codes.push_back(sc.code);
    }
  }
  return codes;
}

}  // namespace smsgw::gateway
