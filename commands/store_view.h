// What the commands engine reads from the store, and nothing more: a narrow seam so the engine
// stays pure (no SQLite) and tests drive it with a fake. StoreViewAdapter forwards to the real
// store::Store; the daemon calls it on the Store's owning thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "conf/status.h"
#include "store/challenge.h"
#include "store/inbound.h"

namespace smsgw::store {
class Store;
}

namespace smsgw::commands {

class StoreView {
 public:
  virtual ~StoreView() = default;

  // The latest challenge issued to `msisdn` with `code`, in whatever state; nullopt when none.
  virtual Result<std::optional<store::Challenge>> FindChallenge(std::string_view msisdn,
                                                                std::string_view code) = 0;
  // Audit rows about `msisdn` with `event` at or after `since_ms`.
  virtual Result<int64_t> CountEvents(std::string_view msisdn, std::string_view event,
                                      int64_t since_ms) = 0;
  // Unix ms until which `msisdn` is locked; 0 when it is not locked.
  virtual Result<int64_t> LockedUntil(std::string_view msisdn) = 0;
  // Whether `msisdn` sent STOP: no bill notices or offers for it.
  virtual Result<bool> NoticesStopped(std::string_view msisdn) = 0;
  // An earlier message with the same normalised command inside the resend window.
  virtual Result<std::optional<store::ResendMatch>> FindResend(std::string_view source,
                                                               std::string_view command,
                                                               int64_t received_at) = 0;
  // Whether an instruction already has `reference` (a challenge's, minted before it).
  virtual Result<bool> ReferenceTaken(std::string_view reference) = 0;
};

class StoreViewAdapter final : public StoreView {
 public:
  explicit StoreViewAdapter(store::Store& store) : store_(store) {}

  Result<std::optional<store::Challenge>> FindChallenge(std::string_view msisdn,
                                                        std::string_view code) override;
  Result<int64_t> CountEvents(std::string_view msisdn, std::string_view event,
                              int64_t since_ms) override;
  Result<int64_t> LockedUntil(std::string_view msisdn) override;
  Result<bool> NoticesStopped(std::string_view msisdn) override;
  Result<std::optional<store::ResendMatch>> FindResend(std::string_view source,
                                                       std::string_view command,
                                                       int64_t received_at) override;
  Result<bool> ReferenceTaken(std::string_view reference) override;

 private:
  store::Store& store_;
};

}  // namespace smsgw::commands
