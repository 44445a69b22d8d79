// A fresh ledger in a temporary directory with a test clock, and helpers to open accounts.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "store/crypto.h"
#include "store/ledger.h"
#include "store/ledger_keys.h"

namespace smsgw::store {

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "smsgw-ledger-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto key = LoadOrCreateKeyFile(Path("pepper.key"), true);
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    auto keys = LedgerKeys::FromPepper(*key);
    ASSERT_TRUE(keys.ok());
    keys_ = *keys;
    ledger_ = OpenLedger();
    ASSERT_NE(ledger_, nullptr);
  }

  void TearDown() override {
    ledger_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  LedgerOptions Options() {
    LedgerOptions o;
    o.path = Path("ledger.db");
    o.clock = [this] { return now_; };
    o.limits = limits_;
    o.fees = fees_;
    return o;
  }

  // Another connection to the same database (as another thread would have).
  std::unique_ptr<Ledger> OpenLedger() {
    auto l = Ledger::Open(Options(), keys_);
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    return l.ok() ? std::move(l).value() : nullptr;
  }

  // Reopens the main connection, e.g. after changing limits_ or fees_.
  void Reopen() {
    ledger_.reset();
    ledger_ = OpenLedger();
    ASSERT_NE(ledger_, nullptr);
  }

  // An instruction envelope whose payload hash is derived from `payload`: the same payload
  // gives the same hash.
  InstructionRef Ref(const std::string& id, const std::string& payload = "p") {
    return {id, keys_->PayloadHash(payload)};
  }
  InstructionRef Next() {
    const std::string n = std::to_string(++counter_);
    return Ref("i-" + n, n);
  }

  AccountInfo AddSubscriber(const std::string& msisdn, int64_t balance,
                            const std::string& pin = "1234", const std::string& number = "") {
    NewAccount a;
    a.msisdn = msisdn;
    a.name = "SUB " + msisdn;
    a.account_number = number;
    return Add(a, {AccountRef::By::kMsisdn, msisdn}, balance, pin);
  }

  AccountInfo AddAgent(const std::string& number, const std::string& msisdn, int64_t balance,
                       const std::string& pin = "1234") {
    NewAccount a;
    a.kind = AccountKind::kAgent;
    a.handle = number;
    a.msisdn = msisdn;
    a.name = "AGENT SHOP";
    return Add(a, {AccountRef::By::kAgentNumber, number}, balance, pin);
  }

  AccountInfo AddBiller(const std::string& handle) {
    NewAccount a;
    a.kind = AccountKind::kBiller;
    a.handle = handle;
    a.name = handle + " LTD";
    return Add(a, {AccountRef::By::kBiller, handle}, 0, "");
  }

  int64_t BalanceOf(const AccountRef& ref) {
    auto info = ledger_->GetAccount(ref);
    EXPECT_TRUE(info.ok()) << info.status().ToString();
    return info.ok() ? info->balance : INT64_MIN;
  }
  int64_t BalanceOf(const std::string& msisdn) {
    return BalanceOf({AccountRef::By::kMsisdn, msisdn});
  }
  int64_t SystemBalance(std::string_view name) {
    return BalanceOf({AccountRef::By::kSystem, std::string(name)});
  }

  int64_t SumOfBalances() {
    auto all = ledger_->ListAccounts();
    EXPECT_TRUE(all.ok());
    int64_t sum = 0;
    for (const auto& a : *all) sum += a.balance;
    return sum;
  }

  std::filesystem::path dir_;
  std::shared_ptr<const LedgerKeys> keys_;
  std::unique_ptr<Ledger> ledger_;
  LedgerLimits limits_;
  LedgerFees fees_;
  int64_t now_ = 1'700'000'000;
  int counter_ = 0;

 private:
  AccountInfo Add(const NewAccount& a, const AccountRef& ref, int64_t balance,
                  const std::string& pin) {
    auto info = ledger_->CreateAccount(a);
    EXPECT_TRUE(info.ok()) << info.status().ToString();
    if (!pin.empty()) {
      EXPECT_TRUE(ledger_->SetPin(ref, pin).ok());
    }
    if (balance > 0) {
      auto r = ledger_->Credit("opening-" + ref.value, ref, balance, "opening");
      EXPECT_TRUE(r.ok() && r->accepted);
    }
    auto out = ledger_->GetAccount(ref);
    EXPECT_TRUE(out.ok());
    return out.ok() ? *out : AccountInfo{};
  }
};

}  // namespace smsgw::store
