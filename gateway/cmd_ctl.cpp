// `smsgw ctl`: inspect and repair the store, offline or beside a running daemon (the store is
// opened in admin mode: nothing is migrated or recovered; SQLite's locks and busy timeout
// share the file with the daemon).
#include <algorithm>
#include <iterator>
#include <ostream>

#include "gateway/ctl_commands.h"
#include "gateway/subcommand.h"

namespace smsgw::gateway {
namespace {

constexpr const char* kUsage =
    "smsgw ctl <command> --db FILE [--key-file FILE] [options]\n\n"
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

Result<std::unique_ptr<store::Store>> OpenStore(const ParsedArgs& args) {
  auto db = args.Get("db");
  if (!db) {
    return Status::InvalidArgument(args.Has("config")
                                       ? "--config is not wired to the store settings yet; give "
                                         "--db FILE (and --key-file FILE)"
                                       : "give the database with --db FILE");
  }
  store::Options options;
  options.path = *db;
  options.mode = store::OpenMode::kAdmin;
  if (auto key_file = args.Get("key-file")) {
    auto key = store::LoadKeyFile(*key_file);
    if (!key.ok()) return key.status();
    options.keys = std::make_shared<const store::KeyRing>(std::move(*key));
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
  if (args.Has("config") && args.Has("db")) {
    err << "smsgw ctl: note: --config is not wired to the store settings yet; using --db\n";
  }
  auto store = OpenStore(args);
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
          {{"db", "FILE", "the store's database file"},
           {"key-file", "FILE", "the store's key file (mode 0600); check verifies it"},
           {"config", "FILE", "gateway configuration (not wired to ctl yet: use --db)"},
           {"state", "STATE", "outbox list: only items in this state (pending, dead, ...)"},
           {"limit", "N", "outbox list, audit: at most N rows"},
           {"msisdn", "N", "audit: the subscriber"},
           {"older-than", "AGE", "purge: finished rows older than AGE (90d, 12h, ...)"},
           {"audit-older-than", "AGE", "purge: also audit rows older than AGE"}},
          CtlMain};
}

}  // namespace smsgw::gateway
