// A one-line summary of a ParseOutcome, so table tests can state expectations compactly:
//   command    "pay/en biller=KPLC bill_ref=123456 amount=1500.00"  (defaulted values end in *)
//   error      "error:bad_field send.amount amount_range", "error:unknown_command ~SEND"
//   violation  "violation:register" (or "violation" when no keyword matched)
#pragma once

#include <string>

#include "parser/outcome.h"

namespace smsgw::parser {

inline std::string Summary(const ParseOutcome& o) {
  std::string out;
  if (o.is_command()) {
    const Command& c = o.command();
    out = c.name + "/" + c.language;
    for (const auto& f : c.fields) out += " " + f.name + "=" + f.value + (f.defaulted ? "*" : "");
  } else if (o.is_error()) {
    const ParseError& e = o.error();
    out = "error:" + std::string(ErrorKindName(e.kind));
    if (!e.command.empty()) out += " " + e.command + (e.field.empty() ? "" : "." + e.field);
    if (e.rule != Rule::kNone) out += " " + std::string(RuleName(e.rule));
    if (!e.suggestion.empty()) out += " ~" + e.suggestion;
  } else {
    out = "violation";
    if (!o.violation().command.empty()) out += ":" + o.violation().command;
  }
  return out;
}

}  // namespace smsgw::parser
