// The actions of `smsgw ctl` on an open store (admin mode). Each prints its report to `out`,
// its errors to `err`, and returns the process exit code (gateway/subcommand.h).
#pragma once

#include <iosfwd>
#include <string>

#include "gateway/cli_args.h"
#include "store/store.h"

namespace smsgw::gateway {

int CtlStatus(store::Store& store, std::ostream& out, std::ostream& err);
// --state S, --limit N
int CtlOutboxList(store::Store& store, const ParsedArgs& args, std::ostream& out,
                  std::ostream& err);
int CtlOutboxRetry(store::Store& store, const std::string& item_id, std::ostream& out,
                   std::ostream& err);
// --msisdn N (required), --limit N
int CtlAudit(store::Store& store, const ParsedArgs& args, std::ostream& out, std::ostream& err);
// --older-than D (required), --audit-older-than D
int CtlPurge(store::Store& store, const ParsedArgs& args, std::ostream& out, std::ostream& err);
int CtlBackup(store::Store& store, const std::string& file, std::ostream& out, std::ostream& err);
int CtlCheck(store::Store& store, std::ostream& out, std::ostream& err);

}  // namespace smsgw::gateway
