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

}  // namespace

std::optional<CommandEntry> EntryFor(const parser::CommandSpec& spec) {
  for (const CommandEntry& e : kCommands) {
    if (e.name == spec.name) return e;
  }
  const OperationSpec* op = FindOperation(spec.operation);
  if (op == nullptr) return std::nullopt;
  if (op->needs_pin != spec.requires_pin()) return std::nullopt;
  return CommandEntry{spec.name, spec.requires_pin() ? Handler::kChallenge : Handler::kDirect,
                      op->name};
}

}  // namespace smsgw::commands
