// The backend port: how the gateway hands a payment instruction to the account backend (the
// bank's or wallet's account management system) and what it gets back. Two adapters implement
// it: the embedded ledger (commands/embedded_backend.h) and the HTTP adapter
// (gateway/http_backend.h).
// docs/backend-api.md lists every operation with its fields, results and reason codes.
//
// Exactly-once rests on the instruction id. The caller mints it (and stores it) before the
// first attempt and sends every retry with the same id. A backend answers a repeated id with
// the same payload by returning its stored answer again, and never applies it twice; a
// repeated id with a different payload is refused (reason idempotency_conflict), not treated
// as a retry (Mojaloop's modified-request rule). "Payload" is everything in the Instruction
// but the id, PINs included; see CanonicalPayload.
//
// Three outcomes, by what the caller should do:
//   accepted     done; `fields` carry the result (transaction code, new balance, ...).
//   rejected     a definitive no; `reason` says why. Retrying the same id gets the same no.
//   unavailable  nothing is known to have happened; retry later with the same id.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "conf/status.h"
#include "store/crypto.h"

namespace smsgw::commands {

// Operation names.
namespace op {
inline constexpr std::string_view kBind = "account.bind";
inline constexpr std::string_view kBillPay = "bill.pay";
inline constexpr std::string_view kTransfer = "transfer";
inline constexpr std::string_view kWithdraw = "withdraw";
inline constexpr std::string_view kCashOut = "cashout";
inline constexpr std::string_view kAirtimeTopUp = "airtime.topup";
inline constexpr std::string_view kBalance = "balance";
inline constexpr std::string_view kStatement = "statement";
inline constexpr std::string_view kPinVerify = "pin.verify";
inline constexpr std::string_view kPinChange = "pin.change";
inline constexpr std::string_view kLock = "account.lock";
}  // namespace op

// Instruction field names. Amounts are int64 minor units; everything else is text.
namespace field {
inline constexpr std::string_view kAmount = "amount";
inline constexpr std::string_view kBiller = "biller";        // biller short name, e.g. KPLC
inline constexpr std::string_view kBillRef = "bill_ref";     // the bill's reference
inline constexpr std::string_view kRecipient = "recipient";  // an MSISDN
inline constexpr std::string_view kAgent = "agent";          // agent number
inline constexpr std::string_view kCode = "code";            // withdrawal code
}  // namespace field

// Result field names. Integers are int64 (amounts in minor units, times in unix seconds,
// booleans 0/1); the rest are text.
namespace result {
inline constexpr std::string_view kTransactionCode = "transaction_code";  // e.g. QK7AB3XYZ2
inline constexpr std::string_view kAmount = "amount";
inline constexpr std::string_view kFee = "fee";
inline constexpr std::string_view kBalance = "balance";  // the sender's new balance
inline constexpr std::string_view kPayeeName = "payee_name";
inline constexpr std::string_view kCounterpartyMsisdn = "counterparty_msisdn";
inline constexpr std::string_view kCounterpartyBalance = "counterparty_balance";
inline constexpr std::string_view kRecipientRegistered = "recipient_registered";
inline constexpr std::string_view kWithdrawalCode = "withdrawal_code";
inline constexpr std::string_view kWithdrawalExpiresAt = "withdrawal_expires_at";
inline constexpr std::string_view kAccountMasked = "account_masked";  // "******7890"
}  // namespace result

// Reason codes of a rejection. A backend may send codes not listed here; callers treat an
// unknown code as a generic refusal.
namespace reason {
inline constexpr std::string_view kInsufficientFunds = "insufficient_funds";
inline constexpr std::string_view kWrongPin = "wrong_pin";
inline constexpr std::string_view kPinNotSet = "pin_not_set";
inline constexpr std::string_view kInvalidPin = "invalid_pin";
inline constexpr std::string_view kWeakPin = "weak_pin";
inline constexpr std::string_view kAccountLocked = "account_locked";
inline constexpr std::string_view kNotRegistered = "not_registered";
inline constexpr std::string_view kUnknownAccount = "unknown_account";
inline constexpr std::string_view kAlreadyRegistered = "already_registered";
inline constexpr std::string_view kUnknownBiller = "unknown_biller";
inline constexpr std::string_view kUnknownAgent = "unknown_agent";
inline constexpr std::string_view kPayeeUnavailable = "payee_unavailable";
inline constexpr std::string_view kInvalidAmount = "invalid_amount";
inline constexpr std::string_view kLimitExceeded = "limit_exceeded";
inline constexpr std::string_view kSameAccount = "same_account";
inline constexpr std::string_view kInvalidCode = "invalid_code";
inline constexpr std::string_view kCodeUsed = "code_used";
inline constexpr std::string_view kCodeExpired = "code_expired";
inline constexpr std::string_view kCodeBlocked = "code_blocked";
inline constexpr std::string_view kIdempotencyConflict = "idempotency_conflict";
inline constexpr std::string_view kInvalidRequest = "invalid_request";  // detail: the field
inline constexpr std::string_view kUnsupportedOperation = "unsupported_operation";
}  // namespace reason

using FieldValue = std::variant<std::string, int64_t>;
using Fields = std::map<std::string, FieldValue, std::less<>>;

// nullptr / nullopt when the field is missing or of the other type.
const std::string* FindText(const Fields& fields, std::string_view name);
std::optional<int64_t> FindInt(const Fields& fields, std::string_view name);

// A complete, validated order for the backend. Move-only (it carries secrets).
struct Instruction {
  std::string id;              // idempotency key: 1..128 printable ASCII, minted by the caller
  std::string operation;       // an op:: name
  std::string msisdn;          // the subscriber (for cashout: the agent) who sent it
  Fields fields;               // never sensitive: may be logged and audited as they are
  store::SecretBytes pin;      // the sender's PIN, for operations that need one
  store::SecretBytes new_pin;  // pin.change only
  store::SecretBytes account;  // account.bind only: the account number
};

enum class FieldType { kText, kMsisdn, kAmount };

struct FieldSpec {
  std::string_view name;
  FieldType type;
  bool required;
};

// One operation of the port, as data: what it needs.
struct OperationSpec {
  std::string_view name;
  bool needs_pin;
  bool needs_new_pin;
  bool needs_account;
  std::span<const FieldSpec> fields;
};

// Every operation of the port; nullptr for an unknown name.
std::span<const OperationSpec> Operations();
const OperationSpec* FindOperation(std::string_view name);

// Checks an instruction's form against its OperationSpec: the id, the MSISDN (8..15 digits),
// required fields present with their types, amounts positive, PINs 4..6 digits, no unknown
// fields. InvalidArgument whose message is only the offending field's name ("amount", "pin",
// "id", "operation"): never a value.
Status ValidateInstruction(const Instruction& instruction);

// The bytes an idempotency check hashes (with a key: they contain the PIN): a version tag, then
// operation, MSISDN, every field in name order with its type, and the secrets, each
// length-prefixed so no two different instructions encode alike. The id is not included.
store::SecretBytes CanonicalPayload(const Instruction& instruction);

// One line of a mini statement, the account holder's view.
struct StatementLine {
  std::string transaction_code;
  int64_t time = 0;    // unix seconds
  std::string kind;    // operation that made it ("transfer", "bill.pay", "credit", ...)
  int64_t amount = 0;  // signed minor units: negative when money left the account
  int64_t balance_after = 0;
  std::string counterparty;  // display label of the other side
  std::string reference;
};

struct BackendResult {
  enum class Outcome { kAccepted, kRejected, kUnavailable };

  Outcome outcome = Outcome::kUnavailable;
  std::string reason;  // rejected: a reason:: code
  std::string detail;  // a short machine token (a field name, "daily", "busy"); no free text
  // For operators' logs and audit only, never shown to subscribers; never holds a PIN or an
  // account number.
  std::string diagnostic;
  Fields fields;                         // accepted: result:: fields
  std::vector<StatementLine> statement;  // accepted statement: newest first
  bool replayed = false;                 // the stored answer to an earlier submission
  // Unavailable, and nothing can have happened: no byte of the request left the gateway (an
  // open circuit breaker, a refused connection), or the request went as the circuit
  // breaker's probe and was declined (503, 429). The attempt does not count against the
  // instruction's retry budget.
  bool not_sent = false;
  // Unavailable: the least wait before the next attempt (the backend's Retry-After; after a
  // declined probe, long enough that the next probe is another instruction). 0: the retry
  // policy alone decides.
  std::chrono::milliseconds wait{0};

  bool accepted() const { return outcome == Outcome::kAccepted; }
  bool rejected() const { return outcome == Outcome::kRejected; }
  bool unavailable() const { return outcome == Outcome::kUnavailable; }

  static BackendResult Accepted(Fields fields = {});
  static BackendResult Rejected(std::string_view reason, std::string_view detail = {});
  static BackendResult Unavailable(std::string_view detail, std::string diagnostic = {});
};

// Whether the backend takes calls now (Backend::MaySend).
struct SendPermit {
  static constexpr int kAny = std::numeric_limits<int>::max();
  int calls = kAny;                           // may go now: kAny, 1 (a probe) or 0
  std::chrono::milliseconds ask_again_in{0};  // calls == 0: when to ask again
};

// The port.
//
// Why a completion callback and not a return value or a future: the HTTP adapter runs on the
// gateway's Asio loop, where a request completes in a later handler; blocking on a future
// there would stall every session. A callback is what both adapters can honour: the embedded
// ledger calls it before Submit returns (one SQLite transaction, fsync included), the HTTP
// adapter calls it later on the loop's thread. Callers must accept both: do not hold a lock
// across Submit that the completion takes, and do not assume the completion ran when Submit
// returns.
class Backend {
 public:
  using Completion = std::function<void(BackendResult)>;

  virtual ~Backend() = default;

  // Takes the instruction (its secrets are wiped when the adapter is done with them) and calls
  // `done` exactly once with the outcome. Never throws. An instruction that fails
  // ValidateInstruction is rejected with invalid_request and the field's name as detail.
  virtual void Submit(Instruction instruction, Completion done) = 0;

  // Called once per instruction of a batch, with its index in the vector handed over.
  using BatchCompletion = std::function<void(size_t index, BackendResult)>;

  // Several instructions at once, so an adapter can share work between them (the embedded
  // ledger commits them in one transaction: one fsync). Each gets its own answer, exactly once,
  // as submitting them one by one in vector order would give: a failure of one leaves the
  // others' answers alone, and a repeated id gets the earlier one's answer (replayed). No
  // answer is given before it is durable: the embedded ledger calls `done` for every index
  // after the batch's commit, before SubmitBatch returns, and answers them all unavailable
  // when that commit fails (none was applied; retry with the same ids). The order of the calls
  // is unspecified, and `done` runs on whatever thread the adapter completes on (see Submit).
  // The default submits each instruction on its own, in order.
  virtual void SubmitBatch(std::vector<Instruction> instructions, BatchCompletion done);

  // Whether calls may be sent now, so the caller holds its queue while the backend is known
  // to be down rather than spending attempts on calls that would fail at once; after an outage
  // one call goes as a probe, then the rest once it succeeded. Advisory: a call made anyway is
  // answered (unavailable and not_sent when refused). Thread-safe. The embedded ledger always
  // says yes.
  virtual SendPermit MaySend() const { return {}; }
};

}  // namespace smsgw::commands
