// The embedded ledger: a double-entry book of accounts in its own SQLite database, so the whole
// product runs on one machine with no bank attached.
//
// Money is int64 minor units (cents of KES); the ledger is single-currency. Every movement is a
// transfer of balanced postings (they sum to zero) written in one SQLite transaction together
// with the instruction that caused it, so the sum of all balances never changes: the float
// account goes negative by exactly the e-money issued. No balance goes below -overdraft_limit;
// the schema enforces that with a CHECK as well as the code.
//
// Idempotency: every instruction method takes an InstructionRef. The first call with an id
// decides, and its receipt (accepted or rejected) is stored, sealed, with the id; a later call
// with the same id and the same payload hash gets that receipt back (replayed = true) and
// changes nothing; the same id with another payload hash is refused (idempotency_conflict) and
// nothing is stored. A non-OK Status (Unavailable: the database was locked or failed) means
// nothing was decided or stored and the same call may be retried.
//
// Sensitive data: account numbers are stored sealed (AES-256-GCM) with a keyed hash for lookup;
// PINs as HMAC(pepper, salt || PIN); withdrawal codes as keyed hashes; stored receipts sealed.
// None of them is ever in a Status message or a receipt's reason/detail.
//
// Threads: a Ledger owns one connection and is used by one thread at a time. Any number of
// Ledger objects (threads, processes) may open the same file; writes serialise on SQLite's
// write lock (BEGIN IMMEDIATE), waiting up to busy_timeout_ms before answering Unavailable.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/status.h"
#include "store/checkpoint_stats.h"
#include "store/crypto.h"
#include "store/ledger_keys.h"

namespace smsgw::store {

class LedgerDb;
class LedgerBook;
class LedgerTxn;

// Why an instruction was refused: machine-readable, stable, and the same strings as the
// backend port's reason codes (docs/backend-api.md).
namespace ledger_reason {
inline constexpr std::string_view kInsufficientFunds = "insufficient_funds";
inline constexpr std::string_view kWrongPin = "wrong_pin";
inline constexpr std::string_view kPinNotSet = "pin_not_set";
inline constexpr std::string_view kInvalidPin = "invalid_pin";  // a new PIN of the wrong form
inline constexpr std::string_view kWeakPin = "weak_pin";        // 1111, 1234, 9876, ...
inline constexpr std::string_view kAccountLocked = "account_locked";
inline constexpr std::string_view kNotRegistered = "not_registered";  // no account on the MSISDN
inline constexpr std::string_view kUnknownAccount = "unknown_account";
inline constexpr std::string_view kAlreadyRegistered = "already_registered";
inline constexpr std::string_view kUnknownBiller = "unknown_biller";
inline constexpr std::string_view kUnknownAgent = "unknown_agent";
inline constexpr std::string_view kPayeeUnavailable = "payee_unavailable";  // locked agent/biller
inline constexpr std::string_view kInvalidAmount = "invalid_amount";
inline constexpr std::string_view kLimitExceeded = "limit_exceeded";
inline constexpr std::string_view kSameAccount = "same_account";
inline constexpr std::string_view kInvalidCode = "invalid_code";
inline constexpr std::string_view kCodeUsed = "code_used";
inline constexpr std::string_view kCodeExpired = "code_expired";
inline constexpr std::string_view kCodeBlocked = "code_blocked";
inline constexpr std::string_view kIdempotencyConflict = "idempotency_conflict";
}  // namespace ledger_reason

// An MSISDN as the ledger stores it: E.164 digits without '+', 8 to 15 of them.
bool IsLedgerMsisdn(std::string_view msisdn);

enum class AccountKind { kSubscriber, kAgent, kBiller, kSystem };
std::string_view KindName(AccountKind kind);

// The system accounts, created with the schema. float: the counterpart of e-money issued by
// `credit` (unlimited overdraft). suspense: unlimited overdraft, for manual corrections.
// airtime: receives top-ups. fees: receives fees. holding: money sent to unregistered
// numbers, waiting for cash-out or reversal.
namespace system_account {
inline constexpr std::string_view kFloat = "float";
inline constexpr std::string_view kSuspense = "suspense";
inline constexpr std::string_view kAirtime = "airtime";
inline constexpr std::string_view kFees = "fees";
inline constexpr std::string_view kHolding = "holding";
}  // namespace system_account

struct LedgerLimits {
  int64_t min_amount = 100;                // KES 1.00
  int64_t max_amount = 15'000'000;         // KES 150,000.00 per instruction
  int64_t daily_debit_limit = 30'000'000;  // KES 300,000.00 debited in any 24 h (fees included)
  int max_pin_failures = 10;               // consecutive wrong PINs that lock the account
  // Wrong PINs in 24 h of binds of one account from phones not its own (all of them
  // together) after which such binds are refused untested; the account is not locked.
  int max_bind_failures = 20;
  int64_t withdrawal_code_ttl = 7 * 86400;  // seconds; then the code is reversed to the sender
  int max_code_failures = 5;                // wrong codes for a recipient that block the codes
};

// Flat fees in minor units, paid by the subscriber into the fees account. Zero by default.
struct LedgerFees {
  int64_t transfer = 0;
  int64_t bill_pay = 0;
  int64_t withdraw = 0;
  int64_t airtime = 0;
};

struct LedgerOptions {
  std::string path;
  int busy_timeout_ms = 5000;
  LedgerLimits limits;
  LedgerFees fees;
  std::function<int64_t()> clock;  // unix seconds; the system clock when empty
  std::string vfs;                 // SQLite VFS name; the default when empty (tests: faults)
  // The daemon's: WAL checkpoints on a thread of their own once the WAL holds this many pages
  // (store/wal_checkpointer.h); 0 keeps SQLite's, in the commit (admin commands, tests).
  int background_checkpoint_pages = 0;
};

// The idempotency envelope of an instruction: its id (the caller's idempotency key, 1..128
// printable ASCII characters) and the keyed hash of its canonical payload
// (LedgerKeys::PayloadHash), which must cover everything the caller sent, PIN included.
struct InstructionRef {
  std::string id;
  Digest payload_hash{};
};

// One line of a mini statement, from the account holder's point of view.
struct StatementEntry {
  std::string transaction_code;
  int64_t time = 0;    // unix seconds
  std::string kind;    // the operation that made it: "transfer", "bill.pay", "credit", ...
  int64_t amount = 0;  // signed: negative when money left the account (fee included)
  int64_t balance_after = 0;
  std::string counterparty;  // display label of the other side (name, agent, biller, MSISDN)
  std::string reference;     // bill reference, when there is one
};

// The outcome of an instruction. Fields that an operation does not produce stay empty/unset.
struct LedgerReceipt {
  bool accepted = false;
  std::string reason;     // rejected only: a ledger_reason code
  std::string detail;     // rejected only: a short machine token ("daily", "pin_failures", ...)
  bool replayed = false;  // this is the stored answer to an earlier call with the same id

  std::string transaction_code;     // every accepted movement of money
  int64_t amount = 0;               // principal moved
  int64_t fee = 0;                  // fee charged on top
  std::optional<int64_t> balance;   // the subscriber's (or cash-out agent's) new balance
  std::string payee_name;           // biller, agent or recipient display name
  std::string counterparty_msisdn;  // who else should get an SMS: recipient, agent, old phone
  std::optional<int64_t> counterparty_balance;  // their new balance, when they hold an account
  std::optional<bool> recipient_registered;     // transfer: false = withdrawal code issued
  std::string withdrawal_code;                  // transfer to an unregistered number
  int64_t withdrawal_expires_at = 0;            // unix seconds
  std::string account_masked;                   // bind: "******7890"
  std::vector<StatementEntry> statement;        // statement: newest first
};

// Which account an admin command means.
struct AccountRef {
  // kAccountNumber: the value is a subscriber's account number (never echoed in errors).
  enum class By { kMsisdn, kAgentNumber, kBiller, kSystem, kId, kAccountNumber };
  By by = By::kMsisdn;
  std::string value;
};

struct AccountInfo {
  int64_t id = 0;
  AccountKind kind = AccountKind::kSubscriber;
  std::string handle;  // agent number, biller short name, system account name
  std::string msisdn;  // subscriber's bound phone, agent's phone; may be empty
  std::string name;
  int64_t balance = 0;
  std::optional<int64_t> overdraft_limit;  // nullopt: unlimited (float, suspense)
  bool locked = false;
  bool has_pin = false;
  std::string account_masked;  // subscribers with an account number: all but the last 4 masked
};

struct NewAccount {
  AccountKind kind = AccountKind::kSubscriber;
  std::string handle;          // agent number (digits) or biller short name (A-Z, 0-9, _)
  std::string msisdn;          // subscriber (optional: unbound) or agent (required)
  std::string name;            // display name, printable, up to 40 characters
  std::string account_number;  // subscriber, optional (digits, 6..20)
  int64_t overdraft_limit = 0;
};

// A posting joined with its transfer, for `smsgw ledger postings`.
struct PostingLine {
  int64_t posting_id = 0;
  std::string transaction_code;
  std::string kind;
  int64_t time = 0;
  int64_t account_id = 0;
  std::string account_label;
  int64_t amount = 0;  // signed: credit positive
  int64_t balance_after = 0;
  std::string reference;
};

class Ledger {
 public:
  // Opens or creates the database and brings its schema to the current version
  // (PRAGMA user_version). FailedPrecondition when the database was created with another
  // pepper key; Corruption when its schema is newer than this build.
  static Result<std::unique_ptr<Ledger>> Open(LedgerOptions options,
                                              std::shared_ptr<const LedgerKeys> keys);
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  const LedgerKeys& keys() const { return *keys_; }

  // ---- Group commit.
  //
  // While a Batch is open, every instruction (and admin write) on this Ledger runs in its own
  // SAVEPOINT inside the batch's one write transaction instead of a transaction of its own, so
  // N instructions cost one fsync. Each keeps its own isolation: one that fails (non-OK
  // Status) undoes only its own changes, and a rejection is stored as usual. Later
  // instructions see earlier ones' effects, so a repeated id in the same batch is answered
  // from the first one's stored receipt.
  //
  // Nothing is durable, and no receipt may be acted on or shown to anyone, until Commit()
  // returned OK. When Commit fails or the Batch goes away without it, every instruction of the
  // batch is undone, as if none had been called: each may be retried with the same id. The
  // write lock is held from BeginBatch to the end of the batch, so keep batches short.
  class Batch {
   public:
    Batch(Batch&&) noexcept;
    Batch& operator=(Batch&&) = delete;
    ~Batch();
    Status Commit();

   private:
    friend class Ledger;
    explicit Batch(std::unique_ptr<LedgerTxn> txn);
    std::unique_ptr<LedgerTxn> txn_;
  };
  // BEGIN IMMEDIATE (waits up to busy_timeout_ms for the write lock: Unavailable). One batch at
  // a time per Ledger.
  Result<Batch> BeginBatch();

  // ---- Instructions. The caller has checked the form of MSISDNs and amounts it passes.

  // Binds the subscriber account with this account number to `msisdn`, authorised by the
  // account's PIN (set by the bank, `smsgw ledger set-pin`). An account bound to another phone
  // moves to this one with the same PIN; counterparty_msisdn is then the old phone. A phone
  // that already holds another account is refused (already_registered): one account per phone.
  // From a phone that is not the account's own, wrong PINs count for that phone, never
  // toward locking the account (LedgerLimits::max_bind_failures, LedgerBook::CheckBindPin); a
  // locked account is refused with counterparty_msisdn and account_masked set to its own phone
  // and number, so the gateway can tell its owner.
  Result<LedgerReceipt> Bind(const InstructionRef& ref, std::string_view msisdn,
                             std::string_view account_number, std::string_view pin);
  Result<LedgerReceipt> VerifyPin(const InstructionRef& ref, std::string_view msisdn,
                                  std::string_view pin);
  // The new PIN: 4 to 6 digits, not one digit repeated, not a run up or down (weak_pin).
  Result<LedgerReceipt> ChangePin(const InstructionRef& ref, std::string_view msisdn,
                                  std::string_view old_pin, std::string_view new_pin);
  Result<LedgerReceipt> PayBill(const InstructionRef& ref, std::string_view msisdn,
                                std::string_view pin, std::string_view biller,
                                std::string_view bill_ref, int64_t amount);
  // To a registered subscriber: straight to their account (even a locked one: a lock stops
  // debits, not credits). To any other number: into the holding account, and a one-time
  // 8-digit withdrawal code is issued for that number to cash out at an agent.
  Result<LedgerReceipt> Transfer(const InstructionRef& ref, std::string_view msisdn,
                                 std::string_view pin, std::string_view recipient, int64_t amount);
  // Subscriber -> agent float; the agent pays out cash.
  Result<LedgerReceipt> Withdraw(const InstructionRef& ref, std::string_view msisdn,
                                 std::string_view pin, std::string_view agent_number,
                                 int64_t amount);
  // Sent by the agent (`agent_msisdn`, the agent's PIN): pays the whole amount of the code
  // issued to `recipient` from the holding account into the agent's float, once.
  Result<LedgerReceipt> CashOut(const InstructionRef& ref, std::string_view agent_msisdn,
                                std::string_view pin, std::string_view recipient,
                                std::string_view code);
  // `recipient` is the phone to top up (the sender's own when empty).
  Result<LedgerReceipt> TopUpAirtime(const InstructionRef& ref, std::string_view msisdn,
                                     std::string_view pin, std::string_view recipient,
                                     int64_t amount);
  Result<LedgerReceipt> Balance(const InstructionRef& ref, std::string_view msisdn,
                                std::string_view pin);
  // The last 5 transfers of the account, newest first, and the balance.
  Result<LedgerReceipt> Statement(const InstructionRef& ref, std::string_view msisdn,
                                  std::string_view pin);
  // Lost phone or card: locks the subscriber's account. No PIN. Locking a locked account is
  // accepted.
  Result<LedgerReceipt> Lock(const InstructionRef& ref, std::string_view msisdn);
  // Admin: issues e-money from the float account into `to` (cash deposited at the bank).
  // Idempotent by `id` like an instruction; the payload hash is made here from the arguments.
  Result<LedgerReceipt> Credit(std::string_view id, const AccountRef& to, int64_t amount,
                               std::string_view reference);

  // ---- Administration (not idempotent by id; unique constraints refuse duplicates).

  // AlreadyExists when the handle, the MSISDN (per kind) or the account number is taken;
  // InvalidArgument when a field has the wrong form.
  Result<AccountInfo> CreateAccount(const NewAccount& account);
  // Sets the PIN (4..6 digits; weak PINs allowed here: the bank issues them) and clears the
  // failure count.
  Status SetPin(const AccountRef& account, std::string_view pin);
  // Active again: the lock lifted, the PIN failure count and the failed binds from other
  // phones cleared.
  Status Unlock(const AccountRef& account);
  Result<AccountInfo> GetAccount(const AccountRef& account);
  Result<std::vector<AccountInfo>> ListAccounts();
  // Newest first; all accounts when `account` is null.
  Result<std::vector<PostingLine>> Postings(const AccountRef* account, int limit);
  // Refunds every open withdrawal code past its expiry to its sender. Returns how many.
  Result<int> ReverseExpiredWithdrawals();
  // Checks the books: every transfer's postings sum to zero, every balance equals the sum of
  // its postings, all balances sum to zero, none is below its overdraft limit.
  // Corruption naming the first violation.
  Status CheckInvariants();

  // The background checkpoints' counts (LedgerOptions::background_checkpoint_pages); zeroes
  // without them. Thread-safe.
  CheckpointStats checkpoint_stats() const;

 private:
  Ledger(LedgerOptions options, std::shared_ptr<const LedgerKeys> keys,
         std::unique_ptr<LedgerDb> db);

  // Runs `body` in one write transaction under the idempotency rule above, storing its receipt.
  Result<LedgerReceipt> Execute(const InstructionRef& ref, std::string_view operation,
                                const std::function<Result<LedgerReceipt>(LedgerBook&)>& body);
  int64_t Now() const;

  LedgerOptions options_;
  std::shared_ptr<const LedgerKeys> keys_;
  std::unique_ptr<LedgerDb> db_;
};

}  // namespace smsgw::store
