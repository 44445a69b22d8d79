// The engine's handling of one MO: rate limit, credential split, parse errors, and the
// command table's handlers.
#include "commands/command_table.h"
#include "commands/flow.h"
#include "parser/parse.h"
#include "parser/replies.h"
#include "store/audit.h"

namespace smsgw::commands {

namespace {

#define RETURN_IF_ERROR(expr)          \
  do {                                 \
    ::smsgw::Status status_ = (expr);  \
    if (!status_.ok()) return status_; \
  } while (0)

std::string_view ClassName(parser::FieldClass c) {
  switch (c) {
    case parser::FieldClass::kAccount:
      return "account";
    case parser::FieldClass::kCredential:
      return "credential";
    default:
      return "other";
  }
}

}  // namespace

class InboundStep {
 public:
  InboundStep(Flow& flow, const Inbound& m, const parser::ParseOutcome& out)
      : f_(flow), m_(m), out_(out), lang_(out.language()) {}

  Status Run();

 private:
  store::ConsumeInbound& consume() { return *f_.fx.consume; }
  Status ReplyHere(std::string_view tmpl, const Values& v) {
    return f_.Reply(m_.source, tmpl, lang_, v);
  }
  Result<bool> Locked();
  Status Violation();
  Status StartChallenge(const parser::CommandSpec& spec, std::string_view backend_op);
  Status Direct(std::string_view backend_op);
  Status Confirm();
  Status Cancel();
  Status IssueChallenge(const parser::CommandSpec& spec, Request req, const Secrets& secrets,
                        std::string reference);

  Flow& f_;
  const Inbound& m_;
  const parser::ParseOutcome& out_;
  std::string lang_;
};

Result<store::Effects> Flow::Inbound(const commands::Inbound& m) {
  short_code = m.destination;
  connection = m.connection;
  source = m.source;
  source_type = m.source_type;
  parser::ParseContext ctx;
  ctx.sender = m.source;
  ctx.language = ShortCodeLanguage(m.destination);
  parser::ParseOutcome out = parser::Parse(g(), m.text, ctx);
  fx.consume = store::ConsumeInbound{m.id, "", out.redacted(), std::nullopt, std::nullopt};
  InboundStep step(*this, m, out);
  Status s = step.Run();
  if (!s.ok()) return s;
  return std::move(fx);
}

Status InboundStep::Run() {
  const EngineOptions& o = f_.opt();
  if (o.messages_per_window > 0) {
    Result<int64_t> n = f_.view().CountEvents(m_.source, store::kEventInboundProcessed,
                                              f_.Now() - o.rate_window_ms);
    if (!n.ok()) return n.status();
    if (*n >= o.messages_per_window) {
      consume().outcome = "rate_limited";
      // One warning per window: the message that reaches the limit; later ones get silence.
      if (*n > o.messages_per_window) return Status::OK();
      int minutes = static_cast<int>((o.rate_window_ms + 59'999) / 60'000);
      return ReplyHere("rate_limited", {{"minutes", std::to_string(minutes)}});
    }
  }
  if (out_.is_violation()) return Violation();
  if (out_.is_error()) {
    consume().outcome = "usage";
    Result<std::string> text = parser::ReplyFor(f_.g(), out_);
    if (!text.ok()) return text.status();
    f_.ReplyText(m_.source, std::move(*text));
    return Status::OK();
  }
  const parser::Command& cmd = out_.command();
  const parser::CommandSpec* spec = f_.g().FindCommand(cmd.name);
  if (spec == nullptr) return Status::Internal("command " + cmd.name + " not in the grammar");
  std::optional<CommandEntry> entry = EntryFor(*spec);
  if (!entry) return Status::Internal("command " + cmd.name + " has no handler");
  switch (entry->handler) {
    case Handler::kChallenge:
      return StartChallenge(*spec, entry->backend_op);
    case Handler::kDirect:
      return Direct(entry->backend_op);
    case Handler::kConfirm:
      return Confirm();
    case Handler::kCancel:
      return Cancel();
    case Handler::kHelp: {
      consume().outcome = "help";
      const parser::Field* topic = cmd.Find("topic");
      Result<std::string> text =
          parser::HelpText(f_.g(), lang_, topic ? std::string_view(topic->value) : "");
      if (!text.ok()) return text.status();
      f_.ReplyText(m_.source, std::move(*text));
      return Status::OK();
    }
    case Handler::kStop:
      consume().outcome = "stop";
      f_.fx.notices_stopped.push_back(m_.source);
      f_.fx.audit.push_back({store::Actor::kSubscriber, m_.source, "subscriber", m_.source,
                             std::string(kEventStop), "bill notices and offers stopped"});
      return ReplyHere(spec->reply, {});
  }
  return Status::Internal("unhandled command");
}

Result<bool> InboundStep::Locked() {
  Result<int64_t> until = f_.view().LockedUntil(m_.source);
  if (!until.ok()) return until.status();
  if (*until <= f_.Now()) return false;
  consume().outcome = "locked";
  RETURN_IF_ERROR(ReplyHere("account.locked", {}));
  return true;
}

Status InboundStep::Violation() {
  consume().outcome = "refused";
  std::string detail = "account and credential in one message:";
  for (const parser::ViolationPart& p : out_.violation().parts) {
    detail += " " + std::string(ClassName(p.cls)) + "@word" + std::to_string(p.word);
  }
  f_.fx.audit.push_back({store::Actor::kSubscriber, m_.source, "inbound", std::to_string(m_.id),
                         std::string(store::kEventCredentialRefused), detail});
  return ReplyHere("error.credential_split", {});
}

Status InboundStep::StartChallenge(const parser::CommandSpec& spec, std::string_view backend_op) {
  Result<bool> locked = Locked();
  if (!locked.ok()) return locked.status();
  if (*locked) return Status::OK();
  const parser::Command& cmd = out_.command();

  // The normalised command, for the resend window: name and every value but credentials.
  // Queries (balance, statement) move nothing, so asking again is simply answered again: a
  // subscriber who checks the balance twice in ten minutes wants two answers.
  const bool query = backend_op == op::kBalance || backend_op == op::kStatement;
  std::string resend = cmd.name;
  for (const parser::Field& fld : cmd.fields) {
    if (fld.cls != parser::FieldClass::kCredential) resend += "|" + fld.value;
  }
  Result<std::optional<store::ResendMatch>> earlier =
      query ? Result<std::optional<store::ResendMatch>>(std::nullopt)
            : f_.view().FindResend(m_.source, resend, m_.received_at);
  if (!earlier.ok()) return earlier.status();
  if (earlier->has_value()) {
    consume().outcome = "resend";
    consume().reference = (*earlier)->reference;
    return ReplyHere("already_received", {{"ref", (*earlier)->reference}});
  }

  Request req;
  req.command = cmd.name;
  req.language = lang_;
  req.short_code = f_.short_code;
  req.connection = f_.connection;
  req.source_type = m_.source_type;
  req.tries = f_.opt().attempts_per_challenge;
  req.show = parser::FieldValues(f_.g(), cmd);
  req.args = BackendFields(cmd, backend_op);
  Secrets secrets;
  for (const parser::Field& fld : cmd.fields) {
    if (fld.cls == parser::FieldClass::kAccount) secrets.account = fld.value;
  }
  Result<store::InstructionKeys> keys = f_.MintKeys();
  if (!keys.ok()) return keys.status();
  consume().outcome = "challenge";
  if (!query) consume().resend_command = resend;
  consume().reference = keys->reference;
  return IssueChallenge(spec, std::move(req), secrets, keys->reference);
}

Status InboundStep::IssueChallenge(const parser::CommandSpec& spec, Request req,
                                   const Secrets& secrets, std::string reference) {
  Result<std::string> code = f_.NewCode(m_.source);
  if (!code.ok()) return code.status();
  std::optional<CommandEntry> entry = EntryFor(spec);
  store::NewChallenge ch;
  ch.msisdn = m_.source;
  ch.code = *code;
  ch.operation = std::string(entry->backend_op);
  SetRequest(ch, req);
  ch.secret = std::string(EncodeSecrets(secrets).view());
  ch.reference = reference;
  ch.expires_at = f_.Now() + f_.TtlMs();
  ch.attempts = f_.opt().attempts_per_challenge;
  f_.fx.challenges.push_back(std::move(ch));
  Values v = req.show;
  v.push_back({"code", *code});
  v.push_back({"minutes", std::to_string(f_.TtlMinutes())});
  const std::string& prompt = spec.challenge.at(static_cast<std::size_t>(req.step)).prompt;
  return f_.Reply(m_.source, prompt, req.language, v, reference);
}

Status InboundStep::Direct(std::string_view backend_op) {
  Result<store::InstructionKeys> keys = f_.MintKeys();
  if (!keys.ok()) return keys.status();
  const parser::Command& cmd = out_.command();
  Request req;
  req.command = cmd.name;
  req.language = lang_;
  req.short_code = f_.short_code;
  req.connection = f_.connection;
  req.source_type = m_.source_type;
  req.show = parser::FieldValues(f_.g(), cmd);
  req.args = BackendFields(cmd, backend_op);
  store::NewInstruction ins;
  ins.id = keys->id;
  ins.reference = keys->reference;
  ins.msisdn = m_.source;
  ins.operation = std::string(backend_op);
  SetRequest(ins, std::move(req));
  f_.fx.instructions.push_back(std::move(ins));
  consume().outcome = "instruction";
  consume().reference = keys->reference;
  return Status::OK();
}

Status InboundStep::Confirm() {
  const parser::Command& cmd = out_.command();
  const std::string code = cmd.Find("code")->value;
  Result<std::optional<store::Challenge>> found = f_.view().FindChallenge(m_.source, code);
  if (!found.ok()) return found.status();
  std::optional<Request> req;
  if (found->has_value()) {
    Result<Request> r = ChallengeRequest(**found);
    if (r.ok()) req = std::move(*r);
  }
  if (!req) {
    consume().outcome = "challenge.unknown";
    return ReplyHere("challenge.unknown", {{"code", code}});
  }
  store::Challenge& ch = **found;
  lang_ = req->language;
  // The answer goes where this MO came from, as it came.
  req->source_type = m_.source_type;
  switch (ch.state) {
    case store::ChallengeState::kConsumed:
      consume().outcome = "challenge.used";
      return ReplyHere("challenge.used", {{"code", code}, {"ref", ch.reference.value_or("")}});
    case store::ChallengeState::kExpired:
      consume().outcome = "challenge.expired";
      return ReplyHere("challenge.expired",
                       {{"code", code}, {"minutes", std::to_string(f_.TtlMinutes())}});
    case store::ChallengeState::kExhausted:
      consume().outcome = "challenge.exhausted";
      return ReplyHere("challenge.exhausted", {{"code", code}});
    case store::ChallengeState::kCancelled:
      consume().outcome = "challenge.unknown";
      return ReplyHere("challenge.unknown", {{"code", code}});
    case store::ChallengeState::kPending:
      break;
  }
  Result<bool> locked = Locked();
  if (!locked.ok()) return locked.status();
  if (*locked) return Status::OK();

  const parser::CommandSpec* spec = f_.g().FindCommand(req->command);
  if (spec == nullptr || static_cast<std::size_t>(req->step) >= spec->challenge.size()) {
    consume().outcome = "challenge.unknown";
    return ReplyHere("challenge.unknown", {{"code", code}});
  }
  Result<Secrets> secrets = DecodeSecrets(ch.secret.view());
  if (!secrets.ok()) return secrets.status();
  const std::string& collect = spec->challenge[static_cast<std::size_t>(req->step)].collect;
  (collect == "new_pin" ? secrets->new_pin : secrets->pin) = cmd.Find("pin")->value;
  f_.fx.challenge_changes.push_back({ch.id, store::ChallengeChange::Kind::kConsume});

  if (static_cast<std::size_t>(req->step) + 1 < spec->challenge.size()) {
    // The next PIN of the flow (the new PIN of a PIN change) answers a challenge of its own.
    ++req->step;
    Result<store::InstructionKeys> keys = f_.MintKeys();
    if (!keys.ok()) return keys.status();
    consume().outcome = "challenge";
    consume().reference = keys->reference;
    return IssueChallenge(*spec, std::move(*req), *secrets, keys->reference);
  }
  Result<store::InstructionKeys> keys = f_.MintKeys();
  if (!keys.ok()) return keys.status();
  secrets->code = code;
  store::NewInstruction ins;
  ins.id = keys->id;
  // The challenge's reference, which its subscriber may have been shown, unless an instruction
  // took it meanwhile (references of one 8 ms tick share 20 of their 50 bits, store/ids.h):
  // refused by the unique index, the step would fail the same way at every retry.
  ins.reference = keys->reference;
  if (ch.reference) {
    Result<bool> taken = f_.view().ReferenceTaken(*ch.reference);
    if (!taken.ok()) return taken.status();
    if (!*taken) ins.reference = *ch.reference;
  }
  ins.msisdn = m_.source;
  ins.operation = ch.operation;
  SetRequest(ins, std::move(*req));
  ins.secret = std::string(EncodeSecrets(*secrets).view());
  ins.challenge_id = ch.id;
  consume().outcome = "instruction";
  consume().reference = ins.reference;
  f_.fx.instructions.push_back(std::move(ins));
  return Status::OK();
}

Status InboundStep::Cancel() {
  const std::string code = out_.command().Find("code")->value;
  Result<std::optional<store::Challenge>> found = f_.view().FindChallenge(m_.source, code);
  if (!found.ok()) return found.status();
  if (!found->has_value() || (*found)->state != store::ChallengeState::kPending) {
    consume().outcome = "challenge.unknown";
    return ReplyHere("challenge.unknown", {{"code", code}});
  }
  f_.fx.challenge_changes.push_back({(*found)->id, store::ChallengeChange::Kind::kCancel});
  consume().outcome = "cancelled";
  return ReplyHere("cancel.done", {{"code", code}});
}

}  // namespace smsgw::commands
