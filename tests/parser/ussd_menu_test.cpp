// USSD menus in the grammar: the shipped menus, each loader diagnostic at its line, the
// 182-character limit, and how a dialled string resolves.
#include <gtest/gtest.h>

#include "parser/grammar_loader.h"
#include "parser/ussd_screen.h"
#include "tests/support/grammar_fixture.h"

namespace smsgw::parser {
namespace {

using test_support::LineOf;
using test_support::ShippedGrammar;
using test_support::ShippedGrammarText;

struct Loaded {
  std::string text;
  GrammarLoad load;
};

Loaded Replaced(const std::string& from, const std::string& to) {
  std::string text = ShippedGrammarText();
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  GrammarLoad load = LoadGrammar(text, "grammar.yaml");
  return {std::move(text), std::move(load)};
}

// Exactly one error (warnings aside), at the line holding `needle`.
void ExpectError(const Loaded& l, const std::string& needle, const std::string& path,
                 const std::string& message) {
  EXPECT_FALSE(l.load.ok());
  std::vector<Diagnostic> errors;
  std::string all;
  for (const auto& d : l.load.diagnostics) {
    all += d.ToString() + "\n";
    if (d.is_error()) errors.push_back(d);
  }
  ASSERT_EQ(errors.size(), 1u) << all;
  EXPECT_EQ(errors[0].line, LineOf(l.text, needle)) << errors[0].ToString();
  EXPECT_EQ(errors[0].key_path, path);
  EXPECT_EQ(errors[0].message, message);
}

TEST(UssdMenu, ShippedMenusLoadAndFit) {
  auto g = ShippedGrammar();
  ASSERT_TRUE(g->ussd.enabled());
  EXPECT_EQ(g->ussd.service_code, "*384*12#");
  for (const char* name : {"main", "pay.biller", "pay.pin", "pay.confirm", "send.msisdn",
                           "withdraw.agent", "balance.pin", "mini.pin", "register.account"}) {
    EXPECT_NE(g->ussd.Find(name), nullptr) << name;
  }
  for (const UssdScreen& s : g->ussd.screens) {
    for (std::size_t lang = 0; lang < g->languages.size(); ++lang) {
      auto n = LongestUssdScreen(*g, s, lang);
      ASSERT_TRUE(n.ok()) << s.name << ": " << n.status().ToString();
      EXPECT_LE(*n, kUssdMaxScreenChars) << s.name;
      EXPECT_GT(*n, 0u);
    }
  }
}

TEST(UssdMenu, RendersOptionsAndNavigation) {
  auto g = ShippedGrammar();
  auto main = RenderUssdScreen(*g, *g->ussd.Find("main"), 0, {});
  ASSERT_TRUE(main.ok());
  EXPECT_EQ(*main, "Pesa\n1 Pay bill\n2 Send money\n3 Withdraw cash\n4 My account\n5 Kiswahili");
  std::vector<TemplateValue> v = {{"amount", "KES 500.00"}, {"msisdn", "254712345678"}};
  auto confirm = RenderUssdScreen(*g, *g->ussd.Find("send.confirm"), 1, v, "Hint");
  ASSERT_TRUE(confirm.ok());
  EXPECT_EQ(*confirm,
            "Hint\nTuma KES 500.00 kwa 254712345678?\n1 Ndiyo\n2 Hapana\n0 Rudi\n00 Mwanzo");
}

TEST(UssdMenu, ResolvesCodesAndShortcuts) {
  auto g = ShippedGrammar();
  auto d = g->ussd.Resolve("*384*12#");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->screen->name, "main");
  EXPECT_TRUE(d->answers.empty());
  d = g->ussd.Resolve("*384*12*1*KPLC*123456#");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->screen->name, "pay.biller");  // the longest code wins
  EXPECT_EQ(d->answers, (std::vector<std::string>{"KPLC", "123456"}));
  d = g->ussd.Resolve("*384*12*5*2#");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->screen->name, "main");
  EXPECT_EQ(d->answers, (std::vector<std::string>{"5", "2"}));
  EXPECT_FALSE(g->ussd.Resolve("*385#"));
  EXPECT_FALSE(g->ussd.Resolve("*384*1#"));
  EXPECT_FALSE(g->ussd.Resolve("384*12#"));
}

TEST(UssdMenu, ServiceCodeShape) {
  ExpectError(Replaced("  service_code: \"*384*12#\"", "  service_code: \"384\""),
              "  service_code: \"384\"", "ussd.service_code", "expected a code like *384*12#");
}

TEST(UssdMenu, UnknownScreenInAnOption) {
  ExpectError(Replaced("go: withdraw.agent}", "go: withdrw.agent}"), "go: withdrw.agent}",
              "ussd.screens[main].options", "'withdrw.agent' is not a screen");
}

TEST(UssdMenu, UnknownFieldOfAnInput) {
  ExpectError(Replaced("{command: send, field: msisdn}", "{command: send, field: phone}"),
              "send.msisdn:", "ussd.screens[send.msisdn].input", "'phone' is not a field of send");
}

TEST(UssdMenu, UnknownCommand) {
  ExpectError(Replaced("      confirm: withdraw\n", "      confirm: withdrew\n"),
              "withdraw.confirm:", "ussd.screens[withdraw.confirm]", "'withdrew' is not a command");
}

TEST(UssdMenu, ACredentialIsAskedOnAPinScreenOnly) {
  ExpectError(Replaced("      pin: mini\n", "      input: {command: confirm, field: pin}\n"),
              "mini.pin:", "ussd.screens[mini.pin].input",
              "field pin is a credential: ask it on a pin screen of its own");
}

TEST(UssdMenu, APinScreenForACommandWithoutPin) {
  ExpectError(Replaced("      pin: mini\n", "      pin: lock\n"),
              "mini.pin:", "ussd.screens[mini.pin].pin", "command lock takes no PIN");
}

TEST(UssdMenu, NextStaysWithinTheCommand) {
  ExpectError(Replaced("next: send.pin", "next: pay.pin"),
              "send.amount:", "ussd.screens[send.amount].next",
              "'pay.pin' is not a screen of command send: a command's screens lead to its "
              "confirmation or to submit");
}

TEST(UssdMenu, SubmitNeedsEveryFieldAndThePin) {
  ExpectError(Replaced("      next: pay.amount\n", "      next: pay.pin\n"),
              "pay.confirm:", "ussd.screens[pay.confirm]", "submits pay without asking for amount");
  ExpectError(Replaced("      next: send.pin\n", "      next: send.confirm\n"),
              "send.confirm:", "ussd.screens[send.confirm]", "submits send without asking for pin");
}

TEST(UssdMenu, AValueShownBeforeItIsAsked) {
  ExpectError(Replaced("text: {en: \"Enter bill reference\"",
                       "text: {en: \"Enter reference for {amount}\""),
              "text: {en: \"Enter reference for {amount}\"", "ussd.screens[pay.bill_ref].text.en",
              "shows {amount} before a screen asks for it");
}

TEST(UssdMenu, AScreenLongerThan182CharactersIsAnErrorAtItsText) {
  const std::string long_text(150, 'x');
  const Loaded l = Replaced("text: {en: \"Pesa\", sw: \"Pesa\"}",
                            "text: {en: \"" + long_text + "\", sw: \"Pesa\"}");
  // 150 + the hint "Invalid choice.\n" (16) + five options (65): 231.
  ExpectError(l, long_text, "ussd.screens[main].text.en",
              "the screen is 231 characters at its longest (options, values and hints included); "
              "USSD allows 182");
  // An input screen counts its longest hint: "Amount must be between 10 and 150,000".
  const Loaded input = Replaced(
      "text: {en: \"Enter amount\", sw: \"Weka kiasi\"}\n      next: pay.pin",
      "text: {en: \"" + std::string(140, 'y') + "\", sw: \"Weka kiasi\"}\n      next: pay.pin");
  EXPECT_FALSE(input.load.ok());
  bool found = false;
  for (const auto& d : input.load.diagnostics) {
    found = found || (d.key_path == "ussd.screens[pay.amount].text.en" &&
                      d.message.find("USSD allows 182") != std::string::npos);
  }
  EXPECT_TRUE(found);
}

TEST(UssdMenu, LabelsInEveryLanguage) {
  ExpectError(Replaced("    home: {en: Home, sw: Mwanzo}\n", "    home: {en: Home}\n"),
              "    home: {en: Home}", "ussd.labels.home.sw", "missing");
}

TEST(UssdMenu, CodesAreUnique) {
  ExpectError(Replaced("codes: [\"*384*12*2#\"]", "codes: [\"*384*12*1#\"]"),
              "send.msisdn:", "ussd.screens[send.msisdn].codes",
              "code *384*12*1# also opens screen pay.biller");
}

}  // namespace
}  // namespace smsgw::parser
