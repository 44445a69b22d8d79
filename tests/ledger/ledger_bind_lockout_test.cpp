// Binds from phones other than the account's own: their wrong PINs are counted per phone and
// can never lock the account (a stranger who knows an account number cannot lock its owner
// out), while many phones guessing together are still stopped.
#include <gtest/gtest.h>

#include "tests/ledger/ledger_fixture.h"

namespace smsgw::store {
namespace {

using By = AccountRef::By;

constexpr char kOwner[] = "254700000001";
constexpr char kStranger[] = "254700000066";
constexpr char kNumber[] = "4400112233";
constexpr char kPin[] = "2580";

std::string Phone(int i) {
  return "2547001000" + std::to_string(10 + i);
}

class BindLockoutTest : public LedgerTest {
 protected:
  void SetUp() override {
    LedgerTest::SetUp();
    AddSubscriber(kOwner, 10'000, kPin, kNumber);
  }
  LedgerReceipt Bind(const std::string& from, const std::string& pin) {
    auto r = ledger_->Bind(Next(), from, kNumber, pin);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : LedgerReceipt{};
  }
};

TEST_F(BindLockoutTest, AStrangersWrongPinsNeverLockTheAccount) {
  for (int i = 0; i < 3 * limits_.max_pin_failures; ++i) {
    ASSERT_EQ(Bind(kStranger, "0000").reason, ledger_reason::kWrongPin) << i;
  }
  // The owner's account still works from the owner's phone, with no failure counted on it.
  EXPECT_TRUE(ledger_->Balance(Next(), kOwner, kPin)->accepted);
  EXPECT_FALSE(ledger_->GetAccount({By::kMsisdn, kOwner})->locked);
  for (int i = 1; i < limits_.max_pin_failures; ++i) {
    ASSERT_EQ(ledger_->VerifyPin(Next(), kOwner, "0000")->reason, ledger_reason::kWrongPin);
  }
  EXPECT_TRUE(ledger_->VerifyPin(Next(), kOwner, kPin)->accepted)
      << "the owner's own count started at zero";
}

TEST_F(BindLockoutTest, APhoneThatGuessesIsStoppedWithoutItsPinBeingTested) {
  for (int i = 0; i < limits_.max_pin_failures; ++i) {
    ASSERT_EQ(Bind(kStranger, "0000").reason, ledger_reason::kWrongPin);
  }
  LedgerReceipt right = Bind(kStranger, kPin);
  EXPECT_FALSE(right.accepted) << "the right PIN, but this phone has guessed enough";
  EXPECT_EQ(right.reason, ledger_reason::kWrongPin);
  EXPECT_EQ(right.detail, "bind_failures");
  // Another phone is not held back by it.
  EXPECT_TRUE(Bind(Phone(1), kPin).accepted);
}

TEST_F(BindLockoutTest, ManyPhonesGuessingTogetherAreStoppedToo) {
  const int per_phone = limits_.max_pin_failures - 1;
  int spent = 0;
  for (int p = 0; spent < limits_.max_bind_failures; ++p) {
    for (int i = 0; i < per_phone && spent < limits_.max_bind_failures; ++i, ++spent) {
      ASSERT_EQ(Bind(Phone(p), "0000").reason, ledger_reason::kWrongPin);
    }
  }
  LedgerReceipt fresh = Bind(Phone(50), kPin);
  EXPECT_FALSE(fresh.accepted) << "binding the account to new phones waits";
  EXPECT_EQ(fresh.detail, "bind_failures");
  EXPECT_TRUE(ledger_->Balance(Next(), kOwner, kPin)->accepted) << "the account itself works";
  EXPECT_FALSE(ledger_->GetAccount({By::kMsisdn, kOwner})->locked);

  now_ += 86400 + 1;  // a day later the failures are forgotten
  EXPECT_TRUE(Bind(Phone(50), kPin).accepted);
}

TEST_F(BindLockoutTest, ARightPinClearsThePhonesCount) {
  for (int round = 0; round < 3; ++round) {
    for (int i = 1; i < limits_.max_pin_failures; ++i) {
      ASSERT_EQ(Bind(kStranger, "0000").reason, ledger_reason::kWrongPin);
    }
    ASSERT_TRUE(Bind(kStranger, kPin).accepted);
    ASSERT_TRUE(ledger_->Bind(Next(), kOwner, kNumber, kPin)->accepted);  // and back
  }
}

TEST_F(BindLockoutTest, UnlockClearsTheFailedBinds) {
  for (int i = 0; i < limits_.max_pin_failures; ++i) Bind(kStranger, "0000");
  ASSERT_EQ(Bind(kStranger, kPin).detail, "bind_failures");
  ASSERT_TRUE(ledger_->Unlock({By::kMsisdn, kOwner}).ok());
  EXPECT_TRUE(Bind(kStranger, kPin).accepted);
}

// From its own phone the owner answers for the account's own count, as for any operation.
TEST_F(BindLockoutTest, TheOwnersOwnPhoneCountsOnTheAccount) {
  for (int i = 1; i < limits_.max_pin_failures; ++i) {
    ASSERT_EQ(ledger_->Bind(Next(), kOwner, kNumber, "0000")->reason, ledger_reason::kWrongPin);
  }
  auto last = ledger_->Bind(Next(), kOwner, kNumber, "0000");
  EXPECT_EQ(last->reason, ledger_reason::kAccountLocked);
  EXPECT_EQ(last->detail, "pin_failures");
}

// A locked account's bind from another phone names the account's own phone, so the gateway
// can tell its owner; the phone that tried is never told (the gateway answers it as for a
// wrong PIN).
TEST_F(BindLockoutTest, ALockedAccountsBindNamesItsOwnPhone) {
  ASSERT_TRUE(ledger_->Lock(Next(), kOwner)->accepted);
  LedgerReceipt r = Bind(kStranger, kPin);
  EXPECT_EQ(r.reason, ledger_reason::kAccountLocked);
  EXPECT_EQ(r.counterparty_msisdn, kOwner);
  EXPECT_EQ(r.account_masked, "******2233");
  LedgerReceipt wrong = Bind(kStranger, "0000");
  EXPECT_EQ(wrong.reason, ledger_reason::kAccountLocked) << "the PIN is not tested when locked";
}

}  // namespace
}  // namespace smsgw::store
