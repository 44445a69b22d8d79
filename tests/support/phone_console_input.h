// What a line typed into the phone console means: an SMS to send, or a console command
// (`/as`, `/phones`, `/help`, `/quit`), a USSD code to dial (`*384*12#`, or `/ussd *384#`), or
// the end of the USSD session (`/cancel`). Pure; no I/O.
#pragma once

#include <string>
#include <string_view>

namespace smsgw::console {

struct ConsoleInput {
  enum class Kind {
    kNothing,      // a blank line: nothing is sent
    kMessage,      // `text` is the SMS, as typed
    kSwitchPhone,  // `text` is the MSISDN to type as from now on, digits only
    kListPhones,
    kHelp,
    kQuit,
    kDialUssd,    // `text` is the USSD string, e.g. "*384*12#"
    kCancelUssd,  // the subscriber ends the USSD session (the network releases it)
    kError,       // `text` says what is wrong, for the user
  };
  Kind kind = Kind::kNothing;
  std::string text;
};

// One line without its line terminator (a trailing "\r" is dropped too). A line starting with
// "/" (after blanks) is a console command (case-insensitive); "//" starts an SMS that begins
// with "/". Any other line that is not blank is the SMS text exactly as typed. `/as` takes an
// MSISDN in international form, 8 to 15 digits, with or without a leading "+". A line that is a
// USSD string (starts with "*" or "#", ends with "#", only digits, "*" and "#" between, as typed
// on a phone's dialler) dials it; so does `/ussd STRING`. While a USSD session is open the
// console sends other lines as answers to its screen (the caller's state, not this function's).
ConsoleInput ParseConsoleLine(std::string_view line);

// Whether `s` is a USSD string as above.
bool IsUssdString(std::string_view s);

// The address a USSD string is dialled to: its service code, the digits before the first "*"
// or "#" after the leading one ("*384*12#" -> "384"). Empty when there are none.
std::string UssdServiceAddress(std::string_view ussd_string);

}  // namespace smsgw::console
