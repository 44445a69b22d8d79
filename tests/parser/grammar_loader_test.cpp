// The grammar loader's diagnostics: each problem is reported with the file, the exact line of
// the offending text, the key path and a message that says what to do. Broken grammars are
// made from the shipped one by inserting the problem, so only that problem is reported.
#include "parser/grammar_loader.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/support/grammar_fixture.h"

namespace smsgw::parser {
namespace {

using test_support::InsertAfterLine;
using test_support::LineOf;
using test_support::ShippedGrammarText;

constexpr const char* kFile = "grammar.yaml";

struct Loaded {
  std::string text;
  GrammarLoad load;
};

Loaded Load(std::string text) {
  GrammarLoad load = LoadGrammar(text, kFile);
  return {std::move(text), std::move(load)};
}

Loaded WithCommand(const std::string& yaml) {
  return Load(InsertAfterLine(ShippedGrammarText(), "commands:", yaml));
}

Loaded WithTemplate(const std::string& yaml) {
  return Load(InsertAfterLine(ShippedGrammarText(), "templates:", yaml));
}

std::string Replaced(const std::string& from, const std::string& to) {
  std::string text = ShippedGrammarText();
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

std::string All(const GrammarLoad& load) {
  std::string out;
  for (const auto& d : load.diagnostics) out += d.ToString() + "\n";
  return out;
}

// Expects exactly one error: at the line holding `needle`, with this key path and message.
void ExpectOnlyError(const Loaded& l, const std::string& needle, const std::string& path,
                     const std::string& message) {
  EXPECT_FALSE(l.load.ok());
  ASSERT_EQ(l.load.diagnostics.size(), 1u) << All(l.load);
  const Diagnostic& d = l.load.diagnostics[0];
  EXPECT_TRUE(d.is_error());
  EXPECT_EQ(d.file, kFile);
  EXPECT_EQ(d.line, LineOf(l.text, needle)) << d.ToString();
  EXPECT_GT(d.column, 0);
  EXPECT_EQ(d.key_path, path);
  EXPECT_EQ(d.message, message);
}

TEST(GrammarLoader, ShippedGrammarHasNoDiagnostics) {
  const Loaded l = Load(ShippedGrammarText());
  EXPECT_TRUE(l.load.ok());
  EXPECT_EQ(All(l.load), "");
  EXPECT_EQ(l.load.grammar->languages, (std::vector<std::string>{"en", "sw"}));
  EXPECT_EQ(l.load.grammar->file, kFile);
}

TEST(GrammarLoader, YamlSyntaxErrorHasLineAndColumn) {
  const Loaded l = Load("version: 1\nlanguages: [en\n");
  ASSERT_EQ(l.load.diagnostics.size(), 1u);
  EXPECT_EQ(l.load.diagnostics[0].ToString(),
            "grammar.yaml:3:1: error: end of sequence flow not found");
}

TEST(GrammarLoader, EmptyAndNonMappingDocuments) {
  EXPECT_EQ(All(Load("").load), "grammar.yaml: error: the grammar is empty\n");
  EXPECT_EQ(All(Load("- a\n- b\n").load),
            "grammar.yaml:1:1: error: expected a mapping (key: value)\n");
}

TEST(GrammarLoader, UnknownTopLevelKeySuggestsTheRightOne) {
  const Loaded l = Load(InsertAfterLine(ShippedGrammarText(), "version: 1", "comands: []\n"));
  ExpectOnlyError(l, "comands:", "comands", "unknown key 'comands' (did you mean 'commands'?)");
  EXPECT_EQ(l.load.diagnostics[0].ToString(),
            "grammar.yaml:" + std::to_string(LineOf(l.text, "comands:")) +
                ":1: error: comands: unknown key 'comands' (did you mean 'commands'?)");
}

TEST(GrammarLoader, KeyGivenTwice) {
  const Loaded l = Load(InsertAfterLine(ShippedGrammarText(), "version: 1", "version: 1\n"));
  ASSERT_FALSE(l.load.ok());
  const int second = LineOf(l.text, "version: 1") + 1;
  EXPECT_EQ(All(l.load),
            "grammar.yaml:" + std::to_string(second) + ":1: error: version: key given twice\n");
}

TEST(GrammarLoader, UnknownFieldType) {
  const Loaded l = WithCommand(
      "  - name: gift\n    operation: gift\n    keywords: {en: [GIFT]}\n"
      "    fields:\n      - {name: amount, type: ammount}\n");
  ExpectOnlyError(l, "type: ammount", "commands[gift].fields[amount].type",
                  "unknown type 'ammount' (did you mean 'amount'?)");
}

TEST(GrammarLoader, UnknownClass) {
  const Loaded l = WithCommand(
      "  - name: gift\n    operation: gift\n    keywords: {en: [GIFT]}\n"
      "    fields:\n      - {name: to, type: msisdn, class: payee}\n");
  ExpectOnlyError(
      l, "class: payee", "commands[gift].fields[to].class",
      "unknown class 'payee' (classes: account, credential, amount, party, reference, free)");
}

TEST(GrammarLoader, KeywordUsedByTwoCommands) {
  const Loaded l =
      WithCommand("  - name: bills\n    operation: bill.list\n    keywords: {sw: [LIPA]}\n");
  // The inserted command comes first in the file, so the shipped PAY is the second user.
  ExpectOnlyError(l, "keywords: {en: [PAY, PAYBILL], sw: [LIPA]}", "commands[pay].keywords",
                  "keyword LIPA is also a keyword of command bills (line " +
                      std::to_string(LineOf(l.text, "keywords: {sw: [LIPA]}")) + ")");
}

TEST(GrammarLoader, KeywordNormalisedBeforeComparing) {
  const Loaded l =
      WithCommand("  - name: pin2\n    operation: pin.two\n    keywords: {en: ['change  pin']}\n");
  ASSERT_FALSE(l.load.ok());
  EXPECT_NE(All(l.load).find("keyword CHANGE PIN is also a keyword of command pin2"),
            std::string::npos)
      << All(l.load);
}

TEST(GrammarLoader, KeywordThatReadsAsTheConfirmationCode) {
  const Loaded l =
      WithCommand("  - name: quick\n    operation: quick\n    keywords: {en: ['1234']}\n");
  ExpectOnlyError(l, "keywords: {en: ['1234']}", "commands[quick].keywords",
                  "keyword 1234 could also be the code of command confirm, which has no keyword");
}

TEST(GrammarLoader, TwoKeywordlessCommandsThatFitTheSameMessage) {
  const Loaded l = WithCommand(
      "  - name: answer\n    operation: answer\n    fields:\n"
      "      - {name: code, type: code}\n      - {name: pin, type: pin}\n");
  ExpectOnlyError(l, "  - name: confirm", "commands[confirm]",
                  "commands answer and confirm have no keyword and a message like '1111 1111' "
                  "fits both");
}

TEST(GrammarLoader, KeywordlessCommandCannotStartWithAWord) {
  const Loaded l = WithCommand(
      "  - name: anything\n    operation: x\n    fields:\n      - {name: w, type: word}\n");
  ExpectOnlyError(l, "{name: w, type: word}", "commands[anything].fields[w]",
                  "a command without keywords cannot start with an optional, word or text field: "
                  "every unknown keyword would be read as its w");
}

TEST(GrammarLoader, LongerKeywordShadowedByAShorterOnesField) {
  const Loaded l = WithCommand(
      "  - name: change\n    operation: x\n    keywords: {en: [CHANGE]}\n"
      "    fields:\n      - {name: what, type: word}\n");
  ExpectOnlyError(l, "keywords: {en: [PIN, CHANGE PIN]", "commands[pin_change].keywords",
                  "'CHANGE PIN' is ambiguous: CHANGE is a keyword of command change, whose field "
                  "what accepts 'PIN'");
}

TEST(GrammarLoader, CommandCarryingAccountAndCredential) {
  const Loaded l = WithCommand(
      "  - name: quickpay\n    operation: x\n    keywords: {en: [QP]}\n    fields:\n"
      "      - {name: account, type: account}\n      - {name: pin, type: pin}\n");
  ExpectOnlyError(l, "{name: pin, type: pin}\n", "commands[quickpay].fields[pin]",
                  "command quickpay could carry account (account) and credential (pin) in one "
                  "message, which credential_split.forbidden_pairs forbids");
}

TEST(GrammarLoader, ForbiddenPairsComeFromTheGrammar) {
  std::string text = Replaced("    - [account, credential]\n",
                              "    - [account, credential]\n    - [party, free]\n");
  text = InsertAfterLine(text, "commands:",
                         "  - name: tip\n    operation: x\n    keywords: {en: [TIP]}\n"
                         "    fields:\n      - {name: to, type: msisdn}\n"
                         "      - {name: note, type: text}\n");
  const Loaded l = Load(text);
  ExpectOnlyError(l, "{name: note, type: text}", "commands[tip].fields[note]",
                  "command tip could carry party (to) and free (note) in one message, which "
                  "credential_split.forbidden_pairs forbids");
}

TEST(GrammarLoader, PinFieldMustBeCredential) {
  const Loaded l = WithCommand(
      "  - name: odd\n    operation: x\n    keywords: {en: [ODD]}\n"
      "    fields:\n      - {name: p, type: pin, class: free}\n");
  ExpectOnlyError(l, "class: free}", "commands[odd].fields[p].class",
                  "a pin field is always of class credential");
}

TEST(GrammarLoader, LengthOnAFieldThatHasNone) {
  const Loaded l = WithCommand(
      "  - name: odd\n    operation: x\n    keywords: {en: [ODD]}\n"
      "    fields:\n      - {name: to, type: msisdn, length: 10}\n");
  ExpectOnlyError(l, "length: 10}", "commands[odd].fields[to].length",
                  "a msisdn field has no length");
}

TEST(GrammarLoader, InvalidDefault) {
  const Loaded l = WithCommand(
      "  - name: tip\n    operation: x\n    keywords: {en: [TIP]}\n    fields:\n"
      "      - {name: amount, type: amount, min: 10, optional: true, default: 5}\n");
  ExpectOnlyError(l, "{name: amount, type: amount, min: 10", "commands[tip].fields[amount].default",
                  "'5' is not a valid amount for this field (amount_range)");
}

TEST(GrammarLoader, DefaultNeedsOptional) {
  const Loaded l = WithCommand(
      "  - name: tip\n    operation: x\n    keywords: {en: [TIP]}\n    fields:\n"
      "      - {name: amount, type: amount, default: 50}\n");
  ExpectOnlyError(l, "default: 50}", "commands[tip].fields[amount].default",
                  "only an optional field has a default");
}

TEST(GrammarLoader, TextFieldMustBeLast) {
  const Loaded l = WithCommand(
      "  - name: note\n    operation: x\n    keywords: {en: [NOTE]}\n    fields:\n"
      "      - {name: body, type: text}\n      - {name: amount, type: amount}\n");
  ExpectOnlyError(l, "{name: amount, type: amount}", "commands[note].fields[amount]",
                  "comes after a text field, which takes the rest of the message");
}

TEST(GrammarLoader, OptionalFieldThatSwallowsTheNextOne) {
  const Loaded l = WithCommand(
      "  - name: twice\n    operation: x\n    keywords: {en: [TWICE]}\n    fields:\n"
      "      - {name: a, type: msisdn, optional: true}\n      - {name: b, type: msisdn}\n");
  ExpectOnlyError(l, "{name: a, type: msisdn, optional: true}", "commands[twice].fields[a]",
                  "ambiguous: in a message giving only the b ('0712345678'), it would be read as "
                  "the optional a");
}

TEST(GrammarLoader, AmountBounds) {
  const Loaded l = WithCommand(
      "  - name: tip\n    operation: x\n    keywords: {en: [TIP]}\n    fields:\n"
      "      - {name: amount, type: amount, min: 500, max: 50}\n");
  ExpectOnlyError(l, "{name: amount, type: amount, min: 500", "commands[tip].fields[amount]",
                  "min is greater than max");
  const Loaded bad = WithCommand(
      "  - name: tip\n    operation: x\n    keywords: {en: [TIP]}\n    fields:\n"
      "      - {name: amount, type: amount, max: 1,000}\n");
  ASSERT_FALSE(bad.load.ok());
}

TEST(GrammarLoader, KeywordInALanguageTheGrammarDoesNotHave) {
  const Loaded l =
      WithCommand("  - name: tip\n    operation: x\n    keywords: {en: [TIP], fr: [POURBOIRE]}\n");
  ExpectOnlyError(l, "keywords: {en: [TIP], fr:", "commands[tip].keywords.fr",
                  "'fr' is not one of the grammar's languages");
}

TEST(GrammarLoader, UnknownPlaceholder) {
  const Loaded l = WithTemplate(
      "  gift.done:\n    placeholders: [amount]\n    en: \"Sent {amount} to {payee}.\"\n"
      "    sw: \"Umetuma {amount}.\"\n");
  ExpectOnlyError(l, "en: \"Sent {amount} to {payee}.\"", "templates.gift.done.en",
                  "unknown placeholder {payee} (declared: amount)");
}

TEST(GrammarLoader, UnmatchedBrace) {
  const Loaded l = WithTemplate(
      "  gift.done:\n    placeholders: [amount]\n    en: \"Sent {amount\"\n    sw: \"{amount}\"\n");
  ExpectOnlyError(l, "en: \"Sent {amount\"", "templates.gift.done.en",
                  "unmatched '{' (write '{{' for a literal brace)");
}

TEST(GrammarLoader, TemplateMissingALanguage) {
  const Loaded l = WithTemplate("  gift.done:\n    placeholders: []\n    en: \"Done.\"\n");
  ExpectOnlyError(l, "  gift.done:", "templates.gift.done.sw",
                  "missing: every template needs a text in every language");
}

TEST(GrammarLoader, WarningsDoNotStopLoading) {
  const Loaded l = WithTemplate(
      "  gift.done:\n    placeholders: [amount]\n    en: \"Sent {amount} \xE2\x9C\x93\"\n"
      "    sw: \"Umetuma.\"\n");
  EXPECT_TRUE(l.load.ok()) << All(l.load);
  ASSERT_EQ(l.load.diagnostics.size(), 2u) << All(l.load);
  const int en = LineOf(l.text, "en: \"Sent {amount}");
  const int sw = LineOf(l.text, "sw: \"Umetuma.\"");
  EXPECT_EQ(l.load.diagnostics[0].ToString(),
            "grammar.yaml:" + std::to_string(en) +
                ":9: warning: templates.gift.done.en: has characters outside the GSM 7-bit "
                "alphabet: it will be sent as UCS-2 (70 characters per SMS)");
  EXPECT_EQ(l.load.diagnostics[1].ToString(),
            "grammar.yaml:" + std::to_string(sw) +
                ":9: warning: templates.gift.done.sw: does not use {amount}, which the template "
                "declares");
}

TEST(GrammarLoader, MissingBuiltinTemplate) {
  const Loaded l =
      Load(Replaced("  error.extra:\n    placeholders: [usage]\n"
                    "    en: \"Too many values. Use: {usage}\"\n"
                    "    sw: \"Maneno ni mengi mno. Tumia: {usage}\"\n",
                    ""));
  ASSERT_EQ(l.load.diagnostics.size(), 1u) << All(l.load);
  EXPECT_EQ(l.load.diagnostics[0].ToString(),
            "grammar.yaml: error: templates: missing template error.extra (the parser's own "
            "replies need it)");
}

TEST(GrammarLoader, BuiltinTemplateAskingForAValueNobodySupplies) {
  const Loaded l = Load(Replaced("  error.extra:\n    placeholders: [usage]\n",
                                 "  error.extra:\n    placeholders: [usage, balance]\n"));
  ASSERT_FALSE(l.load.ok());
  const auto& d = l.load.diagnostics;
  const auto it =
      std::find_if(d.begin(), d.end(), [](const Diagnostic& x) { return x.is_error(); });
  ASSERT_NE(it, d.end());
  EXPECT_EQ(it->line, LineOf(l.text, "  error.extra:"));
  EXPECT_EQ(it->message,
            "declares {balance}, which the parser does not supply (it supplies commands, usage, "
            "command)");
}

// error.empty has no command, so no usage line: declaring one would fail at every empty SMS.
TEST(GrammarLoader, BuiltinTemplateAskingForAValueItsCaseLacks) {
  const Loaded l = Load(Replaced("  error.empty:\n    placeholders: [commands]\n",
                                 "  error.empty:\n    placeholders: [commands, usage]\n"));
  ASSERT_FALSE(l.load.ok());
  EXPECT_NE(All(l.load).find("declares {usage}, which the parser does not supply (it supplies "
                             "commands)"),
            std::string::npos)
      << All(l.load);
}

TEST(GrammarLoader, PromptMustShowTheCode) {
  std::string text = Replaced(
      "    placeholders: [code, minutes]\n    en: \"To see your balance, reply {code} <PIN> "
      "within {minutes} min.\"\n    sw: \"Kuona salio lako, jibu {code} <PIN> ndani ya dakika "
      "{minutes}.\"\n",
      "    placeholders: [minutes]\n    en: \"Reply <PIN> within {minutes} min.\"\n"
      "    sw: \"Jibu <PIN> ndani ya dakika {minutes}.\"\n");
  const Loaded l = Load(text);
  ASSERT_FALSE(l.load.ok());
  EXPECT_NE(All(l.load).find("commands[balance].challenge[0].prompt: template "
                             "balance.challenge must show the challenge {code}"),
            std::string::npos)
      << All(l.load);
}

TEST(GrammarLoader, CommandTemplateShowingACredential) {
  const Loaded l = Load(Replaced("      - {collect: pin, prompt: pay.challenge}\n",
                                 "      - {collect: pin, prompt: pay.challenge}\n"
                                 "    notices:\n      - {to: biller, template: leak}\n"));
  ASSERT_FALSE(l.load.ok());
  EXPECT_NE(All(l.load).find("no template leak"), std::string::npos) << All(l.load);
}

TEST(GrammarLoader, ChallengeWithoutAConfirmationCommand) {
  const Loaded l = Load(Replaced("      - name: pin\n        type: pin\n",
                                 "      - name: pin\n        type: digits\n"));
  ASSERT_FALSE(l.load.ok());
  EXPECT_NE(All(l.load).find("commands[register].challenge: no command reads the answer to a "
                             "challenge: add one with a code and a pin field"),
            std::string::npos)
      << All(l.load);
}

TEST(GrammarLoader, NumberPlanAndMoneyValues) {
  Loaded l = Load(Replaced("  country_code: \"254\"", "  country_code: \"+254\""));
  ExpectOnlyError(l, "  country_code: \"+254\"", "number_plan.country_code",
                  "expected 1 to 3 digits");
  l = Load(Replaced("  grouping_separator: \",\"", "  grouping_separator: \".\""));
  ExpectOnlyError(l, "  grouping_separator: \".\"", "money.grouping_separator",
                  "must differ from decimal_separator");
  l = Load(Replaced("  minor_digits: 2", "  minor_digits: 5"));
  ExpectOnlyError(l, "  minor_digits: 5", "money.minor_digits", "must be between 0 and 3");
}

TEST(GrammarLoader, ReportsEveryProblemNotJustTheFirst) {
  std::string text = Replaced("  currency: KES", "  currency: shillings");
  text = InsertAfterLine(text, "commands:",
                         "  - name: gift\n    operation: gift\n    keywords: {en: [GIFT]}\n"
                         "    fields:\n      - {name: amount, type: amonut}\n");
  const Loaded l = Load(text);
  ASSERT_EQ(l.load.diagnostics.size(), 2u) << All(l.load);
  EXPECT_EQ(l.load.diagnostics[0].line, LineOf(l.text, "currency: shillings"));
  EXPECT_EQ(l.load.diagnostics[1].line, LineOf(l.text, "type: amonut"));
}

TEST(GrammarLoader, OversizedInputIsRefusedUnread) {
  const Loaded l = Load(std::string((4 << 20) + 1, '#'));
  EXPECT_EQ(All(l.load), "grammar.yaml: error: larger than 4 MiB; not a grammar\n");
}

}  // namespace
}  // namespace smsgw::parser
