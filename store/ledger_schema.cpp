#include "store/ledger_schema.h"

#include <string>

namespace smsgw::store {

namespace {

// Migration N takes user_version from N-1 to N. Append; never edit a shipped entry.
constexpr const char* kMigrations[] = {
    // 1: accounts, transfers of balanced postings, instructions, withdrawal codes.
    R"sql(
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

CREATE TABLE accounts (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('subscriber', 'agent', 'biller', 'system')),
  handle TEXT,          -- agent number, biller short name, system account name
  msisdn TEXT,          -- subscriber's bound phone, agent's phone
  name TEXT NOT NULL,
  number_hash BLOB UNIQUE,  -- keyed hash of the account number (lookup)
  number_sealed BLOB,       -- the account number, AES-256-GCM
  balance INTEGER NOT NULL DEFAULT 0,
  overdraft_limit INTEGER CHECK (overdraft_limit IS NULL OR overdraft_limit >= 0),
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'locked')),
  lock_reason TEXT,
  pin_salt BLOB,
  pin_hash BLOB,
  pin_failures INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  CHECK (overdraft_limit IS NULL OR balance >= -overdraft_limit)
);
CREATE UNIQUE INDEX accounts_by_handle ON accounts(kind, handle) WHERE handle IS NOT NULL;
CREATE UNIQUE INDEX accounts_by_msisdn ON accounts(kind, msisdn) WHERE msisdn IS NOT NULL;

CREATE TABLE transfers (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,      -- the transaction code the subscriber quotes
  instruction_id TEXT UNIQUE,     -- NULL for reversals made by the ledger itself
  kind TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0),
  fee INTEGER NOT NULL DEFAULT 0 CHECK (fee >= 0),
  payer_id INTEGER NOT NULL REFERENCES accounts(id),
  payee_id INTEGER NOT NULL REFERENCES accounts(id),
  payer_label TEXT NOT NULL,      -- labels as they were at the time, for statements
  payee_label TEXT NOT NULL,
  reference TEXT,
  created_at INTEGER NOT NULL
);

CREATE TABLE postings (
  id INTEGER PRIMARY KEY,
  transfer_id INTEGER NOT NULL REFERENCES transfers(id),
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  amount INTEGER NOT NULL CHECK (amount <> 0),  -- credit positive, debit negative
  balance_after INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX postings_by_account ON postings(account_id, id);
-- Covers the daily-limit sum, which reads every debit of the account in the last 24 hours.
CREATE INDEX postings_by_account_time ON postings(account_id, created_at, amount);
CREATE INDEX postings_by_transfer ON postings(transfer_id);

CREATE TABLE instructions (
  id TEXT PRIMARY KEY,
  payload_hash BLOB NOT NULL,
  operation TEXT NOT NULL,
  accepted INTEGER NOT NULL CHECK (accepted IN (0, 1)),
  receipt_sealed BLOB NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE withdrawal_codes (
  id INTEGER PRIMARY KEY,
  code_hash BLOB NOT NULL UNIQUE,  -- keyed hash of recipient and code
  recipient TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0),
  sender_id INTEGER NOT NULL REFERENCES accounts(id),
  issue_transfer_id INTEGER NOT NULL REFERENCES transfers(id),
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid', 'reversed')),
  failures INTEGER NOT NULL DEFAULT 0,
  expires_at INTEGER NOT NULL,
  settle_transfer_id INTEGER REFERENCES transfers(id)
);
CREATE INDEX withdrawal_codes_open ON withdrawal_codes(recipient) WHERE status = 'open';
CREATE INDEX withdrawal_codes_expiry ON withdrawal_codes(expires_at) WHERE status = 'open';
)sql",
    // 2: wrong PINs of binds from phones other than the account's own, per (account, phone),
    // so that a stranger who knows an account number cannot lock it (LedgerBook::CheckBindPin).
    R"sql(
CREATE TABLE bind_failures (
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  msisdn TEXT NOT NULL,       -- the phone that tried
  failures INTEGER NOT NULL,  -- wrong PINs in a row from that phone
  last_at INTEGER NOT NULL,   -- unix seconds of the latest
  PRIMARY KEY (account_id, msisdn)
) WITHOUT ROWID;
)sql",
};

constexpr const char* kSystemAccounts[][2] = {
    // handle, overdraft: "" unlimited, "0" none
    {"float", ""}, {"suspense", ""}, {"airtime", "0"}, {"fees", "0"}, {"holding", "0"},
};

Status EnsureSystemAccounts(LedgerDb& db, int64_t now) {
  for (const auto& [handle, overdraft] : kSystemAccounts) {
    Result<Stmt> st = db.Prepare(
        "INSERT INTO accounts (kind, handle, name, overdraft_limit, created_at) "
        "VALUES ('system', ?1, ?1, ?2, ?3) ON CONFLICT DO NOTHING");
    if (!st.ok()) return st.status();
    st->Bind(1, std::string_view(handle)).Bind(3, now);
    if (*overdraft == '\0') {
      st->BindNull(2);
    } else {
      st->Bind(2, int64_t{0});
    }
    Status s = st->Run();
    if (!s.ok()) return s;
  }
  return Status::OK();
}

}  // namespace

Status MigrateLedger(LedgerDb& db, int64_t now) {
  constexpr int kCount = static_cast<int>(std::size(kMigrations));
  static_assert(kCount == kLedgerSchemaVersion);
  auto txn = LedgerTxn::Begin(db);
  if (!txn.ok()) return txn.status();
  Result<int64_t> version = db.QueryInt("PRAGMA user_version", 0);
  if (!version.ok()) return version.status();
  if (*version > kCount) {
    return Status::Corruption("ledger schema version " + std::to_string(*version) +
                              " is newer than this build's " + std::to_string(kCount));
  }
  for (int v = static_cast<int>(*version); v < kCount; ++v) {
    Status s = db.Exec(kMigrations[v]);
    if (s.ok()) s = db.Exec("PRAGMA user_version = " + std::to_string(v + 1));
    if (!s.ok()) return s.WithContext("ledger migration " + std::to_string(v + 1));
  }
  Status s = EnsureSystemAccounts(db, now);
  if (!s.ok()) return s;
  return (*txn)->Commit();
}

}  // namespace smsgw::store
