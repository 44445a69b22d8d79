// What subscribers read about a parse: error replies, help, and how field values are shown.
// All texts come from the grammar's templates in the outcome's language.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "conf/status.h"
#include "parser/grammar.h"
#include "parser/outcome.h"
#include "parser/templates.h"

namespace smsgw::parser {

// A template the parser renders itself, and the values it supplies to it. The loader refuses
// a grammar without these templates, or whose declarations ask for more.
struct BuiltinTemplate {
  std::string_view name;
  std::vector<std::string_view> supplies;
};
const std::vector<BuiltinTemplate>& BuiltinTemplates();

// Values the commands engine supplies to a command's challenge prompts, reply and notices,
// besides the command's own fields (by field name, as DisplayValue shows them):
//   code      the challenge code          minutes   the challenge's lifetime
//   txid      the backend's transaction   balance   the balance after it, formatted
//   time      when it happened            sender    the subscriber's number
//   customer  the subscriber (for agents) name      the counterparty's registered name
//   attempts  PIN attempts left           ref       the gateway's reference for the message
//   statement the last transactions, one line each (a mini statement)
const std::vector<std::string_view>& EngineValues();

// The reply to an error or a violation, in the outcome's language. Empty for a command: what
// a command gets is the engine's business (see FieldValues).
Result<std::string> ReplyFor(const Grammar& grammar, const ParseOutcome& outcome);

// The rule a bad field broke, as a phrase: "amount must be between 10 and 70,000".
Result<std::string> RuleText(const Grammar& grammar, std::string_view language,
                             const ParseError& error);

// Fills the bounds or the example of `error`, whose rule `spec` (a field) broke, as
// subscribers read them ("10" and "70,000" for an amount, an example number, ...).
void DescribeRule(const Grammar& grammar, const FieldSpec& spec, std::size_t language,
                  ParseError* error);

// The reply to HELP: the list of commands, or one command's help and usage when `command`
// names one.
Result<std::string> HelpText(const Grammar& grammar, std::string_view language,
                             std::string_view command);

// "PAY, SEND, WITHDRAW, ...": each command's first keyword in `language`.
std::string CommandList(const Grammar& grammar, std::size_t language);

// A number in the national form, for "phone must be like 0712345678".
std::string ExampleMsisdn(const NumberPlan& plan);

// The words a field accepts, as listed to subscribers.
std::string Choices(const Grammar& grammar, const FieldSpec& spec, std::size_t language);

// A field value as it may be shown or logged: amount "KES 1,500.00", account "****1111",
// credential "****", anything else its value.
std::string DisplayValue(const Grammar& grammar, const Field& field);

// Template values for a command's fields, by field name, as DisplayValue shows them;
// credential fields are left out. The engine adds its own values (EngineValues) to these.
std::vector<TemplateValue> FieldValues(const Grammar& grammar, const Command& command);

}  // namespace smsgw::parser
