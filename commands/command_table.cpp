#include "commands/command_table.h"

#include "commands/backend_port.h"

namespace smsgw::commands {

namespace {

constexpr CommandEntry kCommands[] = {
    {"register", Handler::kChallenge, op::kBind},
    {"pay", Handler::kChallenge, op::kBillPay},
    {"send", Handler::kChallenge, op::kTransfer},
    {"withdraw", Handler::kChallenge, op::kWithdraw},
    {"topup", Handler::kChallenge, op::kAirtimeTopUp},
    {"balance", Handler::kChallenge, op::kBalance},
    {"mini", Handler::kChallenge, op::kStatement},
    {"pin_change", Handler::kChallenge, op::kPinChange},
    {"lock", Handler::kDirect, op::kLock},
    {"confirm", Handler::kConfirm, {}},
    {"cancel", Handler::kCancel, {}},
    {"help", Handler::kHelp, {}},
    {"stop", Handler::kStop, {}},
};

// The grammar's operation names (conf/grammar.yaml) and the port's they become, so that a
// command an admin adds under any name with, say, `operation: account.balance` works like
// the shipped one. `name` holds the grammar's operation here.
constexpr CommandEntry kOperations[] = {
    {"account.bind", Handler::kChallenge, op::kBind},
    {"bill.pay", Handler::kChallenge, op::kBillPay},
    {"transfer", Handler::kChallenge, op::kTransfer},
    {"cash.withdraw", Handler::kChallenge, op::kWithdraw},
    {"airtime.topup", Handler::kChallenge, op::kAirtimeTopUp},
    {"account.balance", Handler::kChallenge, op::kBalance},
    {"account.statement", Handler::kChallenge, op::kStatement},
    {"pin.change", Handler::kChallenge, op::kPinChange},
    {"account.lock", Handler::kDirect, op::kLock},
    {"challenge.answer", Handler::kConfirm, {}},
    {"challenge.cancel", Handler::kCancel, {}},
    {"help", Handler::kHelp, {}},
    {"subscriber.stop", Handler::kStop, {}},
};

}  // namespace

std::optional<CommandEntry> EntryFor(const parser::CommandSpec& spec) {
  for (const CommandEntry& e : kCommands) {
    if (e.name == spec.name) return e;
  }
  for (const CommandEntry& e : kOperations) {
    if (e.name != spec.operation) continue;
    if (e.backend_op.empty()) return CommandEntry{spec.name, e.handler, {}};
    const OperationSpec* port = FindOperation(e.backend_op);
    if (port == nullptr || port->needs_pin != spec.requires_pin()) return std::nullopt;
    return CommandEntry{spec.name, e.handler, e.backend_op};
  }
  const OperationSpec* op = FindOperation(spec.operation);
  if (op == nullptr) return std::nullopt;
  if (op->needs_pin != spec.requires_pin()) return std::nullopt;
  return CommandEntry{spec.name, spec.requires_pin() ? Handler::kChallenge : Handler::kDirect,
                      op->name};
}

}  // namespace smsgw::commands
