// The engine's USSD dialogues (ussd.h): one turn per dialled string or answer.
#include <algorithm>

#include "commands/command_table.h"
#include "commands/flow.h"
#include "parser/field_values.h"
#include "parser/replies.h"
#include "parser/ussd_screen.h"
#include "store/audit.h"

namespace smsgw::commands {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsCommandScreen(const parser::UssdScreen& s) {
  return s.kind != parser::UssdScreenKind::kMenu;
}

}  // namespace

class UssdStep {
 public:
  UssdStep(Flow& flow, int64_t now_ms) : f_(flow), g_(flow.g()), u_(flow.g().ussd), now_(now_ms) {}

  Result<UssdTurn> Open(const UssdOpen& open);
  Result<UssdTurn> Answer(const UssdState& state, std::string_view input);

 private:
  enum class Step { kMoved, kInvalid, kEnded };
  // What one answer did to the dialogue.
  struct Fed {
    Step step = Step::kMoved;
    std::string hint;                          // kInvalid: why, shown before the screen
    const parser::FieldSpec* field = nullptr;  // a value for this field was accepted
    bool pin = false;                          // a PIN was accepted
  };

  static Fed Ended() {
    Fed fed;
    fed.step = Step::kEnded;
    return fed;
  }
  Result<Fed> Feed(std::string_view input);
  Result<Fed> Choose(const parser::UssdScreen& at, std::string_view input);
  Result<Fed> Value(const parser::UssdScreen& at, std::string_view input);
  Result<Fed> Pin(const parser::UssdScreen& at, std::string_view input);
  Result<Fed> Invalid(std::string hint);
  Result<Fed> Next(const parser::UssdScreen& at);
  Status Submit();
  Status EndWith(std::string_view tmpl, const Values& values);
  bool ShortcutViolates(
      const std::vector<std::string>& answers, std::size_t used,
      const std::vector<std::pair<std::size_t, const parser::FieldSpec*>>& accepted) const;
  Result<UssdTurn> Turn(std::string_view hint = {});
  void MoveTo(const parser::UssdScreen& next);
  parser::Command BuildCommand() const;
  std::size_t Lang() const { return g_.LanguageOrDefault(s_.language); }
  const parser::UssdScreen* Current() const { return u_.Find(s_.screen); }
  void SetAnswer(std::string field, std::string value, int64_t minor);

  Flow& f_;
  const parser::Grammar& g_;
  const parser::UssdSection& u_;
  int64_t now_;
  UssdState s_;
  std::optional<std::string> end_;  // set when the dialogue is over: the last screen
};

Result<UssdTurn> UssdStep::Open(const UssdOpen& open) {
  s_.msisdn = open.msisdn;
  s_.connection = open.connection;
  s_.service = open.service;
  s_.sms_from = open.sms_from.empty() ? open.service : open.sms_from;
  std::string_view language = open.language;
  if (language.empty()) language = f_.ShortCodeLanguage(s_.service);
  if (language.empty()) language = f_.ShortCodeLanguage(s_.sms_from);
  s_.language = g_.languages[g_.LanguageOrDefault(language)];
  s_.opened_at = now_;
  f_.short_code = s_.sms_from;
  f_.connection = s_.connection;
  f_.fx.audit.push_back({store::Actor::kSubscriber, s_.msisdn, "ussd", s_.service,
                         std::string(kEventUssdOpened), "dialled a code"});
  const EngineOptions& o = f_.opt();
  if (o.messages_per_window > 0) {
    Result<int64_t> n = f_.view().CountEvents(s_.msisdn, kEventUssdOpened, now_ - o.rate_window_ms);
    if (!n.ok()) return n.status();
    if (*n >= o.messages_per_window) {
      const int minutes = static_cast<int>((o.rate_window_ms + 59'999) / 60'000);
      if (Status st = EndWith("rate_limited", {{"minutes", std::to_string(minutes)}}); !st.ok())
        return st;
      return Turn();
    }
  }
  Result<int64_t> locked = f_.view().LockedUntil(s_.msisdn);
  if (!locked.ok()) return locked.status();
  std::optional<parser::UssdSection::Dial> dial = u_.Resolve(open.dial);
  Status st;
  if (*locked > now_) {
    st = EndWith("account.locked", {});
  } else if (!dial) {
    st = EndWith("ussd.unknown_code", {{"code", open.dial}, {"service_code", u_.service_code}});
  }
  if (!st.ok()) return st;
  if (end_) return Turn();

  s_.screen = u_.start;
  if (dial->screen->name != u_.start) MoveTo(*dial->screen);
  // A shortcut: its answers in order, as if typed one screen at a time, up to the first PIN,
  // confirmation or submit: those are always answered on their own screen.
  std::vector<std::pair<std::size_t, const parser::FieldSpec*>> accepted;  // answer, field
  std::string hint;
  std::size_t used = 0;
  for (; used < dial->answers.size(); ++used) {
    const parser::UssdScreen* at = Current();
    if (at == nullptr || at->kind == parser::UssdScreenKind::kConfirm ||
        at->kind == parser::UssdScreenKind::kPin || at->next == parser::kUssdSubmit) {
      break;
    }
    Result<Fed> fed = Feed(dial->answers[used]);
    if (!fed.ok()) return fed.status();
    if (fed->step != Step::kMoved) {
      hint = fed->hint;
      break;
    }
    if (fed->field != nullptr) accepted.emplace_back(used, fed->field);
  }
  if (ShortcutViolates(dial->answers, used, accepted)) {
    f_.fx = store::Effects();
    f_.fx.audit.push_back({store::Actor::kSubscriber, s_.msisdn, "ussd", s_.service,
                           std::string(kEventUssdOpened), "dialled a code"});
    f_.fx.audit.push_back({store::Actor::kSubscriber, s_.msisdn, "ussd", s_.service,
                           std::string(store::kEventCredentialRefused),
                           "account and credential in one USSD string"});
    st = EndWith("error.credential_split", {{"commands", parser::CommandList(g_, Lang())}});
    if (!st.ok()) return st;
  }
  return Turn(hint);
}

// The credential-split rule over a dialled string, as Parse applies it to an SMS: an
// account-class value, or anything that looks like one, together with anything that looks
// like a PIN. The values a screen accepted vouch for themselves (accounts are accounts,
// amounts and phone numbers are not PINs); when the string carried more than the screens
// took, the other values and the rest are judged by their shape.
bool UssdStep::ShortcutViolates(
    const std::vector<std::string>& answers, std::size_t used,
    const std::vector<std::pair<std::size_t, const parser::FieldSpec*>>& accepted) const {
  const parser::CredentialSplitPolicy& cs = g_.credential_split;
  std::vector<parser::FieldClass> found;
  auto shape = [&](std::string_view a) {
    if (!AllDigits(a)) return;
    const int n = static_cast<int>(a.size());
    if (n >= cs.account_min_length && n <= cs.account_max_length) {
      found.push_back(parser::FieldClass::kAccount);
    }
    if (n >= g_.pin.min_length && n <= g_.pin.max_length) {
      found.push_back(parser::FieldClass::kCredential);
    }
  };
  const bool beyond = used < answers.size();
  for (const auto& [index, field] : accepted) {
    const parser::FieldSpec& f = *field;
    if (f.cls == parser::FieldClass::kAccount || f.cls == parser::FieldClass::kCredential) {
      found.push_back(f.cls);
    } else if (beyond && f.cls != parser::FieldClass::kAmount &&
               f.type != parser::FieldType::kMsisdn) {
      shape(answers[index]);
    }
  }
  for (std::size_t i = used; i < answers.size(); ++i) shape(answers[i]);
  for (const auto& [a, b] : cs.forbidden_pairs) {
    const bool has_a = std::find(found.begin(), found.end(), a) != found.end();
    const bool has_b = std::find(found.begin(), found.end(), b) != found.end();
    if (has_a && has_b) return true;
  }
  return false;
}

Result<UssdTurn> UssdStep::Answer(const UssdState& state, std::string_view input) {
  s_ = state;
  f_.short_code = s_.sms_from;
  f_.connection = s_.connection;
  if (Current() == nullptr) {
    Status st = EndWith("ussd.changed", {{"service_code", u_.service_code}});
    if (!st.ok()) return st;
    return Turn();
  }
  Result<Fed> fed = Feed(Trim(input));
  if (!fed.ok()) return fed.status();
  return Turn(fed->hint);
}

Result<UssdStep::Fed> UssdStep::Feed(std::string_view input) {
  const parser::UssdScreen& at = *Current();
  if (at.name != u_.start && (input == parser::kUssdBack || input == parser::kUssdHome)) {
    const parser::UssdScreen* to = nullptr;
    if (input == parser::kUssdBack && !s_.history.empty()) to = u_.Find(s_.history.back());
    if (to == nullptr || input == parser::kUssdHome) {
      s_.history.clear();
      to = u_.Find(u_.start);
    } else {
      s_.history.pop_back();
    }
    s_.screen = to->name;
    s_.invalid = 0;
    if (!IsCommandScreen(*to)) s_.command.clear();
    return Fed{};
  }
  switch (at.kind) {
    case parser::UssdScreenKind::kMenu:
    case parser::UssdScreenKind::kConfirm:
      return Choose(at, input);
    case parser::UssdScreenKind::kInput:
      return Value(at, input);
    case parser::UssdScreenKind::kPin:
      return Pin(at, input);
  }
  return Status::Internal("unknown screen kind");
}

Result<UssdStep::Fed> UssdStep::Choose(const parser::UssdScreen& at, std::string_view input) {
  const std::size_t count = at.kind == parser::UssdScreenKind::kConfirm ? 2 : at.options.size();
  std::size_t choice = 0;
  if (input.size() == 1 && input[0] >= '1' && input[0] <= '9') {
    choice = static_cast<std::size_t>(input[0] - '0');
  }
  if (choice == 0 || choice > count) {
    Result<std::string> hint = f_.Text("ussd.invalid_choice", s_.language, {});
    if (!hint.ok()) return hint.status();
    return Invalid(std::move(*hint));
  }
  if (at.kind == parser::UssdScreenKind::kConfirm) {
    if (choice == 1) {
      if (Status st = Submit(); !st.ok()) return st;
    } else {
      if (Status st = EndWith("ussd.cancelled", {}); !st.ok()) return st;
    }
    return Ended();
  }
  const parser::UssdOption& o = at.options[choice - 1];
  if (o.language) s_.language = g_.languages[*o.language];
  const parser::UssdScreen* to = o.go.empty() ? &at : u_.Find(o.go);
  if (to == nullptr) return Status::Internal("screen " + o.go + " is not in the grammar");
  if (to != &at) MoveTo(*to);
  s_.invalid = 0;
  return Fed{};
}

Result<UssdStep::Fed> UssdStep::Value(const parser::UssdScreen& at, std::string_view input) {
  const parser::CommandSpec* c = g_.FindCommand(at.command);
  const parser::FieldSpec* f = c == nullptr ? nullptr : c->FindField(at.field);
  if (f == nullptr) return Status::Internal("screen " + at.name + " names no field");
  parser::ValueBuf buf;
  const parser::Rule rule = parser::ReadLiteral(g_, *f, input, &buf);
  if (rule != parser::Rule::kNone) {
    Result<std::string> hint = parser::UssdRuleHint(g_, *c, *f, rule, Lang());
    if (!hint.ok()) return hint.status();
    return Invalid(std::move(*hint));
  }
  SetAnswer(f->name,
            f->type == parser::FieldType::kText ? std::string(input) : std::string(buf.view()),
            buf.minor);
  Result<Fed> next = Next(at);
  if (next.ok()) next->field = f;
  return next;
}

Result<UssdStep::Fed> UssdStep::Pin(const parser::UssdScreen& at, std::string_view input) {
  const int n = static_cast<int>(input.size());
  if (!AllDigits(input) || n < g_.pin.min_length || n > g_.pin.max_length) {
    // Worded as the SMS confirmation's PIN field: "PIN must have 4 digits".
    for (const parser::CommandSpec& c : g_.commands) {
      for (const parser::FieldSpec& f : c.fields) {
        if (f.type != parser::FieldType::kPin) continue;
        Result<std::string> hint = parser::UssdRuleHint(g_, c, f, parser::Rule::kDigits, Lang());
        if (!hint.ok()) return hint.status();
        return Invalid(std::move(*hint));
      }
    }
    return Status::Internal("the grammar has no pin field");
  }
  const parser::CommandSpec* c = g_.FindCommand(at.command);
  if (c == nullptr) return Status::Internal("screen " + at.name + " names no command");
  std::string name = at.field;
  if (name.empty()) name = c->challenge.empty() ? "pin" : c->challenge.front().collect;
  SetAnswer(std::move(name), std::string(input), 0);
  return Next(at);
}

Result<UssdStep::Fed> UssdStep::Invalid(std::string hint) {
  if (++s_.invalid >= kUssdMaxInvalid) {
    if (Status st = EndWith("ussd.too_many", {}); !st.ok()) return st;
    return Ended();
  }
  Fed fed;
  fed.step = Step::kInvalid;
  fed.hint = std::move(hint);
  return fed;
}

Result<UssdStep::Fed> UssdStep::Next(const parser::UssdScreen& at) {
  s_.invalid = 0;
  if (at.next == parser::kUssdSubmit) {
    if (Status st = Submit(); !st.ok()) return st;
    return Ended();
  }
  const parser::UssdScreen* to = u_.Find(at.next);
  if (to == nullptr) return Status::Internal("screen " + at.next + " is not in the grammar");
  MoveTo(*to);
  return Fed{};
}

void UssdStep::MoveTo(const parser::UssdScreen& next) {
  const parser::UssdScreen* from = Current();
  if (from != nullptr) s_.history.push_back(from->name);
  if (IsCommandScreen(next) && (from == nullptr || !IsCommandScreen(*from))) {
    // A command's first screen: what another command gathered is forgotten.
    for (UssdState::Answer& a : s_.answers) std::fill(a.value.begin(), a.value.end(), '\0');
    s_.answers.clear();
    s_.command = next.command;
  }
  if (!IsCommandScreen(next)) s_.command.clear();
  s_.screen = next.name;
}

void UssdStep::SetAnswer(std::string field, std::string value, int64_t minor) {
  for (UssdState::Answer& a : s_.answers) {
    if (a.field == field) {
      std::fill(a.value.begin(), a.value.end(), '\0');
      a.value = std::move(value);
      a.minor = minor;
      return;
    }
  }
  s_.answers.push_back({std::move(field), std::move(value), minor});
}

parser::Command UssdStep::BuildCommand() const {
  parser::Command cmd;
  const parser::CommandSpec* spec = g_.FindCommand(s_.command);
  if (spec == nullptr) return cmd;
  cmd.name = spec->name;
  cmd.operation = spec->operation;
  cmd.language = s_.language;
  cmd.requires_pin = spec->requires_pin();
  for (const parser::FieldSpec& f : spec->fields) {
    auto it = std::find_if(s_.answers.begin(), s_.answers.end(),
                           [&](const UssdState::Answer& a) { return a.field == f.name; });
    parser::Field field{f.name, f.type, f.cls, "", 0, false};
    if (it != s_.answers.end()) {
      field.value = it->value;
      field.minor = it->minor;
    } else if (f.default_kind == parser::FieldSpec::Default::kValue) {
      field.value = f.default_value;
      field.minor = f.default_minor;
      field.defaulted = true;
    } else if (f.default_kind == parser::FieldSpec::Default::kSender) {
      field.value = s_.msisdn;
      field.defaulted = true;
    } else {
      continue;
    }
    cmd.fields.push_back(std::move(field));
  }
  return cmd;
}

// The instruction the SMS flow creates once its challenge is answered: the PIN came on its
// own screen instead.
Status UssdStep::Submit() {
  Result<int64_t> locked = f_.view().LockedUntil(s_.msisdn);
  if (!locked.ok()) return locked.status();
  if (*locked > now_) return EndWith("account.locked", {});
  const parser::CommandSpec* spec = g_.FindCommand(s_.command);
  std::optional<CommandEntry> entry;
  if (spec != nullptr) entry = EntryFor(*spec);
  if (!entry || entry->backend_op.empty()) {
    return EndWith("ussd.changed", {{"service_code", u_.service_code}});
  }
  const parser::Command cmd = BuildCommand();
  Request req;
  req.command = cmd.name;
  req.language = s_.language;
  req.short_code = s_.sms_from;
  req.connection = s_.connection;
  req.show = parser::FieldValues(g_, cmd);
  req.args = BackendFields(cmd, entry->backend_op);
  Secrets secrets;
  for (const parser::Field& fld : cmd.fields) {
    if (fld.cls == parser::FieldClass::kAccount) secrets.account = fld.value;
  }
  for (const UssdState::Answer& a : s_.answers) {
    if (a.field == "new_pin") {
      secrets.new_pin = a.value;
    } else if (std::any_of(
                   spec->challenge.begin(), spec->challenge.end(),
                   [&](const parser::ChallengeStep& st) { return st.collect == a.field; })) {
      secrets.pin = a.value;
    }
  }
  Result<store::InstructionKeys> keys = f_.MintKeys();
  if (!keys.ok()) return keys.status();
  store::NewInstruction ins;
  ins.id = keys->id;
  ins.reference = keys->reference;
  ins.msisdn = s_.msisdn;
  ins.operation = std::string(entry->backend_op);
  SetRequest(ins, std::move(req));
  ins.secret = std::string(EncodeSecrets(secrets).view());
  f_.fx.instructions.push_back(std::move(ins));
  f_.fx.audit.push_back({store::Actor::kSubscriber, s_.msisdn, "ussd", s_.service,
                         std::string(kEventUssdSubmitted),
                         std::string(entry->backend_op) + ", ref " + keys->reference});
  return EndWith("ussd.submitted", {{"ref", keys->reference}});
}

Status UssdStep::EndWith(std::string_view tmpl, const Values& values) {
  Result<std::string> text = f_.Text(tmpl, s_.language, values);
  if (!text.ok()) return text.status();
  end_ = std::move(*text);
  return Status::OK();
}

Result<UssdTurn> UssdStep::Turn(std::string_view hint) {
  UssdTurn turn;
  turn.effects = std::move(f_.fx);
  if (end_) {
    turn.text = std::move(*end_);
    turn.end = true;
    return turn;
  }
  const parser::UssdScreen* at = Current();
  if (at == nullptr) return Status::Internal("screen " + s_.screen + " is not in the grammar");
  const parser::Command cmd = BuildCommand();
  const Values values = parser::FieldValues(g_, cmd);
  Result<std::string> text = parser::RenderUssdScreen(g_, *at, Lang(), values, hint);
  if (!text.ok()) return text.status();
  turn.text = std::move(*text);
  turn.state = std::move(s_);
  return turn;
}

Result<UssdTurn> Engine::OnUssdOpen(const UssdOpen& open, StoreView& view) const {
  Flow flow(*this, view);
  UssdStep step(flow, open.now_ms);
  return step.Open(open);
}

Result<UssdTurn> Engine::OnUssdAnswer(const UssdState& state, std::string_view input,
                                      int64_t now_ms, StoreView& view) const {
  Flow flow(*this, view);
  UssdStep step(flow, now_ms);
  return step.Answer(state, input);
}

}  // namespace smsgw::commands
