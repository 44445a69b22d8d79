// `smsgw ledger`: administration of the embedded ledger. Secrets (PINs, account numbers) are
// read from stdin, never from the command line, where ps and shell history would keep them.
#include <termios.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <ostream>
#include <variant>

#include "gateway/config_option.h"
#include "gateway/ledger_admin_text.h"
#include "gateway/store_settings.h"
#include "gateway/subcommand.h"
#include "store/crypto.h"
#include "store/ledger.h"
#include "store/ledger_demo.h"

namespace smsgw::gateway {

namespace {

using store::AccountRef;
using By = AccountRef::By;

constexpr const char* kUsage =
    "smsgw ledger ACTION [--config FILE | --db FILE --pepper-key FILE] [options]\n"
    "\n"
    "Administers the embedded ledger (docs/ledger.md): the one the gateway configuration\n"
    "names (--config, default conf/gateway.yaml, as for check, run and try). --db and\n"
    "--pepper-key win over it; given both, the configuration is not read.\n"
    "ACCOUNT below is one of --msisdn, --agent, --biller, --system, --account-id, or\n"
    "--account-from-stdin (the account number as the first line of stdin). PINs and account\n"
    "numbers are read from stdin, one per line.\n"
    "\n"
    "Actions:\n"
    "  create subscriber --name NAME [--msisdn MSISDN] [--account-from-stdin] [--overdraft AMT]\n"
    "  create agent --agent NUMBER --msisdn MSISDN --name NAME\n"
    "  create biller --biller SHORT_NAME --name NAME\n"
    "  set-pin ACCOUNT              the PIN from stdin (after the account number, if any)\n"
    "  unlock ACCOUNT\n"
    "  credit ACCOUNT --amount AMT [--id ID] [--reference TEXT]   issue e-money from float\n"
    "  balance [ACCOUNT]            one account, or every account and the total\n"
    "  postings [ACCOUNT] [--limit N]\n"
    "  reverse-expired              refund expired withdrawal codes to their senders\n"
    "  check                        verify the books (balanced postings, sums, limits)\n"
    "  seed-demo                    create the demo data set (idempotent; every PIN is 1234)";

struct Context {
  const ParsedArgs& args;
  std::ostream& out;
  std::ostream& err;
  store::Ledger& ledger;
};

// One line from stdin without echo when stdin is a terminal. Empty on end of input.
store::SecretBytes ReadSecretLine(std::ostream& err, const char* prompt) {
  const bool tty = ::isatty(STDIN_FILENO) == 1;
  termios saved{};
  if (tty && ::tcgetattr(STDIN_FILENO, &saved) == 0) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    err << prompt << ": " << std::flush;
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    err << "\n";
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  store::SecretBytes secret(line);
  store::Wipe(line);
  return secret;
}

// Which account the options name. The account number, when asked for, comes from stdin.
Result<AccountRef> SelectAccount(const ParsedArgs& args, std::ostream& err) {
  static const std::pair<const char*, By> kSelectors[] = {
      {"msisdn", By::kMsisdn}, {"agent", By::kAgentNumber}, {"biller", By::kBiller},
      {"system", By::kSystem}, {"account-id", By::kId},
  };
  std::optional<AccountRef> ref;
  int given = 0;
  for (const auto& [name, by] : kSelectors) {
    if (auto v = args.Get(name)) {
      ref = AccountRef{by, *v};
      ++given;
    }
  }
  if (args.Has("account-from-stdin")) {
    store::SecretBytes number = ReadSecretLine(err, "Account number");
    ref = AccountRef{By::kAccountNumber, std::string(number.view())};
    ++given;
  }
  if (given != 1) {
    return Status::InvalidArgument(
        "name one account: --msisdn, --agent, --biller, --system, --account-id or "
        "--account-from-stdin");
  }
  return *ref;
}

int Fail(std::ostream& err, const Status& s) {
  err << "smsgw ledger: " << s.message() << "\n";
  if (s.IsInvalidArgument() || s.IsAlreadyExists() || s.IsNotFound() || s.IsRejected()) {
    return kExitInvalid;
  }
  return kExitFailure;
}

void PrintAccount(std::ostream& out, const store::AccountInfo& a) {
  std::string who = a.kind == store::AccountKind::kSubscriber ? a.msisdn : a.handle;
  if (who.empty()) who = "-";
  out << std::left << std::setw(5) << a.id << std::setw(11) << store::KindName(a.kind)
      << std::setw(16) << who << std::setw(22) << a.name.substr(0, 21) << std::right
      << std::setw(16) << FormatAmount(a.balance) << "  " << (a.locked ? "locked" : "active")
      << (a.has_pin ? "" : " no-pin")
      << (a.account_masked.empty() ? "" : "  account " + a.account_masked) << "\n";
}

int Create(Context& c) {
  const auto& pos = c.args.positionals();
  if (pos.size() != 2) {
    c.err << "smsgw ledger create: say what: subscriber, agent or biller\n";
    return kExitUsage;
  }
  store::NewAccount a;
  a.name = c.args.GetOr("name", "");
  a.msisdn = c.args.GetOr("msisdn", "");
  if (pos[1] == "subscriber") {
    a.kind = store::AccountKind::kSubscriber;
    if (c.args.Has("account-from-stdin")) {
      store::SecretBytes number = ReadSecretLine(c.err, "Account number");
      a.account_number = std::string(number.view());
    }
    if (auto overdraft = c.args.Get("overdraft")) {
      Result<int64_t> v = ParseAmount(*overdraft);
      if (!v.ok()) return Fail(c.err, v.status());
      a.overdraft_limit = *v;
    }
  } else if (pos[1] == "agent") {
    a.kind = store::AccountKind::kAgent;
    a.handle = c.args.GetOr("agent", "");
  } else if (pos[1] == "biller") {
    a.kind = store::AccountKind::kBiller;
    a.handle = c.args.GetOr("biller", "");
  } else {
    c.err << "smsgw ledger create: '" << pos[1] << "' is not subscriber, agent or biller\n";
    return kExitUsage;
  }
  Result<store::AccountInfo> info = c.ledger.CreateAccount(a);
  store::Wipe(a.account_number);
  if (!info.ok()) return Fail(c.err, info.status());
  PrintAccount(c.out, *info);
  return kExitOk;
}

int SetPin(Context& c) {
  Result<AccountRef> ref = SelectAccount(c.args, c.err);
  if (!ref.ok()) return Fail(c.err, ref.status());
  store::SecretBytes pin = ReadSecretLine(c.err, "New PIN");
  Status s = c.ledger.SetPin(*ref, pin.view());
  if (!s.ok()) return Fail(c.err, s);
  c.out << "PIN set\n";
  return kExitOk;
}

int Unlock(Context& c) {
  Result<AccountRef> ref = SelectAccount(c.args, c.err);
  if (!ref.ok()) return Fail(c.err, ref.status());
  Status s = c.ledger.Unlock(*ref);
  if (!s.ok()) return Fail(c.err, s);
  c.out << "unlocked\n";
  return kExitOk;
}

int Credit(Context& c) {
  Result<AccountRef> ref = SelectAccount(c.args, c.err);
  if (!ref.ok()) return Fail(c.err, ref.status());
  auto amount_text = c.args.Get("amount");
  if (!amount_text) return Fail(c.err, Status::InvalidArgument("credit needs --amount"));
  Result<int64_t> amount = ParseAmount(*amount_text);
  if (!amount.ok()) return Fail(c.err, amount.status());
  std::string id = c.args.GetOr("id", "");
  if (id.empty()) {
    // Without --id every run is a new deposit; with it, a repeated run is harmless.
    std::array<uint8_t, 8> random{};
    Status s = store::RandomBytes(random);
    if (!s.ok()) return Fail(c.err, s);
    id = "admin-credit-" + store::ToHex(random);
  }
  Result<store::LedgerReceipt> r =
      c.ledger.Credit(id, *ref, *amount, c.args.GetOr("reference", "admin credit"));
  if (!r.ok()) return Fail(c.err, r.status());
  if (!r->accepted) return Fail(c.err, Status::Rejected("credit refused: " + r->reason));
  c.out << (r->replayed ? "already credited under id " : "credited under id ") << id << ": "
        << r->transaction_code << ", new balance " << FormatAmount(r->balance.value_or(0)) << "\n";
  return kExitOk;
}

bool NamesAnAccount(const ParsedArgs& args) {
  for (const char* name :
       {"msisdn", "agent", "biller", "system", "account-id", "account-from-stdin"}) {
    if (args.Has(name)) return true;
  }
  return false;
}

int Balance(Context& c) {
  if (NamesAnAccount(c.args)) {
    Result<AccountRef> ref = SelectAccount(c.args, c.err);
    if (!ref.ok()) return Fail(c.err, ref.status());
    Result<store::AccountInfo> info = c.ledger.GetAccount(*ref);
    if (!info.ok()) return Fail(c.err, info.status());
    PrintAccount(c.out, *info);
    return kExitOk;
  }
  Result<std::vector<store::AccountInfo>> all = c.ledger.ListAccounts();
  if (!all.ok()) return Fail(c.err, all.status());
  int64_t total = 0;
  for (const auto& a : *all) {
    PrintAccount(c.out, a);
    total += a.balance;
  }
  c.out << "total " << FormatAmount(total) << (total == 0 ? " (balanced)" : " (NOT BALANCED)")
        << "\n";
  return total == 0 ? kExitOk : kExitInvalid;
}

int Postings(Context& c) {
  std::optional<AccountRef> ref;
  if (NamesAnAccount(c.args)) {
    Result<AccountRef> r = SelectAccount(c.args, c.err);
    if (!r.ok()) return Fail(c.err, r.status());
    ref = *r;
  }
  int limit = 20;
  if (auto l = c.args.Get("limit")) {
    limit = std::atoi(l->c_str());
    if (limit <= 0) return Fail(c.err, Status::InvalidArgument("--limit is a positive number"));
  }
  Result<std::vector<store::PostingLine>> lines = c.ledger.Postings(ref ? &*ref : nullptr, limit);
  if (!lines.ok()) return Fail(c.err, lines.status());
  for (const auto& l : *lines) {
    c.out << std::left << std::setw(7) << l.posting_id << FormatTime(l.time) << "  "
          << l.transaction_code << "  " << std::setw(20) << l.kind << std::setw(36)
          << l.account_label.substr(0, 35) << std::right << std::setw(14) << FormatAmount(l.amount)
          << std::setw(16) << FormatAmount(l.balance_after)
          << (l.reference.empty() ? "" : "  ref " + l.reference) << "\n";
  }
  return kExitOk;
}

int ReverseExpired(Context& c) {
  Result<int> n = c.ledger.ReverseExpiredWithdrawals();
  if (!n.ok()) return Fail(c.err, n.status());
  c.out << *n << " expired withdrawal code(s) reversed\n";
  return kExitOk;
}

int Check(Context& c) {
  Status s = c.ledger.CheckInvariants();
  if (!s.ok()) return Fail(c.err, s);
  c.out << "OK: the books balance\n";
  return kExitOk;
}

int SeedDemo(Context& c) {
  Status s = store::SeedDemoLedger(c.ledger);
  if (!s.ok()) return Fail(c.err, s);
  c.out << "demo data in place (docs/ledger.md lists it; every PIN is 1234)\n";
  return kExitOk;
}

// The pepper: --pepper-key, else the configuration's backend.embedded.pepper_key_file (or
// SMSGW_LEDGER_PEPPER_KEY). `config` is null only when --db and --pepper-key are both given.
Result<store::Key> LoadPepper(const ParsedArgs& args, const conf::GatewayConfig* config,
                              bool create) {
  if (auto file = args.Get("pepper-key")) return store::LoadOrCreateKeyFile(*file, create);
  return KeyFromConfig(config->backend.embedded.pepper_key, create);
}

// The ledger's file and pepper come from --db and --pepper-key, else from the configuration's
// embedded backend: never from paths of their own, which would make a ledger the daemon does
// not use (and, created with another pepper, could not open). The key is created together
// with a new ledger, never for an existing one: a ledger opened with a fresh key would refuse
// it anyway, but a stray key file would be left behind.
Result<std::unique_ptr<store::Ledger>> OpenLedger(const ParsedArgs& args,
                                                  const conf::GatewayConfig* config) {
  const std::string db = args.GetOr("db", config ? config->backend.embedded.ledger_path : "");
  std::error_code ec;
  const bool fresh = !std::filesystem::exists(db, ec);
  if (fresh) {
    auto parent = std::filesystem::path(db).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  }
  Result<store::Key> key = LoadPepper(args, config, fresh);
  if (!key.ok()) return key.status();
  Result<std::shared_ptr<const store::LedgerKeys>> keys = store::LedgerKeys::FromPepper(*key);
  if (!keys.ok()) return keys.status();
  store::LedgerOptions options;
  options.path = db;
  return store::Ledger::Open(std::move(options), *keys);
}

int LedgerMain(const ParsedArgs& args, std::ostream& out, std::ostream& err) {
  static const std::pair<const char*, int (*)(Context&)> kActions[] = {
      {"create", Create},
      {"set-pin", SetPin},
      {"unlock", Unlock},
      {"credit", Credit},
      {"balance", Balance},
      {"postings", Postings},
      {"reverse-expired", ReverseExpired},
      {"check", Check},
      {"seed-demo", SeedDemo},
  };
  if (args.positionals().empty()) {
    err << "Usage: " << kUsage << "\n";
    return kExitUsage;
  }
  const std::string& action = args.positionals()[0];
  for (const auto& [name, run] : kActions) {
    if (action != name) continue;
    std::optional<conf::GatewayConfig> settings;
    if (!args.Has("db") || !args.Has("pepper-key")) {
      // The configuration that names the ledger: --config, else kDefaultConfigPath.
      auto config = LoadAdminConfigOrExit(args, "ledger", err, kDefaultConfigPath);
      if (const int* code = std::get_if<int>(&config)) return *code;
      settings = std::move(std::get<0>(config));
      if (!settings) {
        err << "smsgw ledger: no " << kDefaultConfigPath
            << " here to name the ledger; give --config FILE (the gateway's configuration), or "
               "--db FILE and --pepper-key FILE\n";
        return kExitUsage;
      }
      if (settings->backend.type != conf::BackendType::kEmbedded) {
        err << "smsgw ledger: the configuration's backend.type is not embedded, so it names no "
               "ledger; give --db and --pepper-key\n";
        return kExitUsage;
      }
    }
    Result<std::unique_ptr<store::Ledger>> ledger =
        OpenLedger(args, settings ? &*settings : nullptr);
    if (!ledger.ok()) {
      err << "smsgw ledger: " << ledger.status().message() << "\n";
      return kExitFailure;
    }
    Context c{args, out, err, **ledger};
    return run(c);
  }
  err << "smsgw ledger: '" << action << "' is not an action. Run 'smsgw ledger --help'.\n";
  return kExitUsage;
}

}  // namespace

Subcommand LedgerSubcommand() {
  return {"ledger",
          "administer the embedded ledger (accounts, PINs, balances)",
          kUsage,
          {{"config", "FILE",
            std::string("gateway configuration: the embedded backend's ledger and pepper "
                        "(default ") +
                kDefaultConfigPath + ")"},
           {"db", "FILE", "ledger database (default: the configuration's ledger_path)"},
           {"pepper-key", "FILE",
            "0600 key file for PIN hashes and sealing (default: the configuration's "
            "pepper_key_file)"},
           {"msisdn", "MSISDN", "a subscriber's phone, or a new agent's"},
           {"agent", "NUMBER", "an agent number"},
           {"biller", "SHORT_NAME", "a biller's short name, e.g. KPLC"},
           {"system", "NAME", "a system account: float, suspense, airtime, fees, holding"},
           {"account-id", "ID", "an account's ledger id"},
           {"account-from-stdin", "", "read an account number from stdin"},
           {"name", "NAME", "display name of a new account"},
           {"overdraft", "AMOUNT", "overdraft limit of a new subscriber (default 0)"},
           {"amount", "AMOUNT", "amount, e.g. 1500 or 1,500.00"},
           {"id", "ID", "idempotency key of a credit (a repeated id is not credited again)"},
           {"reference", "TEXT", "reference recorded with a credit"},
           {"limit", "N", "how many postings (default 20)"}},
          LedgerMain};
}

}  // namespace smsgw::gateway
