// Rendering a USSD screen (ussd_menu.h) as the subscriber reads it, and the longest rendering
// a screen can have, which the grammar loader holds to kUssdMaxScreenChars.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "conf/status.h"
#include "parser/grammar.h"
#include "parser/replies.h"
#include "parser/templates.h"

namespace smsgw::parser {

// The screen's text, then one line per choice: "1 Pay bill" ... for a menu, "1 Yes" "2 No"
// for a confirmation, then "0 Back" and "00 Home" on every screen but the start screen.
// `hint` (an invalid answer's explanation) comes first, on a line of its own. `values` are
// the answered fields, as FieldValues shows them. InvalidArgument for a value the text needs
// and `values` lacks.
Result<std::string> RenderUssdScreen(const Grammar& grammar, const UssdScreen& screen,
                                     std::size_t language, std::span<const TemplateValue> values,
                                     std::string_view hint = {});

// The widest rendering of `screen` in `language`: every placeholder at its field's widest
// shown value and, for an input screen, its field's longest rule text as the hint. In
// characters (UTF-8 code points), as the limit counts them.
Result<std::size_t> LongestUssdScreen(const Grammar& grammar, const UssdScreen& screen,
                                      std::size_t language);

// The explanation of an invalid value for `spec` (a field of `command`) that broke `rule`:
// "Amount must be between 10 and 150,000", from the rule.* templates SMS errors use.
Result<std::string> UssdRuleHint(const Grammar& grammar, const CommandSpec& command,
                                 const FieldSpec& spec, Rule rule, std::size_t language);

// The templates the USSD dialogue renders, and the values it supplies to each:
//   ussd.submitted [ref]         the end screen after the command was submitted
//   ussd.cancelled               "2 No" on a confirmation
//   ussd.invalid_choice          the hint before a menu asked again
//   ussd.too_many                the end after too many invalid answers
//   ussd.unknown_code [code, service_code]   a dialled string no code starts
//   ussd.changed [service_code]  the grammar was reloaded without the dialogue's screen
const std::vector<BuiltinTemplate>& UssdTemplates();

std::size_t Utf8Length(std::string_view text);

}  // namespace smsgw::parser
