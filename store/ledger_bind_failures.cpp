// Wrong PINs of binds from phones that are not the account's own (LedgerBook::CheckBindPin).
//
// A bind names an account by its number, and an account number is no secret: it is printed on
// statements and cards. Counted on the account, such wrong PINs would let anyone who knows the
// number lock its owner out with a few messages. Counted per (account, phone) they stop a
// phone that guesses, and the sum over all phones stops many phones guessing together, without
// ever locking the account: at worst its binding to a new phone waits a day.
#include "store/ledger_book.h"

namespace smsgw::store {

namespace {

constexpr int64_t kWindowSeconds = 86400;
constexpr std::string_view kBindFailures = "bind_failures";

}  // namespace

Verdict LedgerBook::CheckBindPin(const AccountRow& account, std::string_view msisdn,
                                 std::string_view pin) {
  if (account.locked) return Verdict::Refuse(ledger_reason::kAccountLocked);
  if (account.pin_hash.empty()) return Verdict::Refuse(ledger_reason::kPinNotSet);
  const int64_t since = now_ - kWindowSeconds;

  // This phone's failures and all phones' together, in one read.
  Result<Stmt> counts = db_.Prepare(
      "SELECT COALESCE(SUM(CASE WHEN msisdn = ?2 THEN failures END), 0), "
      "COALESCE(SUM(failures), 0) FROM bind_failures WHERE account_id = ?1 AND last_at > ?3");
  if (!counts.ok()) return Verdict::Fail(counts.status());
  counts->Bind(1, account.id).Bind(2, msisdn).Bind(3, since);
  Result<bool> row = counts->Step();
  if (!row.ok()) return Verdict::Fail(row.status());
  const int64_t failures = *row ? counts->Int(0) : 0;
  const int64_t total = *row ? counts->Int(1) : 0;

  // Refused without testing the PIN: a right guess now would tell the guesser it was right.
  if (failures >= options_.limits.max_pin_failures || total >= options_.limits.max_bind_failures) {
    return Verdict::Refuse(ledger_reason::kWrongPin, kBindFailures);
  }
  if (PinMatches(account, pin)) {
    if (failures == 0) return Verdict::Go();
    Result<Stmt> clear =
        db_.Prepare("DELETE FROM bind_failures WHERE account_id = ?1 AND msisdn = ?2");
    if (!clear.ok()) return Verdict::Fail(clear.status());
    Status s = clear->Bind(1, account.id).Bind(2, msisdn).Run();
    if (!s.ok()) return Verdict::Fail(std::move(s));
    return Verdict::Go();
  }
  // A count older than the window starts again at one.
  Result<Stmt> count = db_.Prepare(
      "INSERT INTO bind_failures (account_id, msisdn, failures, last_at) VALUES (?1, ?2, 1, ?3) "
      "ON CONFLICT (account_id, msisdn) DO UPDATE SET "
      "failures = CASE WHEN last_at > ?4 THEN failures + 1 ELSE 1 END, last_at = ?3");
  if (!count.ok()) return Verdict::Fail(count.status());
  Status s = count->Bind(1, account.id).Bind(2, msisdn).Bind(3, now_).Bind(4, since).Run();
  if (!s.ok()) return Verdict::Fail(std::move(s));
  return Verdict::Refuse(ledger_reason::kWrongPin);
}

}  // namespace smsgw::store
