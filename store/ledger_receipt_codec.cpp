#include "store/ledger_receipt_codec.h"

#include <nlohmann/json.hpp>

namespace smsgw::store {

using nlohmann::json;

std::string EncodeReceipt(const LedgerReceipt& r) {
  json j = {{"accepted", r.accepted},
            {"reason", r.reason},
            {"detail", r.detail},
            {"transaction_code", r.transaction_code},
            {"amount", r.amount},
            {"fee", r.fee},
            {"payee_name", r.payee_name},
            {"counterparty_msisdn", r.counterparty_msisdn},
            {"withdrawal_code", r.withdrawal_code},
            {"withdrawal_expires_at", r.withdrawal_expires_at},
            {"account_masked", r.account_masked}};
  if (r.balance) j["balance"] = *r.balance;
  if (r.counterparty_balance) j["counterparty_balance"] = *r.counterparty_balance;
  if (r.recipient_registered) j["recipient_registered"] = *r.recipient_registered;
  json lines = json::array();
  for (const StatementEntry& e : r.statement) {
    lines.push_back({{"code", e.transaction_code},
                     {"time", e.time},
                     {"kind", e.kind},
                     {"amount", e.amount},
                     {"balance_after", e.balance_after},
                     {"counterparty", e.counterparty},
                     {"reference", e.reference}});
  }
  j["statement"] = std::move(lines);
  return j.dump();
}

Result<LedgerReceipt> DecodeReceipt(std::string_view text) {
  try {
    json j = json::parse(text);
    LedgerReceipt r;
    r.accepted = j.at("accepted").get<bool>();
    r.reason = j.at("reason").get<std::string>();
    r.detail = j.at("detail").get<std::string>();
    r.transaction_code = j.at("transaction_code").get<std::string>();
    r.amount = j.at("amount").get<int64_t>();
    r.fee = j.at("fee").get<int64_t>();
    r.payee_name = j.at("payee_name").get<std::string>();
    r.counterparty_msisdn = j.at("counterparty_msisdn").get<std::string>();
    r.withdrawal_code = j.at("withdrawal_code").get<std::string>();
    r.withdrawal_expires_at = j.at("withdrawal_expires_at").get<int64_t>();
    r.account_masked = j.at("account_masked").get<std::string>();
    if (j.contains("balance")) r.balance = j["balance"].get<int64_t>();
    if (j.contains("counterparty_balance")) {
      r.counterparty_balance = j["counterparty_balance"].get<int64_t>();
    }
    if (j.contains("recipient_registered")) {
      r.recipient_registered = j["recipient_registered"].get<bool>();
    }
    for (const json& e : j.at("statement")) {
      r.statement.push_back({e.at("code").get<std::string>(), e.at("time").get<int64_t>(),
                             e.at("kind").get<std::string>(), e.at("amount").get<int64_t>(),
                             e.at("balance_after").get<int64_t>(),
                             e.at("counterparty").get<std::string>(),
                             e.at("reference").get<std::string>()});
    }
    return r;
  } catch (const json::exception&) {
    return Status::Corruption("a stored ledger receipt is not readable");
  }
}

}  // namespace smsgw::store
