#include "commands/engine.h"

#include "commands/command_table.h"
#include "commands/flow.h"
#include "conf/gateway_config.h"
#include "parser/money.h"
#include "parser/ussd_screen.h"
#include "store/crypto.h"

namespace smsgw::commands {

namespace {

// Templates the engine renders whatever the grammar's commands say.
constexpr std::string_view kEngineTemplates[] = {
    "challenge.unknown",   "challenge.wrong_pin",
    "challenge.expired",   "challenge.used",
    "challenge.exhausted", "challenge.retry",
    "already_received",    "rate_limited",
    "account.locked",      "account.not_registered",
    "declined.funds",      "declined.funds_short",
    "declined.limit",      "declined.other",
    "backend.unavailable", "backend.pending",
    "pin.locked",          "pin.weak",
    "bill.notice",         "send.unregistered_notice",
    "mini.line",           "error.credential_split",
};

// What a command that binds accounts must have and must not: account.moved, which the engine
// sends to the phone an account moves from, and notices of its own, which would go to that
// same phone (the only one a bind's result names) and text it twice about one move.
Status CheckBindCommand(const parser::Grammar& grammar, const parser::CommandSpec& c) {
  if (grammar.FindTemplate(kAccountMovedTemplate) == nullptr) {
    return Status::FailedPrecondition(
        "grammar lacks template " + std::string(kAccountMovedTemplate) + ": command " + c.name +
        " binds accounts, and the phone an account moves from must be told");
  }
  if (!c.notices.empty()) {
    const int line = c.notices.front().mark.line;
    return Status::FailedPrecondition(
        "command " + c.name + " binds accounts and declares notices" +
        (line > 0 ? " (line " + std::to_string(line) + ")" : std::string()) +
        ": the engine already notifies the old phone with template " +
        std::string(kAccountMovedTemplate) +
        ", and these would text it twice; remove them and word that template instead");
  }
  return Status::OK();
}

}  // namespace

EngineOptions EngineOptions::FromLimits(const conf::LimitsConfig& limits) {
  EngineOptions o;
  o.messages_per_window = static_cast<int>(limits.messages_per_msisdn);
  o.rate_window_ms = limits.rate_window.count();
  o.challenge_ttl_ms = limits.challenge_ttl.count();
  o.attempts_per_challenge = static_cast<int>(limits.wrong_pins_per_challenge);
  o.wrong_pins_per_24h = static_cast<int>(limits.wrong_pins_per_24h);
  o.lockout_ms = limits.lockout_duration.count();
  o.locked_bind_notice_interval_ms = limits.locked_bind_notice_interval.count();
  return o;
}

Inbound Inbound::From(const store::PendingMessage& m) {
  Inbound in;
  in.id = m.id;
  in.received_at = m.received_at;
  in.connection = m.connection;
  in.source = m.source;
  in.source_type = m.source_type;
  in.destination = m.destination;
  in.text = m.text.view();
  return in;
}

Engine::Engine(std::shared_ptr<const parser::Grammar> grammar, EngineOptions options,
               EngineDeps deps)
    : grammar_(std::move(grammar)), options_(options), deps_(std::move(deps)) {
  if (!deps_.now_ms) {
    deps_.now_ms = [] {
      timespec ts{};
      clock_gettime(CLOCK_REALTIME, &ts);
      return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
    };
  }
  if (!deps_.random_below) deps_.random_below = store::RandomBelow;
  if (!deps_.mint_keys) deps_.mint_keys = store::MintInstructionKeys;
}

Result<std::unique_ptr<Engine>> Engine::Create(std::shared_ptr<const parser::Grammar> grammar,
                                               EngineOptions options, EngineDeps deps) {
  if (!grammar) return Status::InvalidArgument("no grammar");
  for (std::string_view name : kEngineTemplates) {
    if (grammar->FindTemplate(name) == nullptr) {
      return Status::FailedPrecondition("grammar lacks template " + std::string(name));
    }
  }
  for (const parser::CommandSpec& c : grammar->commands) {
    std::optional<CommandEntry> entry = EntryFor(c);
    if (!entry) {
      return Status::FailedPrecondition("command " + c.name + ": operation " + c.operation +
                                        " is not one the engine can forward");
    }
    if (entry->backend_op == op::kBind) {
      if (Status s = CheckBindCommand(*grammar, c); !s.ok()) return s;
    }
  }
  if (grammar->ussd.enabled()) {
    for (const auto& t : parser::UssdTemplates()) {
      if (grammar->FindTemplate(t.name) == nullptr) {
        return Status::FailedPrecondition("grammar lacks template " + std::string(t.name));
      }
    }
    for (const parser::UssdScreen& s : grammar->ussd.screens) {
      if (s.kind == parser::UssdScreenKind::kMenu) continue;
      const parser::CommandSpec* c = grammar->FindCommand(s.command);
      std::optional<CommandEntry> entry;
      if (c != nullptr) entry = EntryFor(*c);
      if (!entry || (entry->handler != Handler::kChallenge && entry->handler != Handler::kDirect)) {
        return Status::FailedPrecondition("USSD screen " + s.name + ": command " + s.command +
                                          " is not one a menu can submit");
      }
    }
  }
  if (grammar->challenge.code_length < 1 || grammar->challenge.code_length > 9) {
    return Status::FailedPrecondition("challenge code_length must be 1..9");
  }
  return std::unique_ptr<Engine>(new Engine(std::move(grammar), options, std::move(deps)));
}

Result<store::Effects> Engine::OnInbound(const Inbound& message, StoreView& view) const {
  Flow flow(*this, view);
  return flow.Inbound(message);
}

Result<store::Effects> Engine::OnResult(const store::ClaimedInstruction& instruction,
                                        const BackendResult& result, StoreView& view,
                                        const std::shared_ptr<const Request>& decoded) const {
  Flow flow(*this, view);
  return flow.Result_(instruction, result, decoded.get());
}

Result<store::Effects> Engine::OnBillNotice(const BillNotice& n, StoreView& view) const {
  Flow flow(*this, view);
  flow.fx.actor = store::Actor::kBackend;
  flow.short_code = n.short_code;
  Result<bool> stopped = view.NoticesStopped(n.msisdn);
  if (!stopped.ok()) return stopped.status();
  if (*stopped) return std::move(flow.fx);
  Values v = {{"biller", n.biller},
              {"bill_ref", n.bill_ref},
              {"amount", flow.Money(n.amount_minor)},
              {"amount_typed",
               parser::FormatAmount(grammar_->money, n.amount_minor, parser::AmountStyle::kTyped)},
              {"due", n.due}};
  std::string_view language =
      n.language.empty() ? flow.ShortCodeLanguage(n.short_code) : n.language;
  Status s = flow.Reply(n.msisdn, "bill.notice", language, v);
  if (!s.ok()) return s;
  return std::move(flow.fx);
}

Result<Instruction> Engine::ToBackend(const store::ClaimedInstruction& ins,
                                      std::shared_ptr<const Request>* decoded) const {
  // Claimed as it was stored, the instruction still carries the request it was made from
  // (SetRequest): the same fields its payload holds, without reading them back.
  std::shared_ptr<const Request> req = std::static_pointer_cast<const Request>(ins.parsed);
  if (req == nullptr) {
    Result<Request> read = DecodeRequest(ins.payload);
    if (!read.ok()) return read.status();
    req = std::make_shared<const Request>(std::move(*read));
  }
  Result<Secrets> secrets = DecodeSecrets(ins.secret.view());
  if (!secrets.ok()) return secrets.status();
  Instruction out;
  out.id = ins.id;
  out.operation = ins.operation;
  out.msisdn = ins.msisdn;
  out.fields = req->args;
  if (decoded != nullptr) *decoded = std::move(req);
  out.pin = store::SecretBytes(secrets->pin);
  out.new_pin = store::SecretBytes(secrets->new_pin);
  out.account = store::SecretBytes(secrets->account);
  return out;
}

}  // namespace smsgw::commands
