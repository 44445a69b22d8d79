#include "tests/support/phone_console_text.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "gateway/ledger_admin_text.h"

namespace smsgw::console {

namespace {

using store::AccountKind;
using store::DemoAccount;

std::string Kes(int64_t minor) {
  return "KES " + gateway::FormatAmount(minor);
}

std::string Pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

// Demo accounts of one kind, in seeded order.
std::vector<const DemoAccount*> OfKind(const std::vector<DemoAccount>& accounts, AccountKind kind) {
  std::vector<const DemoAccount*> out;
  for (const DemoAccount& a : accounts) {
    if (a.account.kind == kind) out.push_back(&a);
  }
  return out;
}

std::string UnboundPhone(const std::vector<DemoAccount>& accounts) {
  unsigned long long last = 0;
  for (const DemoAccount& a : accounts) {
    if (a.account.kind == AccountKind::kSubscriber && !a.account.msisdn.empty()) {
      last = std::max(last, std::strtoull(a.account.msisdn.c_str(), nullptr, 10));
    }
  }
  return last == 0 ? "" : std::to_string(last + 1);
}

std::string Example(std::string command, std::string_view what) {
  return "  " + Pad(std::move(command), 26) + std::string(what) + "\n";
}

std::string Examples(const std::vector<DemoAccount>& accounts) {
  const auto subscribers = OfKind(accounts, AccountKind::kSubscriber);
  const auto agents = OfKind(accounts, AccountKind::kAgent);
  const auto billers = OfKind(accounts, AccountKind::kBiller);
  std::string out = "Try (commands need the PIN, which goes in a separate reply):\n";
  out += Example("BAL", "your balance");
  if (!billers.empty()) {
    const store::NewAccount& b = billers.front()->account;
    out +=
        Example("PAY " + b.handle + " 123456 1500", "pay " + b.name + " KES 1,500 for bill 123456");
  }
  if (subscribers.size() > 1 && !subscribers[1]->account.msisdn.empty()) {
    out += Example("SEND " + subscribers[1]->account.msisdn + " 500",
                   "send KES 500 to " + subscribers[1]->account.name);
  }
  if (!agents.empty()) {
    out += Example("WITHDRAW " + agents.front()->account.handle + " 1000",
                   "cash out KES 1,000 at " + agents.front()->account.name);
  }
  out += Example("TOPUP 100", "airtime for this phone");
  out += Example("MINI", "your last transactions");
  out += Example("HELP", "the commands, as the gateway explains them");
  out += "The gateway answers with a code to confirm: to \"Reply 4821 <PIN> ...\" send\n";
  out += "\"4821 " + std::string(store::kDemoPin) +
         "\". A wrong PIN, a typo or a repeat is "
         "answered too.\n";
  return out;
}

}  // namespace

std::string Prompt(std::string_view msisdn) {
  return "phone " + std::string(msisdn) + "> ";
}

std::string FormatMt(const ShownMt& mt, std::string_view current_phone) {
  std::string head = "  <- " + mt.from;
  if (mt.to != current_phone) head += " to " + mt.to;
  head += ": ";
  const std::string indent(head.size(), ' ');
  std::string out = head;
  for (char c : mt.text) {
    if (c == '\r') continue;
    out += c;
    if (c == '\n') out += indent;
  }
  if (mt.parts_received < mt.parts) {
    out += " [incomplete: " + std::to_string(mt.parts_received) + " of " +
           std::to_string(mt.parts) + " parts]";
  }
  return out;
}

std::string FormatUssdScreen(std::string_view service, std::string_view text, bool end) {
  const std::string head = "  [USSD " + std::string(service) + "] ";
  const std::string indent(head.size(), ' ');
  std::string out = head;
  for (char c : text) {
    if (c == '\r') continue;
    out += c;
    if (c == '\n') out += indent;
  }
  if (end) out += "\n  [USSD session ended]";
  return out;
}

std::vector<DemoPhone> DemoPhones(const std::vector<DemoAccount>& accounts) {
  std::vector<DemoPhone> phones;
  const DemoAccount* unbound = nullptr;
  for (const DemoAccount& a : accounts) {
    const store::NewAccount& n = a.account;
    if (n.kind == AccountKind::kSubscriber && n.msisdn.empty()) unbound = &a;
    if (n.msisdn.empty()) continue;
    if (n.kind == AccountKind::kSubscriber) {
      phones.push_back({n.msisdn, n.name, "account " + n.account_number, Kes(a.opening_balance)});
    } else if (n.kind == AccountKind::kAgent) {
      phones.push_back({n.msisdn, n.name, "agent " + n.handle, Kes(a.opening_balance)});
    }
  }
  const std::string spare = UnboundPhone(accounts);
  if (unbound != nullptr && !spare.empty()) {
    phones.push_back({spare, "(no account yet)",
                      "REG " + unbound->account.account_number + " links " + unbound->account.name +
                          "'s account",
                      ""});
  }
  return phones;
}

std::string FormatPhones(const std::vector<DemoPhone>& phones, std::string_view current_phone) {
  std::string out;
  for (const DemoPhone& p : phones) {
    std::string line = (p.msisdn == current_phone ? "* " : "  ") + Pad(p.msisdn, 14) +
                       Pad(p.who, 19) + Pad(p.detail, 20) + p.balance;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string Banner(const BannerFacts& facts) {
  static const std::vector<DemoAccount> kNone;
  const std::vector<DemoAccount>& accounts = facts.accounts ? *facts.accounts : kNone;
  std::string out;
  out += "smsgw phone console: the operator's SMSC and a subscriber's phone in one program.\n";
  out += "The gateway binds to it on " + facts.address + ". Each line you type is an SMS from\n";
  out += "the current phone to " + facts.short_code +
         "; each SMS the gateway sends is shown as it arrives.\n\n";
  out += "Demo phones (every PIN is " + std::string(store::kDemoPin) +
         "; balances are the opening ones):\n";
  out += FormatPhones(DemoPhones(accounts), facts.current_phone);
  std::string billers;
  for (const DemoAccount* b : OfKind(accounts, AccountKind::kBiller)) {
    billers += (billers.empty() ? "" : ", ") + b->account.handle + " (" + b->account.name + ")";
  }
  if (!billers.empty()) out += "Billers: " + billers + "\n";
  out += "\n" + Examples(accounts) + "\n" + ConsoleHelp();
  return out;
}

std::string ConsoleHelp() {
  return "Console: /as MSISDN  type as another phone    /phones  the demo phones\n"
         "         /help       this help                 /quit    stop (or Ctrl-D)\n"
         "         //text      send an SMS that starts with \"/\"\n"
         "USSD:    *384*12#    dial a USSD code (or /ussd *384#); while its menu is open,\n"
         "                     each line you type answers it; /cancel hangs up\n";
}

}  // namespace smsgw::console
