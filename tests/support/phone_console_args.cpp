#include "tests/support/phone_console_args.h"

#include <charconv>

#include "conf/duration.h"
#include "store/ledger.h"

namespace smsgw::console {

namespace {

using std::chrono::milliseconds;

Status Bad(const std::string& option, const std::string& why) {
  return Status::InvalidArgument(option + ": " + why);
}

Status ParseWait(const std::string& option, const std::string& value, milliseconds min,
                 milliseconds max, milliseconds* out) {
  std::optional<conf::Duration> d = conf::ParseDuration(value);
  if (!d) return Bad(option, "\"" + value + "\" is not a duration such as 500ms, 2s or 1m");
  if (*d < min || *d > max) {
    return Bad(option, "must be between " + conf::FormatDuration(min) + " and " +
                           conf::FormatDuration(max));
  }
  *out = *d;
  return Status::OK();
}

Status ParsePort(const std::string& value, uint16_t* out) {
  unsigned port = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), port);
  if (ec != std::errc() || end != value.data() + value.size() || value.empty() || port > 65535) {
    return Bad("--port", "\"" + value + "\" is not a port number (0 to 65535)");
  }
  *out = static_cast<uint16_t>(port);
  return Status::OK();
}

Status Apply(const std::string& option, const std::string& value, ConsoleOptions* o) {
  if (option == "--port") return ParsePort(value, &o->port);
  if (option == "--password") {
    o->password = value;
    return Status::OK();
  }
  if (option == "--short-code") {
    if (value.empty()) return Bad(option, "must not be empty");
    o->short_code = value;
    return Status::OK();
  }
  if (option == "--phone") {
    std::string digits = value.starts_with("+") ? value.substr(1) : value;
    if (!store::IsLedgerMsisdn(digits)) return Bad(option, "needs 8 to 15 digits");
    o->phone = digits;
    return Status::OK();
  }
  if (option == "--reply-wait") {
    return ParseWait(option, value, milliseconds(10), milliseconds(60'000), &o->reply_wait);
  }
  if (option == "--wait-bind") {
    return ParseWait(option, value, milliseconds(0), milliseconds(3'600'000), &o->wait_bind);
  }
  return Bad(option, "unknown option");
}

}  // namespace

std::string ConsoleUsage() {
  return "usage: phone_console [--port N] [--password P] [--short-code CODE] [--phone MSISDN]\n"
         "                     [--reply-wait DURATION] [--wait-bind DURATION]\n"
         "\n"
         "An SMSC simulator on 127.0.0.1:N (default 2775; 0 picks a free port) for the gateway\n"
         "to bind to, and a phone: each line typed is an SMS from the current phone to the short\n"
         "code (default 20555); each SMS the gateway sends is printed as it arrives.\n"
         "--password is the bind password the gateway must present (default secret).\n"
         "--phone is the first phone typed as (default: the first demo subscriber).\n"
         "--wait-bind: give up with status 1 when no bind came this long after start\n"
         "  (default 30s; 0 waits for ever).\n"
         "--reply-wait: with stdin not a terminal (scripts), each line is echoed after the prompt\n"
         "  and the next one is read only once the MO was acknowledged and no MT came for this\n"
         "  long (default 2s; at most 10 times as long per line). At end of input: exit 0.\n"
         "Console commands: /as MSISDN, /phones, /help, /quit; Ctrl-D quits.\n";
}

Result<ConsoleOptions> ParseConsoleArgs(const std::vector<std::string>& args) {
  ConsoleOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string option = args[i];
    if (option == "--help" || option == "-h") {
      o.help = true;
      continue;
    }
    std::string value;
    if (const size_t eq = option.find('='); option.starts_with("--") && eq != std::string::npos) {
      value = option.substr(eq + 1);
      option.resize(eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Bad(option, option.starts_with("--") ? "needs a value" : "unknown option");
    }
    Status s = Apply(option, value, &o);
    if (!s.ok()) return s;
  }
  return o;
}

}  // namespace smsgw::console
