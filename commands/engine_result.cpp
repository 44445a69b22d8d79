// The engine's handling of a backend result: the outcome, the subscriber's reply, notices to
// counterparties, and the wrong-PIN bookkeeping.
#include "commands/flow.h"
#include "store/audit.h"
#include "store/ids.h"

namespace smsgw::commands {

namespace {

constexpr int64_t kDayMs = 24 * 3'600'000LL;

std::string Find(const Values& values, std::string_view name) {
  for (const parser::TemplateValue& v : values) {
    if (v.name == name) return v.value;
  }
  return {};
}

// What the outcome records: the result's non-sensitive fields (no withdrawal code).
std::string Summary(const BackendResult& r) {
  std::string out;
  for (const auto& [name, value] : r.fields) {
    if (name == result::kWithdrawalCode) continue;
    if (!out.empty()) out += ' ';
    out += name + "=";
    if (const int64_t* i = std::get_if<int64_t>(&value)) {
      out += std::to_string(*i);
    } else {
      out += std::get<std::string>(value);
    }
  }
  return out;
}

constexpr int64_t kPromptAnswerMs = 60'000;

}  // namespace

class ResultStep {
 public:
  ResultStep(Flow& flow, const store::ClaimedInstruction& ins, const BackendResult& r,
             const Request& req)
      : f_(flow), ins_(ins), r_(r), req_(req) {}

  Status Accepted();
  Status Rejected();
  Status Unavailable();

 private:
  Status ReplyHere(std::string_view tmpl, const Values& v) {
    Status s = f_.Reply(ins_.msisdn, tmpl, req_.language, v, ins_.reference, ins_.id);
    if (s.ok()) f_.fx.replies.back().to_instruction_subscriber = Prompt();
    return s;
  }
  // A prompt answer continues its instruction's audit trail, found from the instruction's first
  // row (NewReply::to_instruction_subscriber). A late one (after a backend outage, a push long
  // after, a dead letter re-queued) keeps the subscriber's MSISDN: by then the instruction's
  // first row may be past the newest rows `smsgw ctl audit` reads, and the answer would be
  // left out of the trail. Within a minute the rate limit allows the subscriber few rows.
  bool Prompt() const {
    std::optional<int64_t> minted = store::InstructionIdTime(ins_.id);
    return minted && f_.Now() - *minted <= kPromptAnswerMs;
  }
  Status WrongPin();
  bool HidesAnAccount() const;
  std::string AccountShown(const parser::CommandSpec* spec) const;
  Status MovedNotice(const parser::CommandSpec* spec);
  Status LockedBindNotice();
  // A notice to a phone other than the one that sent the command, by any connection: that
  // phone may be on another operator's route.
  Status NoticeTo(std::string to, std::string_view tmpl, std::string_view language,
                  const Values& values);
  Values ResultValues() const;
  Status Notices(const parser::CommandSpec& spec, const Values& values);

  Flow& f_;
  const store::ClaimedInstruction& ins_;
  const BackendResult& r_;
  const Request& req_;
};

Result<store::Effects> Flow::Result_(const store::ClaimedInstruction& ins, const BackendResult& r,
                                     const Request* decoded) {
  fx.actor = store::Actor::kBackend;
  std::optional<Request> read;
  if (decoded == nullptr) {
    Result<Request> req = DecodeRequest(ins.payload);
    if (!req.ok()) return req.status();
    read = std::move(*req);
    decoded = &*read;
  }
  const Request& req = *decoded;
  short_code = req.short_code;
  connection = req.connection;
  source = ins.msisdn;
  source_type = req.source_type;
  ResultStep step(*this, ins, r, req);
  Status s = r.accepted() ? step.Accepted() : r.rejected() ? step.Rejected() : step.Unavailable();
  if (!s.ok()) return s;
  return std::move(fx);
}

Values ResultStep::ResultValues() const {
  Values v = req_.show;
  const std::string* txid = FindText(r_.fields, result::kTransactionCode);
  v.push_back({"txid", txid ? *txid : ins_.reference});
  v.push_back({"ref", ins_.reference});
  std::optional<int64_t> balance = FindInt(r_.fields, result::kBalance);
  v.push_back({"balance", balance ? f_.Money(*balance) : std::string("-")});
  v.push_back({"time", f_.Time(f_.Now() / 1000)});
  v.push_back({"sender", f_.National(ins_.msisdn)});
  v.push_back({"customer", f_.National(ins_.msisdn)});
  const std::string* name = FindText(r_.fields, result::kPayeeName);
  v.push_back({"name", name ? *name : std::string()});
  v.push_back({"attempts", std::to_string(req_.tries)});
  std::string statement;
  for (std::size_t i = 0; i < r_.statement.size() && i < 5; ++i) {
    const StatementLine& line = r_.statement[i];
    Result<std::string> text = f_.Text("mini.line", req_.language,
                                       {{"txid", line.transaction_code},
                                        {"time", f_.Time(line.time)},
                                        {"amount", f_.Money(line.amount)}});
    if (!text.ok()) continue;
    if (!statement.empty()) statement += ' ';
    statement += *text;
  }
  v.push_back({"statement", statement});
  return v;
}

Status ResultStep::Accepted() {
  f_.fx.outcomes.push_back({ins_.id, store::InstructionOutcome::Kind::kDone, Summary(r_)});
  // A command since removed gets no reply (the outcome is enough), but a moved account is
  // still announced.
  const parser::CommandSpec* spec = f_.g().FindCommand(req_.command);
  if (spec != nullptr) {
    Values v = ResultValues();
    if (!spec->reply.empty()) {
      Status s = ReplyHere(spec->reply, v);
      if (!s.ok()) return s;
    }
    Status s = Notices(*spec, v);
    if (!s.ok()) return s;
  }
  if (ins_.operation == op::kBind) return MovedNotice(spec);
  return Status::OK();
}

// An account that moved to this phone from another: the other phone is told, whatever the
// grammar's command says, or anyone holding an account number and its PIN would take the
// account over in silence. Its owner chose no language in this exchange: the short code's.
Status ResultStep::MovedNotice(const parser::CommandSpec* spec) {
  const std::string* old_phone = FindText(r_.fields, result::kCounterpartyMsisdn);
  if (old_phone == nullptr || old_phone->empty() || *old_phone == ins_.msisdn) return Status::OK();
  return NoticeTo(*old_phone, kAccountMovedTemplate, f_.ShortCodeLanguage(f_.short_code),
                  {{"account", AccountShown(spec)}, {"time", f_.Time(f_.Now() / 1000)}});
}

Status ResultStep::NoticeTo(std::string to, std::string_view tmpl, std::string_view language,
                            const Values& values) {
  if (Status s = f_.Reply(std::move(to), tmpl, language, values, ins_.reference, ins_.id);
      !s.ok()) {
    return s;
  }
  f_.fx.replies.back().connection.reset();
  return Status::OK();
}

Status ResultStep::Notices(const parser::CommandSpec& spec, const Values& values) {
  for (const parser::NoticeSpec& n : spec.notices) {
    const std::string* party = FindText(r_.fields, result::kCounterpartyMsisdn);
    std::string to = party ? *party : std::string();
    if (to.empty()) {
      const std::string* recipient = FindText(req_.args, field::kRecipient);
      if (recipient != nullptr && n.to == "msisdn") to = *recipient;
    }
    if (to.empty()) continue;  // no number to tell (an agent the backend did not name)
    Values v = values;
    std::optional<int64_t> cb = FindInt(r_.fields, result::kCounterpartyBalance);
    for (parser::TemplateValue& tv : v) {
      if (tv.name == "balance") tv.value = cb ? f_.Money(*cb) : std::string("-");
    }
    std::string_view tmpl = n.template_name;
    const std::string* wcode = FindText(r_.fields, result::kWithdrawalCode);
    std::optional<int64_t> registered = FindInt(r_.fields, result::kRecipientRegistered);
    if (registered && *registered == 0 && wcode != nullptr) {
      // An unregistered recipient cashes out at an agent with the withdrawal code.
      tmpl = "send.unregistered_notice";
      v.push_back({"code", *wcode});
      std::optional<int64_t> expires = FindInt(r_.fields, result::kWithdrawalExpiresAt);
      v.push_back({"expires", expires ? f_.Time(*expires) : std::string("-")});
    }
    if (Status s = NoticeTo(std::move(to), tmpl, req_.language, v); !s.ok()) return s;
  }
  return Status::OK();
}

// The account as the subscriber's request showed it (masked), else as the backend masked it.
std::string ResultStep::AccountShown(const parser::CommandSpec* spec) const {
  std::string account;
  if (spec != nullptr) {
    for (const parser::FieldSpec& field : spec->fields) {
      if (field.cls == parser::FieldClass::kAccount) account = Find(req_.show, field.name);
    }
  }
  if (account.empty()) {
    const std::string* masked = FindText(r_.fields, result::kAccountMasked);
    account = masked ? *masked : std::string("-");
  }
  return account;
}

// A bind of a locked account is answered as a wrong PIN (HidesAnAccount), so the account's
// owner, should it be them on a new phone, would never learn why. The backend may name the
// account's own phone (counterparty_msisdn): the notice goes there, where the lock is news
// only to its owner. A grammar without kLockedBindTemplate sends account.locked instead.
//
// Once per locked_bind_notice_interval_ms per owner's phone, counted on its audit rows: every
// phone that tries gets a few binds a day, and many phones would otherwise make the gateway
// send the owner an SMS each. A second notice would tell the owner nothing the first did not.
// The phone that tried reads the same reply either way (it comes first, and does not look
// here). STOP does not apply: it stops bill notices and offers, and this is about the owner's
// account, as account.moved is.
Status ResultStep::LockedBindNotice() {
  if (ins_.operation != op::kBind || r_.reason != reason::kAccountLocked) return Status::OK();
  const std::string* owner = FindText(r_.fields, result::kCounterpartyMsisdn);
  if (owner == nullptr || owner->empty() || *owner == ins_.msisdn) return Status::OK();
  Result<int64_t> told = f_.view().CountEvents(*owner, kEventLockedBindNotice,
                                               f_.Now() - f_.opt().locked_bind_notice_interval_ms);
  if (!told.ok()) return told.status();
  if (*told > 0) return Status::OK();
  f_.fx.audit.push_back({store::Actor::kBackend, *owner, "instruction", ins_.id,
                         std::string(kEventLockedBindNotice),
                         "owner told of a bind of the locked account from another phone"});
  const bool own = f_.g().FindTemplate(kLockedBindTemplate) != nullptr;
  Values values;
  if (own) {
    values = {{"account", AccountShown(f_.g().FindCommand(req_.command))},
              {"time", f_.Time(f_.Now() / 1000)}};
  }
  return NoticeTo(*owner, own ? kLockedBindTemplate : "account.locked",
                  f_.ShortCodeLanguage(f_.short_code), values);
}

// A bind names the account by its number, and a backend may say the number is unknown, has no
// PIN, or is locked, before it looks at the PIN. Answered apart from a wrong PIN, that would
// let anyone test account numbers at the message rate and never be locked out; answered and
// counted as one, testing a number costs what guessing a PIN costs. The outcome keeps the real
// reason.
bool ResultStep::HidesAnAccount() const {
  return ins_.operation == op::kBind &&
         (r_.reason == reason::kUnknownAccount || r_.reason == reason::kPinNotSet ||
          r_.reason == reason::kAccountLocked);
}

Status ResultStep::Rejected() {
  if (r_.reason == reason::kWrongPin || HidesAnAccount()) {
    if (Status s = WrongPin(); !s.ok()) return s;
    return LockedBindNotice();
  }
  f_.fx.outcomes.push_back({ins_.id, store::InstructionOutcome::Kind::kRejected, r_.reason});
  const std::string amount = Find(req_.show, "amount");
  std::optional<int64_t> balance = FindInt(r_.fields, result::kBalance);
  if (r_.reason == reason::kInsufficientFunds && !amount.empty()) {
    if (balance)
      return ReplyHere("declined.funds", {{"amount", amount}, {"balance", f_.Money(*balance)}});
    return ReplyHere("declined.funds_short", {{"amount", amount}});
  }
  if (r_.reason == reason::kLimitExceeded && !amount.empty()) {
    return ReplyHere("declined.limit", {{"amount", amount}});
  }
  if (r_.reason == reason::kAccountLocked) return ReplyHere("account.locked", {});
  if (r_.reason == reason::kNotRegistered || r_.reason == reason::kUnknownAccount) {
    return ReplyHere("account.not_registered", {});
  }
  if (r_.reason == reason::kWeakPin || r_.reason == reason::kInvalidPin) {
    return ReplyHere("pin.weak", {});
  }
  return ReplyHere("declined.other", {{"ref", ins_.reference}});
}

// The backend refused the PIN. The request is re-offered under the same code while it has
// tries left; the fifth wrong PIN in 24 h locks the MSISDN.
Status ResultStep::WrongPin() {
  f_.fx.outcomes.push_back({ins_.id, store::InstructionOutcome::Kind::kRejected, r_.reason});
  f_.fx.audit.push_back({store::Actor::kBackend, ins_.msisdn, "instruction", ins_.id,
                         std::string(store::kEventWrongPin),
                         "wrong PIN for " + ins_.operation +
                             (r_.reason == reason::kWrongPin ? "" : " (" + r_.reason + ")")});
  Result<int64_t> earlier =
      f_.view().CountEvents(ins_.msisdn, store::kEventWrongPin, f_.Now() - kDayMs);
  if (!earlier.ok()) return earlier.status();
  if (*earlier + 1 >= f_.opt().wrong_pins_per_24h) {
    f_.fx.locks.push_back({ins_.msisdn, f_.Now() + f_.opt().lockout_ms, "wrong PINs"});
    int64_t hours = (f_.opt().lockout_ms + 3'599'999) / 3'600'000;
    return ReplyHere("pin.locked", {{"hours", std::to_string(hours)}});
  }
  Result<Secrets> secrets = DecodeSecrets(ins_.secret.view());
  if (!secrets.ok()) return secrets.status();
  const parser::CommandSpec* spec = f_.g().FindCommand(req_.command);
  const bool single_step = spec != nullptr && spec->challenge.size() == 1;
  const int tries = req_.tries - 1;
  if (!single_step) {
    // A PIN change is not re-offered (its second code is spent): the subscriber starts again.
    int64_t left = f_.opt().wrong_pins_per_24h - (*earlier + 1);
    return ReplyHere("challenge.wrong_pin", {{"attempts", std::to_string(left)}});
  }
  if (tries <= 0 || secrets->code.empty()) {
    return ReplyHere("challenge.exhausted", {{"code", secrets->code}});
  }
  Result<store::InstructionKeys> keys = f_.MintKeys();
  if (!keys.ok()) return keys.status();
  Request next = req_;
  next.tries = tries;
  Secrets keep;  // the account of a REG stays; the wrong PIN does not
  keep.account = secrets->account;
  store::NewChallenge ch;
  ch.msisdn = ins_.msisdn;
  ch.code = secrets->code;
  ch.operation = ins_.operation;
  SetRequest(ch, std::move(next));
  ch.secret = std::string(EncodeSecrets(keep).view());
  ch.reference = keys->reference;
  ch.expires_at = f_.Now() + f_.TtlMs();
  ch.attempts = tries;
  f_.fx.challenges.push_back(std::move(ch));
  return ReplyHere("challenge.retry", {{"code", secrets->code},
                                       {"attempts", std::to_string(tries)},
                                       {"minutes", std::to_string(f_.TtlMinutes())}});
}

Status ResultStep::Unavailable() {
  f_.fx.outcomes.push_back({ins_.id, store::InstructionOutcome::Kind::kRetry,
                            r_.detail.empty() ? std::string("unavailable") : r_.detail,
                            !r_.not_sent, r_.wait.count()});
  // Unsent, the attempt is given back: this cannot be the last one.
  if (r_.not_sent || ins_.attempt < f_.opt().instruction_max_attempts) return Status::OK();
  // This retry makes the instruction dead: tell the subscriber now.
  return ReplyHere(f_.opt().unavailable_is_unapplied ? "backend.unavailable" : "backend.pending",
                   {{"ref", ins_.reference}});
}

}  // namespace smsgw::commands
