#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "tests/ledger/ledger_fixture.h"

namespace smsgw::store {
namespace {

using By = AccountRef::By;

constexpr char kAlice[] = "254700000001";
constexpr char kBob[] = "254700000002";
constexpr char kNewPhone[] = "254700000009";

TEST_F(LedgerTest, WrongPinIsRefusedAndCounted) {
  AddSubscriber(kAlice, 10'000);
  AddSubscriber(kBob, 0);
  auto r = ledger_->Transfer(Next(), kAlice, "9999", kBob, 1'000);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->accepted);
  EXPECT_EQ(r->reason, ledger_reason::kWrongPin);
  EXPECT_TRUE(r->transaction_code.empty());
  EXPECT_EQ(BalanceOf(kAlice), 10'000);
  // Not a PIN at all: refused the same way, never an error that tells the forms apart.
  auto junk = ledger_->Transfer(Next(), kAlice, "12a4", kBob, 1'000);
  ASSERT_TRUE(junk.ok());
  EXPECT_EQ(junk->reason, ledger_reason::kWrongPin);
}

TEST_F(LedgerTest, ConsecutiveWrongPinsLockTheAccountUntilUnlocked) {
  AddSubscriber(kAlice, 10'000);
  for (int i = 1; i < limits_.max_pin_failures; ++i) {
    ASSERT_EQ(ledger_->VerifyPin(Next(), kAlice, "0000")->reason, ledger_reason::kWrongPin);
  }
  auto last = ledger_->VerifyPin(Next(), kAlice, "0000");
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->reason, ledger_reason::kAccountLocked);
  EXPECT_EQ(last->detail, "pin_failures");
  EXPECT_EQ(ledger_->VerifyPin(Next(), kAlice, "1234")->reason, ledger_reason::kAccountLocked);
  ASSERT_TRUE(ledger_->Unlock({By::kMsisdn, kAlice}).ok());
  EXPECT_TRUE(ledger_->VerifyPin(Next(), kAlice, "1234")->accepted);
}

TEST_F(LedgerTest, RightPinClearsTheFailureCount) {
  AddSubscriber(kAlice, 10'000);
  for (int round = 0; round < 3; ++round) {
    for (int i = 1; i < limits_.max_pin_failures; ++i) {
      ASSERT_EQ(ledger_->VerifyPin(Next(), kAlice, "0000")->reason, ledger_reason::kWrongPin);
    }
    ASSERT_TRUE(ledger_->VerifyPin(Next(), kAlice, "1234")->accepted);
  }
}

TEST_F(LedgerTest, LockedAccountRefusesEverythingButLock) {
  AddSubscriber(kAlice, 10'000);
  AddSubscriber(kBob, 0);
  auto lock = ledger_->Lock(Next(), kAlice);
  ASSERT_TRUE(lock.ok() && lock->accepted);
  EXPECT_TRUE(ledger_->Lock(Next(), kAlice)->accepted);  // again: still fine
  EXPECT_EQ(ledger_->Transfer(Next(), kAlice, "1234", kBob, 100)->reason,
            ledger_reason::kAccountLocked);
  EXPECT_EQ(ledger_->Balance(Next(), kAlice, "1234")->reason, ledger_reason::kAccountLocked);
  EXPECT_EQ(ledger_->ChangePin(Next(), kAlice, "1234", "5831")->reason,
            ledger_reason::kAccountLocked);
  EXPECT_EQ(BalanceOf(kAlice), 10'000);
  EXPECT_EQ(ledger_->Lock(Next(), "254711111111")->reason, ledger_reason::kNotRegistered);
}

TEST_F(LedgerTest, ChangePin) {
  AddSubscriber(kAlice, 0);
  EXPECT_EQ(ledger_->ChangePin(Next(), kAlice, "9999", "5831")->reason, ledger_reason::kWrongPin);
  EXPECT_EQ(ledger_->ChangePin(Next(), kAlice, "1234", "58")->reason, ledger_reason::kInvalidPin);
  EXPECT_EQ(ledger_->ChangePin(Next(), kAlice, "1234", "58a1")->reason, ledger_reason::kInvalidPin);
  for (const char* weak : {"1111", "4567", "987654", "0123"}) {
    EXPECT_EQ(ledger_->ChangePin(Next(), kAlice, "1234", weak)->reason, ledger_reason::kWeakPin)
        << weak;
  }
  auto ok = ledger_->ChangePin(Next(), kAlice, "1234", "5831");
  ASSERT_TRUE(ok.ok() && ok->accepted);
  EXPECT_EQ(ledger_->VerifyPin(Next(), kAlice, "1234")->reason, ledger_reason::kWrongPin);
  EXPECT_TRUE(ledger_->VerifyPin(Next(), kAlice, "5831")->accepted);
  EXPECT_EQ(ledger_->ChangePin(Next(), kAlice, "5831", "5831")->detail, "unchanged");
}

TEST_F(LedgerTest, AccountWithoutPinCannotAct) {
  NewAccount a;
  a.msisdn = kAlice;
  a.name = "NO PIN";
  ASSERT_TRUE(ledger_->CreateAccount(a).ok());
  EXPECT_EQ(ledger_->Balance(Next(), kAlice, "1234")->reason, ledger_reason::kPinNotSet);
}

TEST_F(LedgerTest, BindNeedsTheAccountsPin) {
  NewAccount a;
  a.name = "UNBOUND";
  a.account_number = "4400112233";
  ASSERT_TRUE(ledger_->CreateAccount(a).ok());
  ASSERT_TRUE(ledger_->SetPin({By::kAccountNumber, "4400112233"}, "2580").ok());

  EXPECT_EQ(ledger_->Bind(Next(), kNewPhone, "4400112299", "2580")->reason,
            ledger_reason::kUnknownAccount);
  EXPECT_EQ(ledger_->Bind(Next(), kNewPhone, "4400112233", "1111")->reason,
            ledger_reason::kWrongPin);
  auto bound = ledger_->Bind(Next(), kNewPhone, "4400112233", "2580");
  ASSERT_TRUE(bound.ok() && bound->accepted) << bound->reason;
  EXPECT_EQ(bound->account_masked, "******2233");
  EXPECT_TRUE(bound->counterparty_msisdn.empty());
  EXPECT_TRUE(ledger_->Balance(Next(), kNewPhone, "2580")->accepted);
}

TEST_F(LedgerTest, RebindingMovesTheAccountAndNamesTheOldPhone) {
  AddSubscriber(kAlice, 5'000, "2580", "4400112233");
  auto moved = ledger_->Bind(Next(), kNewPhone, "4400112233", "2580");
  ASSERT_TRUE(moved.ok() && moved->accepted);
  EXPECT_EQ(moved->counterparty_msisdn, kAlice);
  EXPECT_EQ(ledger_->Balance(Next(), kAlice, "2580")->reason, ledger_reason::kNotRegistered);
  EXPECT_EQ(ledger_->Balance(Next(), kNewPhone, "2580")->balance, 5'000);
}

TEST_F(LedgerTest, OnePhoneHoldsOneAccount) {
  AddSubscriber(kAlice, 0, "2580", "4400112233");
  AddSubscriber(kBob, 0, "3690", "5500112233");
  auto r = ledger_->Bind(Next(), kAlice, "5500112233", "3690");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->reason, ledger_reason::kAlreadyRegistered);
  EXPECT_TRUE(ledger_->Balance(Next(), kBob, "3690")->accepted);  // Bob's binding unchanged
}

TEST_F(LedgerTest, CreateAccountRefusesDuplicatesAndBadForms) {
  AddSubscriber(kAlice, 0, "1234", "4400112233");
  NewAccount dup;
  dup.name = "DUP";
  dup.msisdn = kAlice;
  EXPECT_TRUE(ledger_->CreateAccount(dup).status().IsAlreadyExists());
  dup.msisdn = "";
  dup.account_number = "4400112233";
  auto same_number = ledger_->CreateAccount(dup);
  EXPECT_TRUE(same_number.status().IsAlreadyExists());
  EXPECT_EQ(same_number.status().message().find("4400112233"), std::string::npos);
  NewAccount bad;
  bad.name = "BAD";
  bad.msisdn = "07123";
  EXPECT_TRUE(ledger_->CreateAccount(bad).status().IsInvalidArgument());
  bad.msisdn = "";
  bad.kind = AccountKind::kBiller;
  bad.handle = "kplc";
  EXPECT_TRUE(ledger_->CreateAccount(bad).status().IsInvalidArgument());
  bad.kind = AccountKind::kAgent;
  bad.handle = "123456";
  EXPECT_TRUE(ledger_->CreateAccount(bad).status().IsInvalidArgument());  // no MSISDN
}

TEST_F(LedgerTest, AnotherPepperIsRefused) {
  ledger_.reset();
  auto other = Key::FromBytes(std::string(kKeySize, 'x'));
  ASSERT_TRUE(other.ok());
  auto keys = LedgerKeys::FromPepper(*other);
  ASSERT_TRUE(keys.ok());
  auto l = Ledger::Open(Options(), *keys);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.status().code(), Status::Code::kFailedPrecondition);
}

// Ledgers already on disk hold these hashes: whatever computes them must give the same bytes,
// HMAC-SHA256 under the pepper for PINs and under its HKDF subkeys for the rest.
TEST(LedgerKeysTest, HashesAreTheDocumentedHmacs) {
  auto pepper = Key::FromBytes(std::string(kKeySize, 'p'));
  ASSERT_TRUE(pepper.ok());
  auto keys = LedgerKeys::FromPepper(*pepper);
  ASSERT_TRUE(keys.ok());
  auto subkey = [&](std::string label) {
    label.push_back('\x01');
    return std::string(DigestBytes(HmacSha256(pepper->bytes(), label)));
  };
  const std::string lookup = subkey("smsgw ledger lookup v1");
  const std::string request = subkey("smsgw ledger request v1");
  for (int round = 0; round < 2; ++round) {  // the second time through prepared keys
    EXPECT_EQ((*keys)->PinHash("salt", "1234"), HmacSha256(pepper->bytes(), "salt1234"));
    EXPECT_EQ((*keys)->AccountNumberHash("1000200030"), HmacSha256(lookup, "account:1000200030"));
    EXPECT_EQ((*keys)->WithdrawalCodeHash(kAlice, "123456"),
              HmacSha256(lookup, std::string("withdrawal:") + kAlice + ":123456"));
    EXPECT_EQ((*keys)->PayloadHash("{\"amount\":10}"), HmacSha256(request, "{\"amount\":10}"));
  }
  EXPECT_NE((*keys)->PinHash("salt", "1234"), (*keys)->PinHash("salt", "1235"));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The database and its WAL and shared-memory files, as they are on disk.
std::string DiskBytes(const std::string& db) {
  std::string all;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) all += ReadFile(db + suffix);
  return all;
}

TEST_F(LedgerTest, NoPinAccountNumberOrWithdrawalCodeInClearOnDisk) {
  // Digit strings that cannot occur by chance in this test's clear data: the PIN holds 0 and 1,
  // which transaction codes never use, and none of them is part of an MSISDN used here.
  const std::string pin = "816390";
  const std::string number = "7391046285";
  const std::string new_pin = "502817";
  AddSubscriber(kAlice, 1'000'000, pin, number);
  AddSubscriber(kBob, 0, pin);
  AddAgent("123456", "254700000100", 0, pin);
  ASSERT_TRUE(ledger_->Bind(Next(), kAlice, number, pin)->accepted);
  ASSERT_TRUE(ledger_->Transfer(Next(), kAlice, pin, kBob, 10'000)->accepted);
  auto sent = ledger_->Transfer(Next(), kAlice, pin, "254733333333", 10'000);
  ASSERT_TRUE(sent.ok() && sent->accepted);
  const std::string code = sent->withdrawal_code;
  auto second = ledger_->Transfer(Next(), kAlice, pin, "254744444444", 10'000);
  ASSERT_TRUE(second.ok() && second->accepted);
  ASSERT_TRUE(ledger_->CashOut(Next(), "254700000100", pin, "254733333333", code)->accepted);
  ASSERT_TRUE(ledger_->Statement(Next(), kAlice, pin)->accepted);
  ASSERT_TRUE(ledger_->ChangePin(Next(), kBob, pin, new_pin)->accepted);
  ASSERT_TRUE(ledger_->VerifyPin(Next(), kAlice, "390816")->reason == ledger_reason::kWrongPin);

  const std::string db = Path("ledger.db");
  for (int pass = 0; pass < 2; ++pass) {
    SCOPED_TRACE(pass == 0 ? "open, WAL in use" : "closed, checkpointed");
    const std::string bytes = DiskBytes(db);
    ASSERT_GT(bytes.size(), 4096u);
    // The scan can see clear text: the MSISDN is stored in clear on purpose.
    EXPECT_NE(bytes.find(kAlice), std::string::npos);
    EXPECT_EQ(bytes.find(pin), std::string::npos) << "PIN in clear";
    EXPECT_EQ(bytes.find(new_pin), std::string::npos) << "new PIN in clear";
    EXPECT_EQ(bytes.find("390816"), std::string::npos) << "wrong PIN in clear";
    EXPECT_EQ(bytes.find(number), std::string::npos) << "account number in clear";
    EXPECT_EQ(bytes.find(code), std::string::npos) << "used withdrawal code in clear";
    EXPECT_EQ(bytes.find(second->withdrawal_code), std::string::npos) << "open code in clear";
    ledger_.reset();
  }
}

TEST_F(LedgerTest, DatabaseFilesAreOwnerOnly) {
  AddSubscriber(kAlice, 1'000);
  for (const char* suffix : {"", "-wal"}) {
    auto perms = std::filesystem::status(Path("ledger.db") + suffix).permissions();
    EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
              std::filesystem::perms::none)
        << suffix;
  }
}

}  // namespace
}  // namespace smsgw::store
