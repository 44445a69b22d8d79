#include "gateway/daemon/daemon_open.h"

#include <filesystem>

#include "commands/embedded_backend.h"
#include "conf/key_file.h"
#include "gateway/grammar_file.h"
#include "gateway/log.h"
#include "gateway/store_settings.h"
#include "store/ledger.h"
#include "store/ledger_demo.h"
#include "store/ledger_keys.h"
#include "store/options.h"

namespace smsgw::gateway {

Result<store::Options> StoreOptionsFor(const conf::GatewayConfig& config) {
  store::Options o = StoreOptionsFromConfig(config.store);
  o.mode = store::OpenMode::kDaemon;
  auto keys = StoreKeyRing(config.store, /*allow_create=*/true);
  if (!keys.ok()) return keys.status();
  o.keys = std::move(*keys);
  if (config.backend.type == conf::BackendType::kHttp) {
    const conf::HttpBackend& h = config.backend.http;
    o.instruction_retry.base_delay_ms = h.backoff_min.count();
    o.instruction_retry.max_delay_ms = h.backoff_max.count();
    o.instruction_retry.max_attempts = static_cast<int>(h.max_attempts);
  }
  return o;
}

Result<std::unique_ptr<store::Store>> OpenStore(const conf::GatewayConfig& config) {
  // The keys first: a missing key file is minted here when the config allows it.
  auto options = StoreOptionsFor(config);
  if (!options.ok()) return options.status();
  // A missing data directory is a volume not mounted or a wrong path: a new empty store there
  // would forget every acknowledged MO, challenge and instruction, so none is made.
  const std::filesystem::path path(config.store.path);
  std::error_code ec;
  if (!std::filesystem::is_directory(path.parent_path(), ec)) {
    return Status::FailedPrecondition("store directory " + path.parent_path().string() +
                                      " does not exist; create it (the package makes "
                                      "/var/lib/smsgw) or correct store.path");
  }
  const bool existed = std::filesystem::exists(path, ec);
  auto opened = store::Store::Open(std::move(*options));
  if (!opened.ok()) {
    const Status& s = opened.status();
    if (s.code() == Status::Code::kUnavailable &&
        s.message().find("database is locked") != std::string::npos) {
      return Status::FailedPrecondition("store " + config.store.path +
                                        " is locked by another process (another smsgw on the "
                                        "same file?): " +
                                        s.message());
    }
    return s.WithContext("store " + config.store.path);
  }
  if (!existed) LogWarn("store.created", {{"path", config.store.path}});
  return opened;
}

Result<std::unique_ptr<commands::EmbeddedBackend>> OpenEmbeddedBackend(
    const conf::GatewayConfig& config) {
  const conf::EmbeddedBackend& e = config.backend.embedded;
  if (Status made = conf::MakeParents(e.ledger_path); !made.ok()) return made;
  auto pepper = KeyFromConfig(e.pepper_key, /*allow_create=*/true);
  if (!pepper.ok()) return pepper.status().WithContext("backend.embedded.pepper_key_file");
  auto keys = store::LedgerKeys::FromPepper(*pepper);
  if (!keys.ok()) return keys.status();
  store::LedgerOptions options;
  options.path = e.ledger_path;
  // As the store's (store/options.h): the thread that answers instructions does not copy the
  // WAL into the database file.
  options.background_checkpoint_pages = store::Options{}.checkpoint_pages;
  auto ledger = store::Ledger::Open(options, *keys);
  if (!ledger.ok()) {
    return ledger.status().WithContext("ledger " + e.ledger_path);
  }
  if (e.seed_demo_data) {
    Status seeded = store::SeedDemoLedger(**ledger);
    if (!seeded.ok()) return seeded.WithContext("demo data");
  }
  return std::make_unique<commands::EmbeddedBackend>(std::move(*ledger));
}

Result<std::shared_ptr<const parser::Grammar>> LoadGrammarOf(const conf::GatewayConfig& config) {
  parser::GrammarLoad load = LoadGrammarFile(config.grammar_path);
  if (load.ok()) return load.grammar;
  std::string errors;
  for (const parser::Diagnostic& d : load.diagnostics) {
    if (!d.is_error()) continue;
    if (!errors.empty()) errors += "\n";
    errors += d.ToString();
  }
  return Status::FailedPrecondition(errors);
}

Result<std::unique_ptr<commands::Engine>> MakeEngine(
    const conf::GatewayConfig& config, const conf::BackendConfig& backend,
    std::shared_ptr<const parser::Grammar> grammar) {
  commands::EngineOptions options = commands::EngineOptions::FromLimits(config.limits);
  const bool http = backend.type == conf::BackendType::kHttp;
  // As StoreOptionsFor sets the store's instruction retry policy.
  options.instruction_max_attempts =
      http ? static_cast<int>(backend.http.max_attempts) : store::RetryPolicy{}.max_attempts;
  options.unavailable_is_unapplied = !http;
  for (const conf::ShortCode& sc : config.short_codes) {
    options.short_code_languages[sc.code] = sc.language;
  }
  commands::EngineDeps deps;
  deps.now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  return commands::Engine::Create(std::move(grammar), options, std::move(deps));
}

Result<std::string> AdminToken(const conf::GatewayConfig& config) {
  auto token = conf::ReadKey(config.admin.token);
  if (!token.ok()) {
    return token.status().WithContext("admin token");
  }
  return store::ToHex(token->bytes());
}

}  // namespace smsgw::gateway
