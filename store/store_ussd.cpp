// The copy of live USSD dialogues: written inside Apply, read back at start, expired.
#include "store/store_impl.h"

namespace smsgw::store {

Status ApplyUssdSession(StoreImpl& m, const UssdSessionWrite& w) {
  if (w.key.empty() || w.msisdn.empty()) {
    return Status::InvalidArgument("a USSD session needs a key and an msisdn");
  }
  if (w.erase) {
    sql::Query q = m.Q("DELETE FROM ussd_session WHERE key = ?");
    q.Text(w.key);
    return q.Run();
  }
  const int64_t now = m.Now();
  if (w.expires_at <= now) return Status::InvalidArgument("a USSD session must expire later");
  Result<std::string> sealed = m.Seal(w.state, AadFor("ussd_session", w.key));
  if (!sealed.ok()) return sealed.status();
  // One live dialogue per MSISDN: a new one replaces whatever the network left open.
  sql::Query drop = m.Q("DELETE FROM ussd_session WHERE msisdn = ? AND key <> ?");
  drop.Text(w.msisdn).Text(w.key);
  STORE_RETURN_IF_ERROR(drop.Run());
  sql::Query q =
      m.Q("INSERT INTO ussd_session(key, msisdn, connection, state_sealed, expires_at, updated_at) "
          "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET msisdn = excluded.msisdn, "
          "connection = excluded.connection, state_sealed = excluded.state_sealed, "
          "expires_at = excluded.expires_at, updated_at = excluded.updated_at");
  q.Text(w.key).Text(w.msisdn).Text(w.connection).Text(*sealed).Int(w.expires_at).Int(now);
  return q.Run();
}

Result<std::vector<UssdSessionRecord>> Store::LoadUssdSessions(int64_t now_ms) {
  StoreImpl& m = *impl_;
  std::vector<UssdSessionRecord> out;
  std::vector<std::pair<std::string, std::string>> broken;  // key, msisdn
  {
    sql::Query q = m.Q(
        "SELECT key, msisdn, connection, state_sealed, expires_at, updated_at FROM ussd_session "
        "WHERE expires_at > ? ORDER BY updated_at, key");
    q.Int(now_ms);
    while (true) {
      Result<bool> row = q.Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      UssdSessionRecord r;
      r.key = q.ColumnText(0);
      r.msisdn = q.ColumnText(1);
      r.connection = q.ColumnText(2);
      Result<SecretBytes> state = m.Open(q.ColumnText(3), AadFor("ussd_session", r.key));
      if (!state.ok()) {
        if (!IsBrokenSeal(state.status())) return state.status();
        broken.emplace_back(r.key, r.msisdn);
        continue;
      }
      r.state = std::move(*state);
      r.expires_at = q.ColumnInt(4);
      r.updated_at = q.ColumnInt(5);
      out.push_back(std::move(r));
    }
  }
  if (!broken.empty()) {
    STORE_RETURN_IF_ERROR(m.Transact([&]() -> Status {
      for (const auto& [key, msisdn] : broken) {
        sql::Query q = m.Q("DELETE FROM ussd_session WHERE key = ?");
        q.Text(key);
        STORE_RETURN_IF_ERROR(q.Run());
        STORE_RETURN_IF_ERROR(m.WriteAudit(Actor::kSystem, msisdn, "ussd_session", key,
                                           kEventUssdSessionExpired,
                                           "dropped: its sealed state does not open"));
      }
      return Status::OK();
    }));
  }
  return out;
}

Result<int> Store::DropExpiredUssdSessions(int64_t now_ms) {
  StoreImpl& m = *impl_;
  int dropped = 0;
  STORE_RETURN_IF_ERROR(m.Transact([&]() -> Status {
    std::vector<std::pair<std::string, std::string>> rows;
    {
      sql::Query q = m.Q("SELECT key, msisdn FROM ussd_session WHERE expires_at <= ?");
      q.Int(now_ms);
      while (true) {
        Result<bool> row = q.Step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        rows.emplace_back(q.ColumnText(0), q.ColumnText(1));
      }
    }
    for (const auto& [key, msisdn] : rows) {
      sql::Query q = m.Q("DELETE FROM ussd_session WHERE key = ?");
      q.Text(key);
      STORE_RETURN_IF_ERROR(q.Run());
      STORE_RETURN_IF_ERROR(m.WriteAudit(Actor::kSystem, msisdn, "ussd_session", key,
                                         kEventUssdSessionExpired, "timed out"));
    }
    dropped = static_cast<int>(rows.size());
    return Status::OK();
  }));
  return dropped;
}

}  // namespace smsgw::store
