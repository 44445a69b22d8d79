// Opening what the daemon owns, from a validated configuration: keys, the store, the backend
// and the commands engine. Each failure is a Status that names the part and the file, never a
// key.
#pragma once

#include <memory>
#include <string>

#include "commands/backend_port.h"
#include "commands/embedded_backend.h"
#include "commands/engine.h"
#include "conf/gateway_config.h"
#include "conf/status.h"
#include "parser/grammar.h"
#include "store/store.h"

namespace smsgw::gateway {

// The store's options from the configuration (path, key ring, durability, windows, retry
// policies). `keys` comes from the store key file.
Result<store::Options> StoreOptionsFor(const conf::GatewayConfig& config);

Result<std::unique_ptr<store::Store>> OpenStore(const conf::GatewayConfig& config);

// The embedded ledger (seeded with the demo data when the config asks). HTTP backends are
// built on the io_context and are not opened here.
Result<std::unique_ptr<commands::EmbeddedBackend>> OpenEmbeddedBackend(
    const conf::GatewayConfig& config);

// The grammar file, or FailedPrecondition listing every error as FILE:LINE: message.
Result<std::shared_ptr<const parser::Grammar>> LoadGrammarOf(const conf::GatewayConfig& config);

// The commands engine for `grammar` under `config`'s limits and short codes' languages. Its
// dead-letter count and wording follow `backend`, which must be the one the daemon started with
// (the store's instruction retry policy and the backend client are built once, at start): a
// reload passes the reloaded file as `config` and the running backend section, never the
// reloaded file's.
Result<std::unique_ptr<commands::Engine>> MakeEngine(
    const conf::GatewayConfig& config, const conf::BackendConfig& backend,
    std::shared_ptr<const parser::Grammar> grammar);

// The admin bearer token (the token file's hex text).
Result<std::string> AdminToken(const conf::GatewayConfig& config);

}  // namespace smsgw::gateway
