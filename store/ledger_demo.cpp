#include "store/ledger_demo.h"

namespace smsgw::store {

const std::vector<DemoAccount>& DemoAccounts() {
  using By = AccountRef::By;
  using K = AccountKind;
  static const std::vector<DemoAccount> kAccounts = {
      {{K::kSubscriber, "", "254700000001", "AMINA WANJIKU", "1000000001", 0},
       {By::kAccountNumber, "1000000001"},
       1'000'000,
       true},
      {{K::kSubscriber, "", "254700000002", "BRIAN OTIENO", "1000000002", 0},
       {By::kAccountNumber, "1000000002"},
       1'000'000,
       true},
      {{K::kSubscriber, "", "254700000003", "CAROL MUTUA", "1000000003", 0},
       {By::kAccountNumber, "1000000003"},
       1'000'000,
       true},
      // Not bound to a phone: for trying `REG 1000000004` from 254700000004.
      {{K::kSubscriber, "", "", "DAVID KAMAU", "1000000004", 0},
       {By::kAccountNumber, "1000000004"},
       500'000,
       true},
      {{K::kAgent, "123456", "254700000100", "JUMA SHOP", "", 0},
       {By::kAgentNumber, "123456"},
       5'000'000,
       true},
      {{K::kAgent, "654321", "254700000101", "MAMA MBOGA STORES", "", 0},
       {By::kAgentNumber, "654321"},
       2'000'000,
       true},
      {{K::kBiller, "KPLC", "", "Kenya Power", "", 0}, {By::kBiller, "KPLC"}, 0, false},
      {{K::kBiller, "NAIROBI_WATER", "", "Nairobi Water", "", 0},
       {By::kBiller, "NAIROBI_WATER"},
       0,
       false},
  };
  return kAccounts;
}

Status SeedDemoLedger(Ledger& ledger) {
  for (const DemoAccount& demo : DemoAccounts()) {
    Result<AccountInfo> created = ledger.CreateAccount(demo.account);
    if (!created.ok() && !created.status().IsAlreadyExists()) return created.status();
    Result<AccountInfo> info = ledger.GetAccount(demo.ref);
    if (!info.ok()) return info.status();
    if (demo.with_pin && !info->has_pin) {
      Status s = ledger.SetPin(demo.ref, kDemoPin);
      if (!s.ok()) return s;
    }
    if (demo.opening_balance > 0) {
      std::string id = "demo-opening-" + std::string(demo.account.account_number.empty()
                                                         ? demo.account.handle
                                                         : demo.account.account_number);
      Result<LedgerReceipt> r =
          ledger.Credit(id, demo.ref, demo.opening_balance, "demo opening balance");
      if (!r.ok()) return r.status();
      if (!r->accepted) return Status::Internal("demo credit refused: " + r->reason);
    }
  }
  return Status::OK();
}

}  // namespace smsgw::store
