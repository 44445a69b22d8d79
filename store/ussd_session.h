// The store's copy of live USSD dialogues, so a restart resumes them (or at least ends them
// cleanly). The dialogue itself lives in the daemon's memory; each turn writes its state here
// in the same transaction as the rest of the turn's Effects, so "instruction created and
// dialogue closed" is one commit.
//
// The state is opaque to the store (commands::UssdState::Encode) and may hold a PIN and an
// account number: it is sealed (AES-256-GCM, the row's key in the associated data) and never
// leaves the store in clear except through LoadUssdSessions.
#pragma once

#include <cstdint>
#include <string>

#include "store/crypto.h"

namespace smsgw::store {

// Written by Apply (Effects::ussd_session). One live dialogue per MSISDN: writing a dialogue
// removes any other one of the same MSISDN in the same transaction.
struct UssdSessionWrite {
  std::string key;  // connection + MSISDN + the network's dialogue id, composed by the caller
  std::string msisdn;
  std::string connection;
  bool erase = false;      // the dialogue ended: delete the row (no error when none exists)
  std::string state;       // sealed at rest; ignored when erase
  int64_t expires_at = 0;  // unix ms; later than now unless erase
};

// A live dialogue as LoadUssdSessions returns it.
struct UssdSessionRecord {
  std::string key;
  std::string msisdn;
  std::string connection;
  SecretBytes state;  // opened
  int64_t expires_at = 0;
  int64_t updated_at = 0;
};

inline constexpr std::string_view kEventUssdSessionExpired = "ussd.expired";

}  // namespace smsgw::store
