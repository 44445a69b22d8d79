// A ledger receipt as JSON, the plaintext of the sealed copy kept with each instruction for
// idempotent replay. Internal to store/ledger*.cpp.
#pragma once

#include <string>
#include <string_view>

#include "conf/status.h"
#include "store/ledger.h"

namespace smsgw::store {

// `replayed` is not encoded. The text may hold a withdrawal code: seal it, then Wipe it.
std::string EncodeReceipt(const LedgerReceipt& receipt);
// Corruption when the text is not a receipt.
Result<LedgerReceipt> DecodeReceipt(std::string_view json);

}  // namespace smsgw::store
