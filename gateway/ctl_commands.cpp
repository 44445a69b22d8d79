#include "gateway/ctl_commands.h"

#include <charconv>
#include <filesystem>
#include <iomanip>
#include <ostream>

#include "gateway/ctl_format.h"
#include "gateway/subcommand.h"

namespace smsgw::gateway {
namespace {

int Fail(std::ostream& err, const Status& s) {
  err << "smsgw ctl: " << s.ToString() << "\n";
  return s.IsInvalidArgument() ? kExitUsage : kExitFailure;
}

Result<int> Limit(const ParsedArgs& args, int fallback) {
  const std::string text = args.GetOr("limit", std::to_string(fallback));
  int n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n <= 0) {
    return Status::InvalidArgument("--limit needs a positive number, got '" + text + "'");
  }
  return n;
}

void PrintCounts(std::ostream& out, const std::string& name,
                 const std::map<std::string, int64_t>& counts) {
  out << std::left << std::setw(13) << name;
  if (counts.empty()) out << " none";
  for (const auto& [state, n] : counts) out << " " << state << " " << n;
  out << "\n";
}

}  // namespace

int CtlStatus(store::Store& store, std::ostream& out, std::ostream& err) {
  auto st = store.Stats();
  if (!st.ok()) return Fail(err, st.status());
  out << "store         " << store.options().path << " (schema " << st->schema_version << ", "
      << st->file_bytes << " bytes)\n";
  PrintCounts(out, "inbound", st->inbound);
  PrintCounts(out, "challenges", st->challenges);
  PrintCounts(out, "instructions", st->instructions);
  PrintCounts(out, "replies", st->replies);
  out << "audit rows    " << st->audit_rows << "\n"
      << "locked        " << st->locked_subscribers << " subscribers\n";
  return kExitOk;
}

int CtlOutboxList(store::Store& store, const ParsedArgs& args, std::ostream& out,
                  std::ostream& err) {
  store::OutboxFilter filter;
  filter.state = args.Get("state");
  auto limit = Limit(args, 100);
  if (!limit.ok()) return Fail(err, limit.status());
  filter.limit = *limit;
  auto items = store.ListOutbox(filter);
  if (!items.ok()) return Fail(err, items.status());
  out << std::left << std::setw(28) << "ID" << std::setw(12) << "REF" << std::setw(16) << "MSISDN"
      << std::setw(12) << "WHAT" << std::setw(14) << "STATE" << std::setw(9) << "ATTEMPTS"
      << std::setw(22) << "UPDATED"
      << "LAST ERROR\n";
  for (const auto& i : *items) {
    out << std::setw(28) << i.id << std::setw(12) << i.reference << std::setw(16) << i.msisdn
        << std::setw(12) << i.what << std::setw(14) << i.state << std::setw(9) << i.attempts
        << std::setw(22) << FormatUtc(i.updated_at) << i.last_error.value_or("") << "\n";
  }
  out << items->size() << " item(s)\n";
  return kExitOk;
}

int CtlOutboxRetry(store::Store& store, const std::string& item_id, std::ostream& out,
                   std::ostream& err) {
  Status s = store.Requeue(item_id);
  if (!s.ok()) {
    err << "smsgw ctl: " << s.ToString() << "\n";
    return s.IsNotFound() || s.code() == Status::Code::kFailedPrecondition ? kExitInvalid
                                                                           : kExitFailure;
  }
  out << item_id << " re-queued: pending, due now\n";
  return kExitOk;
}

int CtlAudit(store::Store& store, const ParsedArgs& args, std::ostream& out, std::ostream& err) {
  auto msisdn = args.Get("msisdn");
  if (!msisdn || msisdn->empty()) {
    return Fail(err, Status::InvalidArgument("audit needs --msisdn N"));
  }
  auto limit = Limit(args, 200);
  if (!limit.ok()) return Fail(err, limit.status());
  auto rows = store.Audit({*msisdn, 0, *limit});
  if (!rows.ok()) return Fail(err, rows.status());
  for (const auto& a : *rows) {
    out << FormatUtc(a.at) << "  " << std::left << std::setw(11) << store::ActorName(a.actor)
        << std::setw(30) << (a.entity + " " + a.entity_id) << std::setw(26) << a.event << a.detail
        << "\n";
  }
  out << rows->size() << " event(s) for " << *msisdn << "\n";
  return kExitOk;
}

int CtlPurge(store::Store& store, const ParsedArgs& args, std::ostream& out, std::ostream& err) {
  auto older = args.Get("older-than");
  if (!older) return Fail(err, Status::InvalidArgument("purge needs --older-than (e.g. 90d)"));
  store::PurgeOptions options;
  auto ms = ParseDurationMs(*older);
  if (!ms.ok()) return Fail(err, ms.status());
  options.older_than_ms = *ms;
  if (auto audit = args.Get("audit-older-than")) {
    auto audit_ms = ParseDurationMs(*audit);
    if (!audit_ms.ok()) return Fail(err, audit_ms.status());
    options.audit_older_than_ms = *audit_ms;
  }
  auto r = store.Purge(options);
  if (!r.ok()) return Fail(err, r.status());
  out << "purged " << r->inbound << " inbound, " << r->challenges << " challenges, "
      << r->instructions << " instructions, " << r->replies << " replies, " << r->locks
      << " locks, " << r->notices << " notice ids, " << r->audit << " audit rows\n";
  return kExitOk;
}

int CtlBackup(store::Store& store, const std::string& file, std::ostream& out, std::ostream& err) {
  Status s = store.Backup(file);
  if (!s.ok()) return Fail(err, s);
  std::error_code ec;
  out << "backup written to " << file << " (" << std::filesystem::file_size(file, ec)
      << " bytes)\n";
  return kExitOk;
}

int CtlCheck(store::Store& store, std::ostream& out, std::ostream& err) {
  auto r = store.Check();
  if (!r.ok()) return Fail(err, r.status());
  out << "integrity     " << (r->problems.empty() ? "ok" : "DAMAGED") << "\n";
  for (const auto& p : r->problems) out << "  " << p << "\n";
  out << "schema        version " << r->schema_version << " (this smsgw: " << r->supported_version
      << ")\n";
  out << "keys          "
      << (!r->keys_checked ? "not checked (no --key-file)"
          : r->keys_match  ? "the key file opens the store"
                           : "the key file does NOT open the store")
      << "\n";
  return r->ok() && (!r->keys_checked || r->keys_match) ? kExitOk : kExitInvalid;
}

}  // namespace smsgw::gateway
