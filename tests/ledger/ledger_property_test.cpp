// Property: whatever sequence of instructions runs, money is neither created nor destroyed.
// A seeded random sequence (bounded in count) of transfers, bill payments, withdrawals,
// cash-outs, top-ups, wrong PINs, replays and expiries runs against the ledger and against a
// model of the balances; after every step the ledger's balances sum to zero, and at the end
// they equal the model's and the books pass CheckInvariants.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>

#include "tests/ledger/ledger_fixture.h"

namespace smsgw::store {
namespace {

using By = AccountRef::By;

class LedgerPropertyTest : public LedgerTest {
 protected:
  uint64_t Seed() const {
    const char* env = std::getenv("SMSGW_LEDGER_SEED");
    return env ? std::strtoull(env, nullptr, 10) : 20240601;
  }
};

TEST_F(LedgerPropertyTest, RandomSequencesConserveMoney) {
  fees_.transfer = 30;
  fees_.bill_pay = 10;
  fees_.withdraw = 55;
  limits_.withdrawal_code_ttl = 3'600;
  Reopen();
  const uint64_t seed = Seed();
  SCOPED_TRACE("SMSGW_LEDGER_SEED=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  auto pick = [&rng](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };

  std::vector<std::string> subs;
  std::map<std::string, int64_t> model;  // by account key: msisdn, "agent", "KPLC", system names
  for (int i = 0; i < 6; ++i) {
    std::string msisdn = "2547100000" + std::to_string(10 + i);
    int64_t opening = pick(0, 50'000);
    AddSubscriber(msisdn, opening);
    subs.push_back(msisdn);
    model[msisdn] = opening;
    model["float"] -= opening;
  }
  AddAgent("777777", "254710000099", 0);
  AddBiller("KPLC");
  struct Code {
    std::string recipient, code;
    int64_t amount, expires_at;
    std::string sender;
  };
  std::vector<Code> open_codes;

  auto debit = [&](const std::string& payer, const std::string& payee, int64_t amount,
                   int64_t fee) {
    model[payer] -= amount + fee;
    model[payee] += amount;
    model["fees"] += fee;
  };

  constexpr int kSteps = 400;
  int accepted = 0;
  for (int step = 0; step < kSteps; ++step) {
    const std::string& from = subs[pick(0, subs.size() - 1)];
    const int64_t amount = pick(1, 8'000);
    const std::string pin = pick(0, 9) == 0 ? "9999" : "1234";
    Result<LedgerReceipt> r = Status::Internal("no step");
    int64_t fee = 0;
    const int64_t kind = pick(0, 7);
    switch (kind) {
      case 0:
      case 1: {
        const std::string& to = subs[pick(0, subs.size() - 1)];
        fee = fees_.transfer;
        r = ledger_->Transfer(Next(), from, pin, to, amount);
        if (r.ok() && r->accepted) debit(from, to, amount, fee);
        break;
      }
      case 2: {
        std::string stranger = "2547900000" + std::to_string(pick(10, 30));
        fee = fees_.transfer;
        r = ledger_->Transfer(Next(), from, pin, stranger, amount);
        if (r.ok() && r->accepted) {
          debit(from, "holding", amount, fee);
          open_codes.push_back(
              {stranger, r->withdrawal_code, amount, r->withdrawal_expires_at, from});
        }
        break;
      }
      case 3:
        fee = fees_.bill_pay;
        r = ledger_->PayBill(Next(), from, pin, "KPLC", "REF" + std::to_string(step), amount);
        if (r.ok() && r->accepted) debit(from, "KPLC", amount, fee);
        break;
      case 4:
        fee = fees_.withdraw;
        r = ledger_->Withdraw(Next(), from, pin, "777777", amount);
        if (r.ok() && r->accepted) debit(from, "agent", amount, fee);
        break;
      case 5:
        r = ledger_->TopUpAirtime(Next(), from, pin, "", amount);
        if (r.ok() && r->accepted) debit(from, "airtime", amount, 0);
        break;
      case 7:  // a deposit keeps money flowing
        r = ledger_->Credit("dep-" + std::to_string(step), {By::kMsisdn, from}, amount, "cash");
        if (r.ok() && r->accepted) debit("float", from, amount, 0);
        break;
      case 6: {
        if (open_codes.empty()) continue;
        size_t i = pick(0, open_codes.size() - 1);
        Code c = open_codes[i];
        r = ledger_->CashOut(Next(), "254710000099", "1234", c.recipient, c.code);
        if (r.ok() && r->accepted) {
          model["holding"] -= c.amount;
          model["agent"] += c.amount;
          open_codes.erase(open_codes.begin() + i);  // an expired one stays, to be reversed
        }
        break;
      }
    }
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    if (r->accepted) ++accepted;
    if (r->accepted && kind != 6) {
      EXPECT_EQ(r->balance, model[from]);  // the new balance the subscriber is told
    }
    if (r->reason == ledger_reason::kInsufficientFunds) {
      EXPECT_LT(model[from], amount + fee);  // refused only when the model agrees
    }
    if (pick(0, 19) == 0) {  // time passes; expired codes go back to their senders
      now_ += pick(60, 2'000);
      auto reversed = ledger_->ReverseExpiredWithdrawals();
      ASSERT_TRUE(reversed.ok());
      int expected = 0;
      for (auto it = open_codes.begin(); it != open_codes.end();) {
        if (it->expires_at <= now_) {
          model["holding"] -= it->amount;
          model[it->sender] += it->amount;
          ++expected;
          it = open_codes.erase(it);
        } else {
          ++it;
        }
      }
      EXPECT_EQ(*reversed, expected);
    }
    ASSERT_EQ(SumOfBalances(), 0) << "step " << step;
  }
  EXPECT_GT(accepted, kSteps / 4);  // the sequence did move money

  for (const std::string& s : subs) EXPECT_EQ(BalanceOf(s), model[s]) << s;
  EXPECT_EQ(BalanceOf({By::kAgentNumber, "777777"}), model["agent"]);
  EXPECT_EQ(BalanceOf({By::kBiller, "KPLC"}), model["KPLC"]);
  for (auto name : {"float", "fees", "airtime", "holding"}) {
    EXPECT_EQ(SystemBalance(name), model[name]) << name;
  }
  Status check = ledger_->CheckInvariants();
  EXPECT_TRUE(check.ok()) << check.ToString();
}

}  // namespace
}  // namespace smsgw::store
