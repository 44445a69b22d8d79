// smsgw try: what the grammar makes of one message, and the reply the subscriber would get.
// No network, no store: the grammar and the commands engine with the configuration's limits,
// for a subscriber with no pending requests.
#include <iostream>
#include <optional>
#include <ostream>
#include <variant>

#include "commands/engine.h"
#include "commands/request.h"

#include "gateway/config_option.h"
#include "gateway/grammar_file.h"
#include "gateway/subcommand.h"
#include "parser/field_values.h"
#include "parser/money.h"
#include "parser/parse.h"
#include "parser/replies.h"

namespace smsgw::gateway {
namespace {

// Stands for the one-time code the engine draws for a challenge.
constexpr const char* kSampleCode = "4821";

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// The sender as E.164 digits, read like any msisdn of the number plan.
std::optional<std::string> Sender(const parser::Grammar& g, const std::string& from) {
  parser::FieldSpec spec;
  spec.type = parser::FieldType::kMsisdn;
  spec.any_country = true;
  parser::ValueBuf buf;
  if (parser::ReadLiteral(g, spec, from, &buf) != parser::Rule::kNone) return std::nullopt;
  return std::string(buf.view());
}

std::string Pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

void PrintCommand(const parser::Grammar& g, const parser::Command& c, std::ostream& out) {
  out << "command   " << c.name << " -> " << c.operation << " (language " << c.language
      << (c.requires_pin ? ", PIN challenge first" : "") << ")\n";
  for (const auto& f : c.fields) {
    out << "  " << Pad(f.name, 10) << Pad(std::string(parser::FieldTypeName(f.type)), 8)
        << Pad(std::string(parser::FieldClassName(f.cls)), 11) << parser::DisplayValue(g, f);
    if (f.type == parser::FieldType::kAmount && f.cls == parser::FieldClass::kAmount) {
      out << " (" << f.minor << " minor units)";
    }
    if (f.defaulted) out << " (default)";
    out << "\n";
  }
}

// A subscriber with no pending requests, no lock and no history: what `try` assumes.
class FreshSubscriber final : public commands::StoreView {
 public:
  Result<std::optional<store::Challenge>> FindChallenge(std::string_view,
                                                        std::string_view) override {
    return std::optional<store::Challenge>();
  }
  Result<int64_t> CountEvents(std::string_view, std::string_view, int64_t) override { return 0; }
  Result<int64_t> LockedUntil(std::string_view) override { return 0; }
  Result<bool> NoticesStopped(std::string_view) override { return false; }
  Result<std::optional<store::ResendMatch>> FindResend(std::string_view, std::string_view,
                                                       int64_t) override {
    return std::optional<store::ResendMatch>();
  }
  Result<bool> ReferenceTaken(std::string_view) override { return false; }
};

// The first thing the subscriber reads after a command, as the commands engine writes it.
std::string CommandReply(const std::shared_ptr<const parser::Grammar>& g,
                         const commands::EngineOptions& options, std::string_view text,
                         const std::string& sender) {
  commands::EngineDeps deps;
  deps.random_below = [](uint32_t bound) -> Result<uint32_t> {
    return static_cast<uint32_t>(std::stoul(kSampleCode)) % bound;
  };
  auto engine = commands::Engine::Create(g, options, std::move(deps));
  if (!engine.ok()) return "(" + engine.status().message() + ")";
  commands::Inbound in;
  in.id = 1;
  in.source = sender.empty() ? "254700000000" : sender;
  in.destination = "short code";
  in.text = text;
  FreshSubscriber view;
  auto fx = (*engine)->OnInbound(in, view);
  if (!fx.ok()) return "(" + fx.status().message() + ")";
  if (fx->replies.empty()) return "(sent once the backend has answered)";
  return fx->replies.front().text;
}

// Walks a USSD menu: each screen printed, each line of `in` an answer; end of input abandons
// the dialogue. What a submit would forward is printed (credentials never).
int TryUssd(const std::shared_ptr<const parser::Grammar>& g, const commands::EngineOptions& options,
            const std::string& dial, const std::string& sender, const std::string& lang,
            std::istream& in, std::ostream& out) {
  auto engine = commands::Engine::Create(g, options, {});
  if (!engine.ok()) {
    out << "(" << engine.status().message() << ")\n";
    return kExitInvalid;
  }
  FreshSubscriber view;
  commands::UssdOpen open;
  open.connection = "try";
  open.msisdn = sender.empty() ? "254700000000" : sender;
  open.service = dial;
  open.dial = dial;
  open.sms_from = "short code";
  open.language = lang;
  open.now_ms = 0;
  Result<commands::UssdTurn> turn = (*engine)->OnUssdOpen(open, view);
  std::string line;
  while (true) {
    if (!turn.ok()) {
      out << "(" << turn.status().message() << ")\n";
      return kExitFailure;
    }
    out << turn->text << "\n";
    for (const auto& ins : turn->effects.instructions) {
      out << "instruction " << ins.operation << ", ref " << ins.reference << "\n";
      if (auto req = commands::DecodeRequest(ins.payload); req.ok()) {
        for (const auto& v : req->show) out << "  " << Pad(v.name, 10) << v.value << "\n";
      }
      out << "  (the PIN and any account number travel only in the sealed secret; the result "
             "goes by SMS)\n";
    }
    if (turn->end) return turn->effects.instructions.empty() ? kExitInvalid : kExitOk;
    out << "> " << std::flush;
    if (!std::getline(in, line)) {
      out << "\n(end of input: the dialogue is abandoned, nothing submitted)\n";
      return kExitInvalid;
    }
    turn = (*engine)->OnUssdAnswer(*turn->state, line, 0, view);
  }
}

int Try(const ParsedArgs& args, std::ostream& out, std::ostream& err) {
  if (args.positionals().empty() && !args.Get("ussd")) {
    err << "smsgw try: give the message text, e.g. smsgw try --from 254712345678 \"BAL\"\n";
    return kExitUsage;
  }
  // The grammar and the limits the daemon would apply (a challenge's lifetime shows in its
  // reply); without a configuration, grammar.yaml where it would be and the grammar's
  // challenge.ttl_minutes.
  auto loaded = LoadTryConfigOrExit(args, err);
  if (const int* code = std::get_if<int>(&loaded)) return *code;
  const auto& config = std::get<std::optional<conf::GatewayConfig>>(loaded);
  commands::EngineOptions options;
  if (config) options = commands::EngineOptions::FromLimits(config->limits);
  const std::string path =
      args.GetOr("grammar", config ? config->grammar_path
                                   : GrammarPathNextTo(args.GetOr("config", kDefaultConfigPath)));
  parser::GrammarLoad load = LoadGrammarFile(path);
  for (const auto& d : load.diagnostics) {
    if (d.is_error()) err << d.ToString() << "\n";
  }
  if (!load.ok()) {
    return load.diagnostics.size() == 1 && load.diagnostics[0].line == 0 ? kExitFailure
                                                                         : kExitInvalid;
  }
  const parser::Grammar& g = *load.grammar;
  parser::ParseContext ctx;
  std::string sender;
  if (auto from = args.Get("from")) {
    auto e164 = Sender(g, *from);
    if (!e164) {
      err << "smsgw try: --from " << *from << " is not a phone number\n";
      return kExitUsage;
    }
    sender = *e164;
    ctx.sender = sender;
  }
  const std::string lang = args.GetOr("lang", "");
  ctx.language = lang;
  if (auto dial = args.Get("ussd")) {
    if (!g.ussd.enabled()) {
      err << "smsgw try: " << path << " has no USSD menus\n";
      return kExitInvalid;
    }
    return TryUssd(load.grammar, options, *dial, sender, lang, std::cin, out);
  }
  const std::string text = Join(args.positionals());
  const parser::ParseOutcome outcome = parser::Parse(g, text, ctx);

  out << "grammar   " << path << "\n";
  out << "stored as " << outcome.redacted() << "\n";
  std::string reply;
  if (outcome.is_command()) {
    PrintCommand(g, outcome.command(), out);
    reply = CommandReply(load.grammar, options, text, sender);
  } else if (outcome.is_error()) {
    const parser::ParseError& e = outcome.error();
    out << "error     " << parser::ErrorKindName(e.kind);
    if (!e.command.empty()) out << " (command " << e.command << ")";
    if (!e.field.empty()) out << ", field " << e.field;
    out << "\n";
  } else {
    out << "refused   credential split:";
    for (const auto& p : outcome.violation().parts) {
      out << " " << parser::FieldClassName(p.cls) << " at word " << p.word;
    }
    out << "; nothing would be forwarded\n";
  }
  if (!outcome.is_command()) {
    auto r = parser::ReplyFor(g, outcome);
    reply = r.ok() ? *r : r.status().ToString();
  }
  out << "reply     " << reply << "\n";
  if (outcome.is_command() && outcome.command().requires_pin) {
    out << "          (" << kSampleCode << " stands for the one-time code drawn in service)\n";
  }
  return outcome.is_command() ? kExitOk : kExitInvalid;
}

}  // namespace

Subcommand TrySubcommand() {
  return {"try",
          "show what the grammar makes of a message, without a network",
          "smsgw try [--config FILE] [--grammar FILE] [--from MSISDN] [--lang CODE] TEXT...\n"
          "smsgw try [--config FILE] [--grammar FILE] [--from MSISDN] [--lang CODE] --ussd CODE\n\n"
          "Parses TEXT as if subscriber MSISDN had sent it and prints the command and its\n"
          "fields (PINs as ****, account numbers as their last 4 digits), or the error, and\n"
          "the exact reply. The grammar and the limits (limits.challenge_ttl) are those\n"
          "`smsgw run` would use with the configuration: the grammar its grammar: key names,\n"
          "unless --grammar is given; no other file it names and no secret is read. Without\n"
          "--config and no conf/gateway.yaml: conf/grammar.yaml and the grammar's\n"
          "challenge.ttl_minutes. Exit status 0 for a command, 1 for an error or a refused\n"
          "message or an invalid configuration.\n"
          "With --ussd, dials CODE and walks the USSD menu: each screen is printed, each line\n"
          "read from standard input is an answer, end of input ends the dialogue. Exit status 0\n"
          "when the menu submitted a command.",
          {{"config", "FILE", "gateway configuration (default conf/gateway.yaml)"},
           {"grammar", "FILE", "grammar (default: the one the configuration names)"},
           {"from", "MSISDN", "the sender, for fields that default to it"},
           {"lang", "CODE", "the sender's language, for replies no keyword decides"},
           {"ussd", "CODE", "dial a USSD code (\"*384*12#\") and walk the menu on stdin"}},
          Try};
}

}  // namespace smsgw::gateway
