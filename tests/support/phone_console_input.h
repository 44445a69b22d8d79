// What a line typed into the phone console means: an SMS to send, or a console command
// (`/as`, `/phones`, `/help`, `/quit`). Pure; no I/O.
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
    kError,  // `text` says what is wrong, for the user
  };
  Kind kind = Kind::kNothing;
  std::string text;
};

// One line without its line terminator (a trailing "\r" is dropped too). A line starting with
// "/" (after blanks) is a console command (case-insensitive); "//" starts an SMS that begins
// with "/". Any other line that is not blank is the SMS text exactly as typed. `/as` takes an
// MSISDN in international form, 8 to 15 digits, with or without a leading "+".
ConsoleInput ParseConsoleLine(std::string_view line);

}  // namespace smsgw::console
