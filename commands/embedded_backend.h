// The embedded adapter of the backend port: instructions go to the SQLite ledger in this
// process (store/ledger.h), so the whole product runs on one machine.
//
// Submit completes before it returns, on the caller's thread, after one SQLite transaction
// (an fsync with synchronous=FULL; about a millisecond on an SSD). SubmitBatch runs the whole
// batch in one transaction (Ledger::Batch: a savepoint per instruction, one fsync) and answers
// every instruction after its commit, before it returns. It is not thread-safe:
// give each thread its own EmbeddedBackend with its own Ledger (connection); they may share
// one database file and one LedgerKeys.
#pragma once

#include <memory>
#include <vector>

#include "commands/backend_port.h"
#include "store/ledger.h"

namespace smsgw::commands {

class EmbeddedBackend : public Backend {
 public:
  explicit EmbeddedBackend(std::unique_ptr<store::Ledger> ledger);

  // Calls `done` before returning.
  void Submit(Instruction instruction, Completion done) override;
  // Calls `done` for every index, in order, before returning.
  void SubmitBatch(std::vector<Instruction> instructions, BatchCompletion done) override;

  // The same, returning the result: for callers that know they hold the embedded adapter.
  BackendResult Execute(const Instruction& instruction);

  store::Ledger& ledger() { return *ledger_; }

 private:
  std::unique_ptr<store::Ledger> ledger_;
};

}  // namespace smsgw::commands
