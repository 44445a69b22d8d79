#include "commands/store_view.h"

#include "store/store.h"

namespace smsgw::commands {

Result<std::optional<store::Challenge>> StoreViewAdapter::FindChallenge(std::string_view msisdn,
                                                                        std::string_view code) {
  Result<store::Challenge> c = store_.FindChallenge(msisdn, code);
  if (c.ok()) return std::optional<store::Challenge>(std::move(*c));
  if (c.status().IsNotFound()) return std::optional<store::Challenge>();
  return c.status();
}

Result<int64_t> StoreViewAdapter::CountEvents(std::string_view msisdn, std::string_view event,
                                              int64_t since_ms) {
  return store_.CountEvents(msisdn, event, since_ms);
}

Result<int64_t> StoreViewAdapter::LockedUntil(std::string_view msisdn) {
  return store_.LockedUntil(msisdn);
}

Result<bool> StoreViewAdapter::NoticesStopped(std::string_view msisdn) {
  return store_.NoticesStopped(msisdn);
}

Result<std::optional<store::ResendMatch>> StoreViewAdapter::FindResend(std::string_view source,
                                                                       std::string_view command,
                                                                       int64_t received_at) {
  return store_.FindResend(source, command, received_at);
}

Result<bool> StoreViewAdapter::ReferenceTaken(std::string_view reference) {
  return store_.InstructionReferenceTaken(reference);
}

}  // namespace smsgw::commands
