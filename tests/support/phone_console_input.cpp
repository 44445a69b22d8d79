#include "tests/support/phone_console_input.h"

#include <algorithm>
#include <cctype>

#include "store/ledger.h"

namespace smsgw::console {

namespace {

using Kind = ConsoleInput::Kind;

bool IsBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

ConsoleInput SwitchPhone(std::string_view arg) {
  std::string_view digits = arg;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  if (arg.empty() || !store::IsLedgerMsisdn(digits)) {
    return {Kind::kError,
            "/as needs a phone number in international form (8 to 15 digits), e.g. "
            "/as 254700000002"};
  }
  return {Kind::kSwitchPhone, std::string(digits)};
}

ConsoleInput DialUssd(std::string_view arg) {
  if (!IsUssdString(arg) || UssdServiceAddress(arg).empty()) {
    return {Kind::kError, "/ussd needs a USSD code such as *384# or *384*12#"};
  }
  return {Kind::kDialUssd, std::string(arg)};
}

ConsoleInput Command(std::string_view line) {
  const size_t space = line.find_first_of(" \t");
  const std::string name = Lower(line.substr(0, space));
  const std::string_view arg =
      space == std::string_view::npos ? std::string_view() : Trim(line.substr(space));
  if (name == "/as") return SwitchPhone(arg);
  if (name == "/phones") return {Kind::kListPhones, ""};
  if (name == "/ussd") return DialUssd(arg);
  if (name == "/cancel") return {Kind::kCancelUssd, ""};
  if (name == "/help" || name == "/?") return {Kind::kHelp, ""};
  if (name == "/quit" || name == "/exit") return {Kind::kQuit, ""};
  return {Kind::kError, "unknown console command " + name + "; /help lists them"};
}

}  // namespace

ConsoleInput ParseConsoleLine(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (IsBlank(line)) return {Kind::kNothing, ""};
  const std::string_view trimmed = Trim(line);
  if (trimmed.starts_with("//")) return {Kind::kMessage, std::string(trimmed.substr(1))};
  if (trimmed.starts_with("/")) return Command(trimmed);
  if (IsUssdString(trimmed) && !UssdServiceAddress(trimmed).empty()) {
    return {Kind::kDialUssd, std::string(trimmed)};
  }
  return {Kind::kMessage, std::string(line)};
}

bool IsUssdString(std::string_view s) {
  if (s.size() < 3 || (s.front() != '*' && s.front() != '#') || s.back() != '#') return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '*' || c == '#'; });
}

std::string UssdServiceAddress(std::string_view ussd_string) {
  if (ussd_string.empty()) return "";
  ussd_string.remove_prefix(1);
  return std::string(ussd_string.substr(0, ussd_string.find_first_of("*#")));
}

}  // namespace smsgw::console
