// Everything the phone console prints, as text: the prompt, the MTs, the banner with the demo
// data, the phone list and the help. Pure; the facts come from store/ledger_demo.h, so what a
// newcomer reads is what was seeded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/ledger_demo.h"
#include "tests/support/phone_console_mt.h"

namespace smsgw::console {

// "phone 254700000001> "
std::string Prompt(std::string_view msisdn);

// "  <- 20555: text" for the current phone, "  <- 20555 to 254700000002: text" for another;
// the lines of a multi-line text after the first are indented under its start, and a message
// that lost parts ends with "[incomplete: 1 of 2 parts]". No final newline.
std::string FormatMt(const ShownMt& mt, std::string_view current_phone);

// A USSD screen as the phone shows it: "  [USSD 384] 1. Pay bill", further lines indented under
// the first; "  [USSD session ended]" on a line of its own after the last screen. No final
// newline.
std::string FormatUssdScreen(std::string_view service, std::string_view text, bool end);

// A phone a newcomer can type as.
struct DemoPhone {
  std::string msisdn;
  std::string who;      // "AMINA WANJIKU", "JUMA SHOP", "(no account yet)"
  std::string detail;   // "account 1000000001", "agent 123456", "REG 1000000004 links ..."
  std::string balance;  // "KES 10,000.00" (opening balance); empty when none
};

// The demo subscribers and agents with a phone, in the seeded order, then one phone that no
// account is bound to (the number after the last demo subscriber's), for trying REG with the
// unbound demo account.
std::vector<DemoPhone> DemoPhones(const std::vector<store::DemoAccount>& accounts);

// The phone list, current phone marked.
std::string FormatPhones(const std::vector<DemoPhone>& phones, std::string_view current_phone);

struct BannerFacts {
  std::string address;     // where the gateway binds, "127.0.0.1:2775"
  std::string short_code;  // "20555"
  std::string current_phone;
  const std::vector<store::DemoAccount>* accounts = nullptr;
};

// What this is, the demo phones, PIN and billers, example commands built from the demo data,
// and the console commands.
std::string Banner(const BannerFacts& facts);

// The console commands.
std::string ConsoleHelp();

}  // namespace smsgw::console
