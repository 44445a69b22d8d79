// `smsgw ctl`: inspect and repair the store, offline or beside a running daemon (the store is
// opened in admin mode: nothing is migrated or recovered; SQLite's locks and busy timeout
// share the file with the daemon).
#include <algorithm>
#include <iterator>
#include <ostream>

#include "gateway/config_option.h"
#include "gateway/ctl_commands.h"
#include "gateway/store_settings.h"
#include "gateway/subcommand.h"

namespace smsgw::gateway {
namespace {

constexpr const char* kUsage =
    "smsgw ctl <command> (--config FILE | --db FILE [--key-file FILE]) [options]\n\n"
    "The store's file and key come from the gateway configuration (--config), or from --db\n"
    "and --key-file, which win over the configuration when both are given.\n\n"
    "Commands:\n"
    "  status                      rows per state: inbound, challenges, outbox, audit\n"
    "  outbox list [--state S]     outbox items, oldest first (e.g. --state dead)\n"
    "  outbox retry ID             put a dead item back to pending (instruction id or\n"
    "                              reference, or mt-N for a reply)\n"
    "  audit --msisdn N            the audit trail of one subscriber\n"
    "  purge --older-than 90d      delete finished rows older than that (audit rows only\n"
    "                              with --audit-older-than)\n"
    "  backup FILE                 consistent online copy of the database (mode 0600)\n"
    "  check                       integrity check, schema version, key file match";

// The store as the configuration (when given) describes it, with --db and --key-file taking
// precedence. Keys are optional in admin mode: without them only `check` reports less.
Result<std::unique_ptr<store::Store>> OpenStore(const ParsedArgs& args,
                                                const std::optional<conf::GatewayConfig>& config) {
  store::Options options;
  if (config) options = StoreOptionsFromConfig(config->store);
  options.mode = store::OpenMode::kAdmin;
  if (auto db = args.Get("db")) options.path = *db;
  if (options.path.empty()) {
    return Status::InvalidArgument("give the store with --config FILE or --db FILE");
  }
  if (auto key_file = args.Get("key-file")) {
    auto key = store::LoadKeyFile(*key_file);
    if (!key.ok()) return key.status();
    options.keys = std::make_shared<const store::KeyRing>(std::move(*key));
  } else if (config) {
    auto keys = StoreKeyRing(config->store, /*allow_create=*/false);
    if (!keys.ok()) return keys.status();
    options.keys = std::move(*keys);
  }
  return store::Store::Open(std::move(options));
}

int Usage(std::ostream& err, const std::string& message) {
  err << "smsgw ctl: " << message << "\nRun 'smsgw ctl --help' for the commands.\n";
  return kExitUsage;
}

int CtlMain(const ParsedArgs& args, std::ostream& out, std::ostream& err) {
  const auto& pos = args.positionals();
  if (pos.empty())
    return Usage(err, "which command? (status, outbox, audit, purge, backup, check)");
  const std::string& cmd = pos[0];
  const std::size_t want = cmd == "outbox"   ? (pos.size() > 1 && pos[1] == "retry" ? 3 : 2)
                           : cmd == "backup" ? 2
                                             : 1;
  static const char* kCommands[] = {"status", "outbox", "audit", "purge", "backup", "check"};
  if (std::find(std::begin(kCommands), std::end(kCommands), cmd) == std::end(kCommands)) {
    return Usage(err, "'" + cmd + "' is not a ctl command");
  }
  if (cmd == "outbox" && (pos.size() < 2 || (pos[1] != "list" && pos[1] != "retry"))) {
    return Usage(err, "outbox needs 'list' or 'retry ID'");
  }
  if (pos.size() != want) return Usage(err, "wrong number of arguments for " + cmd);
  auto config = LoadAdminConfigOrExit(args, "ctl", err);
  if (const int* code = std::get_if<int>(&config)) return *code;
  auto store = OpenStore(args, std::get<0>(config));
  if (!store.ok()) {
    if (store.status().IsInvalidArgument()) return Usage(err, store.status().message());
    err << "smsgw ctl: " << store.status().ToString() << "\n";
    return kExitFailure;
  }
  store::Store& s = **store;
  if (cmd == "status") return CtlStatus(s, out, err);
  if (cmd == "outbox") {
    return pos[1] == "list" ? CtlOutboxList(s, args, out, err)
                            : CtlOutboxRetry(s, pos[2], out, err);
  }
  if (cmd == "audit") return CtlAudit(s, args, out, err);
  if (cmd == "purge") return CtlPurge(s, args, out, err);
  if (cmd == "backup") return CtlBackup(s, pos[1], out, err);
  return CtlCheck(s, out, err);
}

}  // namespace

Subcommand CtlSubcommand() {
  return {"ctl",
          "inspect and repair the store (status, outbox, audit, backup)",
          kUsage,
          {{"config", "FILE", "gateway configuration: the store's file and key"},
           {"db", "FILE", "the store's database file (default: store.path of --config)"},
           {"key-file", "FILE",
            "the store's key file, mode 0600 (default: store.key_file of --config); check "
            "verifies it"},
           {"state", "STATE", "outbox list: only items in this state (pending, dead, ...)"},
           {"limit", "N", "outbox list, audit: at most N rows"},
           {"msisdn", "N", "audit: the subscriber"},
           {"older-than", "AGE", "purge: finished rows older than AGE (90d, 12h, ...)"},
           {"audit-older-than", "AGE", "purge: also audit rows older than AGE"}},
          CtlMain};
}

}  // namespace smsgw::gateway
