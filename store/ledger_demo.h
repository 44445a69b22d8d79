// The demo data set behind `make run` and `smsgw ledger seed-demo` (listed in docs/ledger.md).
// Exposed as data so that what is printed for a newcomer (the phone console's banner) is the
// same list that is seeded, never a second copy.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "conf/status.h"
#include "store/ledger.h"

namespace smsgw::store {

// Every demo account's PIN. Printed on purpose: the demo data is public.
inline constexpr std::string_view kDemoPin = "1234";

struct DemoAccount {
  NewAccount account;
  AccountRef ref;
  int64_t opening_balance = 0;  // minor units
  bool with_pin = false;        // kDemoPin is set
};

// Subscribers (bound to a phone, and one unbound for trying REG), agents, billers; in that
// order.
const std::vector<DemoAccount>& DemoAccounts();

// Creates what is missing of the demo accounts, PINs and opening balances. Idempotent: running
// it again changes nothing (accounts are found by MSISDN or handle, PINs are set only where
// none is, opening credits carry fixed instruction ids). Never use it on a production ledger:
// every demo PIN is 1234.
Status SeedDemoLedger(Ledger& ledger);

}  // namespace smsgw::store
