// The shipped grammar as a product: both languages complete, every reply one GSM-7 SMS with
// realistic values, and the worked example of docs/grammar.md still working.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "parser/grammar_loader.h"
#include "parser/gsm7.h"
#include "parser/parse.h"
#include "parser/replies.h"
#include "parser/templates.h"
#include "tests/parser/parse_summary.h"
#include "tests/support/grammar_fixture.h"

namespace smsgw::parser {
namespace {

TEST(ShippedGrammar, EveryCommandSpeaksBothLanguages) {
  const auto g = test_support::ShippedGrammar();
  for (const auto& c : g->commands) {
    for (std::size_t lang = 0; lang < g->languages.size(); ++lang) {
      if (!c.keywordless()) {
        EXPECT_TRUE(std::any_of(c.keywords.begin(), c.keywords.end(),
                                [&](const KeywordSpec& k) { return k.language == lang; }))
            << c.name << " has no " << g->languages[lang] << " keyword";
        EXPECT_FALSE(c.help[lang].empty()) << c.name << " has no " << g->languages[lang] << " help";
      }
      for (const auto& f : c.fields) {
        EXPECT_FALSE(f.labels[lang].empty()) << c.name << "." << f.name;
      }
    }
  }
}

TEST(ShippedGrammar, TheCommandsTheIssueAsksFor) {
  const auto g = test_support::ShippedGrammar();
  const std::map<std::string, std::string> want = {{"register", "account.bind"},
                                                   {"pay", "bill.pay"},
                                                   {"send", "transfer"},
                                                   {"withdraw", "cash.withdraw"},
                                                   {"topup", "airtime.topup"},
                                                   {"balance", "account.balance"},
                                                   {"mini", "account.statement"},
                                                   {"pin_change", "pin.change"},
                                                   {"lock", "account.lock"},
                                                   {"cancel", "challenge.cancel"},
                                                   {"confirm", "challenge.answer"},
                                                   {"help", "help"},
                                                   {"stop", "subscriber.stop"}};
  for (const auto& [name, operation] : want) {
    const CommandSpec* c = g->FindCommand(name);
    ASSERT_NE(c, nullptr) << name;
    EXPECT_EQ(c->operation, operation);
  }
  EXPECT_EQ(g->FindCommand("pin_change")->challenge.size(), 2u);
  EXPECT_TRUE(g->FindCommand("confirm")->keywordless());
}

// The longest value each placeholder realistically takes.
std::vector<TemplateValue> WorstCaseValues(const Grammar& g, std::size_t lang) {
  std::string usage, label, help, rule;
  for (const auto& c : g.commands) {
    usage = std::max(usage, c.usage[lang], [](auto& a, auto& b) { return a.size() < b.size(); });
    help = std::max(help, c.help[lang], [](auto& a, auto& b) { return a.size() < b.size(); });
    for (const auto& f : c.fields) {
      if (f.labels[lang].size() > label.size()) label = f.labels[lang];
    }
  }
  std::vector<TemplateValue> v = {{"amount", "KES 150,000.00"},
                                  {"balance", "KES -1,234,567.89"},
                                  {"txid", "QK7H2M9XTA"},
                                  {"biller", "KPLCPREPAID1"},
                                  {"bill_ref", "54700123456789"},
                                  {"msisdn", "254712345678"},
                                  {"agent", "1234567"},
                                  {"code", "4821"},
                                  {"minutes", "5"},
                                  {"hours", "168"},
                                  {"expires", "30/11/24 14:05"},
                                  {"time", "30/11/24 14:05"},
                                  {"sender", "254712345678"},
                                  {"customer", "254712345678"},
                                  {"name", "JOHN KAMAU"},
                                  {"attempts", "2"},
                                  {"account", "****6789"},
                                  {"ref", "QK7H2M9XTA"},
                                  {"due", "30 Nov"},
                                  {"amount_typed", "150000"},
                                  {"commands", CommandList(g, lang)},
                                  {"suggestion", "BADILISHA PIN"},
                                  {"usage", usage},
                                  {"field", label},
                                  {"help", help},
                                  {"command", "BADILISHA PIN"},
                                  {"min", "150,000"},
                                  {"max", "150,000"},
                                  {"length", "16"},
                                  {"example", ExampleMsisdn(g.number_plan)},
                                  {"choices", CommandList(g, lang)},
                                  {"statement", "QK7H2M9XTA 30/11 KES 1,500.00."}};
  for (const auto& t : g.templates) {
    if (t.name.rfind("rule.", 0) != 0) continue;
    Result<std::string> r = Render(t, lang, v);
    if (r.ok() && r->size() > rule.size()) rule = *r;
  }
  v.push_back({"rule", rule});
  return v;
}

void ExpectOneSms(const std::string& what, const std::string& text) {
  const std::optional<std::size_t> septets = Gsm7Length(text);
  ASSERT_TRUE(septets.has_value()) << what << " is not GSM-7: " << text;
  EXPECT_LE(*septets, kSmsSeptets) << what << ": " << *septets << " characters: " << text;
}

// Replies that depend on the command are checked on real messages below.
bool CommandSpecific(const std::string& name) {
  return name == "error.field" || name == "error.missing" || name == "error.extra" ||
         name == "error.unknown_suggest";
}

TEST(ShippedGrammar, EveryReplyFitsOneGsm7Sms) {
  const auto g = test_support::ShippedGrammar();
  for (std::size_t lang = 0; lang < g->languages.size(); ++lang) {
    const std::vector<TemplateValue> values = WorstCaseValues(*g, lang);
    for (const auto& t : g->templates) {
      // USSD screens are held to 182 characters by the loader (ussd_menu_test.cpp).
      if (CommandSpecific(t.name) || t.name.rfind("ussd.", 0) == 0) continue;
      Result<std::string> text = Render(t, lang, values);
      ASSERT_TRUE(text.ok()) << t.name << ": " << text.status().ToString();
      ExpectOneSms(t.name + " (" + g->languages[lang] + ")", *text);
    }
  }
}

// A value each field type accepts, and one none does.
std::string Valid(const FieldSpec& f) {
  switch (f.type) {
    case FieldType::kMsisdn:
      return "0712345678";
    case FieldType::kAmount:
      return "100";
    case FieldType::kCode:
      return "4821";
    case FieldType::kPin:
      return "1234";
    case FieldType::kDigits:
      return std::string(static_cast<std::size_t>(f.min_length), '7');
    case FieldType::kWord:
      return f.command_topic ? "PAY" : "KPLC";
    default:
      return "X";
  }
}

TEST(ShippedGrammar, EveryErrorReplyFitsOneGsm7Sms) {
  const auto g = test_support::ShippedGrammar();
  const std::string bad = "ZZZZZZZZZZZZZZZZZZZZZZZZZ";
  int checked = 0;
  for (const auto& c : g->commands) {
    for (std::size_t lang = 0; lang < g->languages.size(); ++lang) {
      std::string prefix;
      for (const auto& k : c.keywords) {
        if (k.language == lang) {
          prefix = k.text;
          break;
        }
      }
      std::vector<std::string> messages = {prefix + " " + bad.substr(0, 3)};  // a typo'd keyword
      std::string valid = prefix;
      for (const auto& f : c.fields) {
        messages.push_back(valid + " " + bad);  // this field is bad
        messages.push_back(valid);              // this field is missing
        valid += " " + Valid(f);
      }
      messages.push_back(valid + " " + bad);  // one value too many
      for (const auto& m : messages) {
        const ParseOutcome o = Parse(*g, m, {.language = g->languages[lang]});
        Result<std::string> reply = ReplyFor(*g, o);
        ASSERT_TRUE(reply.ok()) << m << ": " << reply.status().ToString();
        ExpectOneSms("reply to [" + m + "]", *reply);
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 80);
}

TEST(ShippedGrammar, CommandListsInBothLanguages) {
  const auto g = test_support::ShippedGrammar();
  EXPECT_EQ(CommandList(*g, 0),
            "REG, PAY, SEND, WITHDRAW, TOPUP, BAL, MINI, PIN, LOCK, CANCEL, HELP, STOP");
  EXPECT_EQ(CommandList(*g, 1),
            "SAJILI, LIPA, TUMA, TOA, JAZA, SALIO, TAARIFA, BADILI PIN, FUNGA, GHAIRI, MSAADA, "
            "SITISHA");
}

// The YAML block that follows `<!-- example: NAME -->` in docs/grammar.md.
std::string DocExample(const std::string& name) {
  const std::string doc = test_support::ReadSource("docs/grammar.md");
  const std::size_t marker = doc.find("<!-- example: " + name + " -->");
  EXPECT_NE(marker, std::string::npos) << name;
  if (marker == std::string::npos) return {};
  const std::size_t begin = doc.find("```yaml\n", marker) + 8;
  return doc.substr(begin, doc.find("```", begin) - begin);
}

TEST(ShippedGrammar, WorkedExampleOfTheDocsAddsAirtime) {
  std::string text = test_support::ShippedGrammarText();
  text = test_support::InsertAfterLine(text, "commands:", DocExample("airtime-command"));
  text = test_support::InsertAfterLine(text, "templates:", DocExample("airtime-templates"));
  const GrammarLoad load = LoadGrammar(text, "conf/grammar.yaml");
  ASSERT_TRUE(load.ok());
  EXPECT_TRUE(load.diagnostics.empty());
  const Grammar& g = *load.grammar;
  EXPECT_EQ(Summary(Parse(g, "airtime 50")), "airtime/en amount=50.00");
  EXPECT_EQ(Summary(Parse(g, "MUDA 50")), "airtime/sw amount=50.00");
  EXPECT_EQ(Summary(Parse(g, "muda 2000")), "error:bad_field airtime.amount amount_range");
  EXPECT_EQ(*ReplyFor(g, Parse(g, "muda 2000")),
            "Kiasi lazima kiwe kati ya 5 na 1,000. Tumia: MUDA <kiasi>");
  const ParseOutcome o = Parse(g, "AIRTIME 50");
  std::vector<TemplateValue> v = FieldValues(g, o.command());
  v.push_back({"code", "4821"});
  v.push_back({"minutes", "5"});
  EXPECT_EQ(*Render(g, "airtime.challenge", "en", v),
            "Buy KES 50.00 airtime for this phone? Reply 4821 <PIN> within 5 min.");
}

}  // namespace
}  // namespace smsgw::parser
