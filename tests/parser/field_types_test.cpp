// Field types the shipped commands do not use (date, text, Luhn-checked accounts, word
// choices, foreign numbers) and number plans without a national prefix, on grammars made
// from the shipped one.
#include <gtest/gtest.h>

#include "parser/grammar_loader.h"
#include "parser/parse.h"
#include "tests/parser/parse_summary.h"
#include "tests/support/grammar_fixture.h"

namespace smsgw::parser {
namespace {

constexpr const char* kProbes = R"(  - name: probe
    operation: probe
    keywords: {en: [PROBE]}
    fields:
      - {name: day, type: date}
      - {name: note, type: text, optional: true, length: {max: 20}}
  - name: card
    operation: card
    keywords: {en: [CARD]}
    fields:
      - {name: number, type: account, luhn: true, length: {min: 13, max: 19}}
  - name: intl
    operation: intl
    keywords: {en: [INTL]}
    fields:
      - {name: to, type: msisdn, any_country: true}
      - {name: size, type: word, values: [small, large], optional: true, default: small}
)";

std::shared_ptr<const Grammar> Probes() {
  static const auto grammar = [] {
    const std::string text =
        test_support::InsertAfterLine(test_support::ShippedGrammarText(), "commands:", kProbes);
    GrammarLoad load = LoadGrammar(text, "probe.yaml");
    for (const auto& d : load.diagnostics) ADD_FAILURE() << d.ToString();
    return load.grammar;
  }();
  return grammar;
}

struct Case {
  const char* text;
  const char* want;
  const char* redacted = nullptr;
};

void Check(const Grammar& g, std::initializer_list<Case> cases) {
  for (const Case& c : cases) {
    const ParseOutcome o = Parse(g, c.text);
    EXPECT_EQ(Summary(o), c.want) << "text: [" << c.text << "]";
    if (c.redacted != nullptr) {
      EXPECT_EQ(o.redacted(), c.redacted) << "text: [" << c.text << "]";
    }
  }
}

TEST(FieldTypes, Dates) {
  ASSERT_NE(Probes(), nullptr);
  Check(*Probes(), {
                       {"PROBE 30-11-2024", "probe/en day=2024-11-30"},
                       {"PROBE 2024-11-30", "probe/en day=2024-11-30"},
                       {"PROBE 30/11/24", "probe/en day=2024-11-30"},
                       {"PROBE 30.11.2024", "probe/en day=2024-11-30"},
                       {"PROBE 30 11 2024", "probe/en day=2024-11-30"},
                       {"PROBE 1-2-2025", "probe/en day=2025-02-01"},
                       {"PROBE 30112024", "probe/en day=2024-11-30"},
                       {"PROBE 20241130", "probe/en day=2024-11-30"},
                       {"PROBE 29-02-2024", "probe/en day=2024-02-29"},
                       {"PROBE 29-02-2023", "error:bad_field probe.day date"},
                       {"PROBE 31-04-2024", "error:bad_field probe.day date"},
                       {"PROBE 00-01-2024", "error:bad_field probe.day date"},
                       {"PROBE 2024-13-01", "error:bad_field probe.day date"},
                       {"PROBE 30-11", "error:bad_field probe.day date"},
                       {"PROBE tomorrow", "error:bad_field probe.day date"},
                       {"PROBE", "error:missing_field probe.day"},
                   });
}

TEST(FieldTypes, TextKeepsWhatWasTypedAndIsScanned) {
  ASSERT_NE(Probes(), nullptr);
  Check(*Probes(),
        {
            {"PROBE 30-11-2024 Hello, World!", "probe/en day=2024-11-30 note=Hello, World!"},
            {"probe 30-11-2024   see   you  ", "probe/en day=2024-11-30 note=see   you"},
            {"PROBE 30-11-2024 call me at 1234", "probe/en day=2024-11-30 note=call me at 1234",
             "PROBE 30-11-2024 call me at ****"},
            {"PROBE 30-11-2024 this note is far too long", "error:bad_field probe.note text"},
            {"PROBE 30-11-2024 acc 0123456789 pin 4321", "violation:probe",
             "PROBE ****-****-**** acc **** pin ****"},
        });
}

TEST(FieldTypes, LuhnCheckedAccounts) {
  ASSERT_NE(Probes(), nullptr);
  Check(*Probes(),
        {
            {"CARD 4111111111111111", "card/en number=4111111111111111", "CARD ****1111"},
            {"CARD 4111 1111 1111 1111", "card/en number=4111111111111111"},
            {"CARD 4111-1111-1111-1111", "card/en number=4111111111111111"},
            {"CARD 4111111111111112", "error:bad_field card.number luhn"},
            {"CARD 411111111111", "error:bad_field card.number digits"},
        });
}

TEST(FieldTypes, ForeignNumbersAndWordChoicesWithDefaults) {
  ASSERT_NE(Probes(), nullptr);
  Check(*Probes(), {
                       {"INTL +255712345678", "intl/en to=255712345678 size=SMALL*"},
                       {"INTL 00255712345678 large", "intl/en to=255712345678 size=LARGE"},
                       {"INTL 0712345678 Large", "intl/en to=254712345678 size=LARGE"},
                       {"INTL +1 202 555 0143", "intl/en to=12025550143 size=SMALL*"},
                       {"INTL 0712345678 medium", "error:bad_field intl.size choice"},
                       {"INTL +0123456789", "error:bad_field intl.to msisdn"},
                       {"INTL +1234567", "error:bad_field intl.to msisdn"},
                   });
}

TEST(FieldTypes, NumberPlanWithoutNationalPrefix) {
  std::string text = test_support::ShippedGrammarText();
  const std::string from =
      "  country_code: \"254\"\n  national_prefix: \"0\"\n  international_prefix: \"00\"\n"
      "  national_number_length: 9     # digits after the country code\n"
      "  mobile_prefixes: [\"7\", \"1\"]";
  const std::size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, from.size(),
               "  country_code: \"1\"\n  international_prefix: \"011\"\n"
               "  national_number_length: 10");
  GrammarLoad load = LoadGrammar(text, "nanp.yaml");
  ASSERT_TRUE(load.ok());
  Check(*load.grammar, {
                           {"SEND 2025550143 10", "send/en msisdn=12025550143 amount=10.00"},
                           {"SEND 12025550143 10", "send/en msisdn=12025550143 amount=10.00"},
                           {"SEND +1 202 555 0143 10", "send/en msisdn=12025550143 amount=10.00"},
                           {"SEND 01112025550143 10", "send/en msisdn=12025550143 amount=10.00"},
                           {"SEND 202555014 10", "error:bad_field send.msisdn msisdn"},
                       });
}

}  // namespace
}  // namespace smsgw::parser
