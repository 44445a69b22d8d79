// The demo data set behind `make run` and `smsgw ledger seed-demo` (listed in docs/ledger.md).
#pragma once

#include "conf/status.h"
#include "store/ledger.h"

namespace smsgw::store {

// Creates what is missing of the demo accounts, PINs and opening balances. Idempotent: running
// it again changes nothing (accounts are found by MSISDN or handle, PINs are set only where
// none is, opening credits carry fixed instruction ids). Never use it on a production ledger:
// every demo PIN is 1234.
Status SeedDemoLedger(Ledger& ledger);

}  // namespace smsgw::store
