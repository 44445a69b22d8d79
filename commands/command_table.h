// The commands as a declared table: grammar command name -> how the engine handles it and the
// backend operation it becomes. A command an admin adds to the grammar without an entry here
// is handled by its operation: one of the grammar's operation names (account.balance,
// bill.pay, challenge.cancel, ...), or one of the backend port's (commands/backend_port.h),
// a challenge flow when it asks for a PIN and a direct instruction when not.
#pragma once

#include <string_view>

#include "parser/grammar.h"

namespace smsgw::commands {

enum class Handler {
  kChallenge,  // challenge -> "<code> <PIN>" -> instruction -> reply with the result
  kDirect,     // instruction at once, no PIN (LOCK); reply with the result
  kConfirm,    // "<code> <PIN>": answers a challenge
  kCancel,     // CANCEL <code>
  kHelp,       // HELP [command]
  kStop,       // STOP: no more bill notices
};

struct CommandEntry {
  std::string_view name;
  Handler handler;
  std::string_view backend_op;  // empty for commands the engine answers itself
};

// The entry for a grammar command: the declared one, else one derived from its shape.
// nullopt when the command can be neither.
std::optional<CommandEntry> EntryFor(const parser::CommandSpec& spec);

}  // namespace smsgw::commands
