// The ledger's working view inside one write transaction: finding accounts, checking PINs and
// limits, and posting balanced transfers. Internal to store/ledger*.cpp.
//
// A check that refuses may have written to the database (a PIN failure is counted even though
// the instruction is refused); the transaction around it commits refusals too. Posting happens
// only after every check passed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/status.h"
#include "store/ledger.h"
#include "store/ledger_db.h"

namespace smsgw::store {

struct AccountRow {
  int64_t id = 0;
  AccountKind kind = AccountKind::kSubscriber;
  std::string handle;
  std::string msisdn;
  std::string name;
  int64_t balance = 0;
  std::optional<int64_t> overdraft_limit;
  bool locked = false;
  std::string pin_salt;
  std::string pin_hash;
  int pin_failures = 0;
  std::string number_hash;
  std::string number_sealed;
};

// What a check decided: go on (ok()), refuse the instruction (reason, detail), or fail
// (status: nothing is decided, the transaction rolls back).
struct Verdict {
  Status status;
  std::string reason;
  std::string detail;

  bool ok() const { return status.ok() && reason.empty(); }
  static Verdict Go() { return {}; }
  static Verdict Refuse(std::string_view reason, std::string_view detail = {});
  static Verdict Fail(Status status) { return {std::move(status), {}, {}}; }
  // For a check that did not pass: its Status, or a rejected receipt.
  Result<LedgerReceipt> Receipt() const;
};

// The "additional data" sealed account numbers are bound to, so a sealed number copied to
// another account does not open.
std::string AccountNumberAad(std::string_view number_hash);

// The inverse of KindName for the kinds stored in the database.
AccountKind KindFromName(std::string_view name);

// How an account is named on statements and to counterparties.
std::string AccountLabel(const AccountRow& account);

struct TransferSpec {
  std::string_view kind{};  // the operation name
  const AccountRow* payer = nullptr;
  const AccountRow* payee = nullptr;
  int64_t amount = 0;
  int64_t fee = 0;  // paid by the payer into the fees account
  std::string_view reference{};
  std::string payer_label{};  // overrides AccountLabel(*payer) when set
  std::string payee_label{};  // overrides AccountLabel(*payee) when set
};

struct Posted {
  int64_t transfer_id = 0;
  std::string code;
  int64_t payer_balance = 0;
  int64_t payee_balance = 0;
};

class LedgerBook {
 public:
  LedgerBook(LedgerDb& db, const LedgerKeys& keys, const LedgerOptions& options, int64_t now,
             std::string_view instruction_id)
      : db_(db), keys_(keys), options_(options), now_(now), instruction_id_(instruction_id) {}

  LedgerDb& db() { return db_; }
  const LedgerKeys& keys() const { return keys_; }
  const LedgerOptions& options() const { return options_; }
  int64_t now() const { return now_; }

  // nullopt when there is no such account.
  Result<std::optional<AccountRow>> Find(const AccountRef& ref);
  Result<std::optional<AccountRow>> FindByNumberHash(const Digest& hash);
  Result<std::optional<AccountRow>> FindAgentByMsisdn(std::string_view msisdn);
  // Internal when a system account is missing (the schema creates them).
  Result<AccountRow> System(std::string_view name);

  // Whether the account may act with this PIN: account_locked, pin_not_set or wrong_pin when
  // not. A wrong PIN is counted; the max_pin_failures-th in a row locks the account (then
  // account_locked with detail "pin_failures"). A right PIN clears the count.
  Verdict CheckPin(AccountRow& account, std::string_view pin);
  // CheckPin for a bind from `msisdn`, a phone that is not the account's own (the account
  // names itself by its number there, and anyone may know a number). Its wrong PINs are
  // counted per (account, phone) in bind_failures, never on the account: they cannot lock it.
  // A phone with max_pin_failures of them in a row, or an account with max_bind_failures from
  // all phones, within 24 h, gets wrong_pin (detail "bind_failures") without its PIN being
  // tested, until those failures are a day old; the account's own phone is not affected. A
  // right PIN clears the phone's count.
  Verdict CheckBindPin(const AccountRow& account, std::string_view msisdn, std::string_view pin);
  // Loads the subscriber bound to `msisdn` into *payer (not_registered when there is none)
  // and checks its PIN.
  Verdict Authenticate(std::string_view msisdn, std::string_view pin, AccountRow* payer);
  // Amount bounds and limits, then funds: invalid_amount, limit_exceeded (detail
  // "per_instruction" or "daily") or insufficient_funds when refused.
  Verdict CheckDebit(const AccountRow& payer, int64_t amount, int64_t fee);

  // Writes the transfer and its postings (payer -amount, payee +amount, and payer -fee,
  // fees +fee when fee > 0) with a fresh transaction code. The schema's CHECK refuses any
  // balance below its overdraft limit, as a second line behind CheckDebit.
  Result<Posted> Post(const TransferSpec& spec);

  Result<std::vector<StatementEntry>> Statement(int64_t account_id, int count);
  Status StorePin(int64_t account_id, std::string_view pin);

 private:
  Result<std::optional<AccountRow>> FindOne(std::string_view where, std::string_view a,
                                            std::string_view b);
  Result<int64_t> Apply(int64_t transfer_id, int64_t account_id, int64_t amount);
  bool PinMatches(const AccountRow& account, std::string_view pin) const;

  LedgerDb& db_;
  const LedgerKeys& keys_;
  const LedgerOptions& options_;
  int64_t now_;
  std::string_view instruction_id_;
};

// A fresh 10-character transaction code like M-PESA's ("QK7AB3XYZ2"): upper-case letters and
// digits without 0, 1, I and O (read aloud and copied by hand without confusion), from the
// CSPRNG. 32 symbols, so each character takes exactly 5 random bits: 50 bits, no bias.
Result<std::string> NewTransactionCode();

// "******7890": all but the last 4 characters masked.
std::string MaskAccountNumber(std::string_view number);

// PIN form: 4 to 6 digits.
bool IsPinForm(std::string_view pin);
// One digit repeated, or a run up or down (1234, 9876, 012345).
bool IsWeakPin(std::string_view pin);

}  // namespace smsgw::store
