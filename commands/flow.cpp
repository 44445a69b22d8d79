#include "commands/flow.h"

#include <ctime>
#include <optional>

#include "commands/command_table.h"
#include "parser/money.h"

namespace smsgw::commands {

int64_t Flow::TtlMs() const {
  if (opt().challenge_ttl_ms > 0) return opt().challenge_ttl_ms;
  return int64_t{g().challenge.ttl_minutes} * 60'000;
}

namespace {

// A code is answered as "<code> <PIN>". Were a subscriber given a code used lately, that answer
// could repeat an earlier MO word for word and be dropped as a network redelivery, or be taken
// for a resend of the earlier confirmation; and two pending challenges with one code would
// make one of them unanswerable. So codes the MSISDN was given within a day (longer than
// either window's default) or still holds pending are drawn again, a bounded number of times:
// with 10^4 codes a subscriber who exhausts the draws has used most of them today.
constexpr int64_t kCodeReuseAfterMs = 24 * 3'600'000LL;
constexpr int kCodeDraws = 8;

}  // namespace

Result<std::string> Flow::NewCode(std::string_view msisdn) {
  const int length = g().challenge.code_length;
  uint32_t bound = 1;
  for (int i = 0; i < length; ++i) bound *= 10;
  // Should every draw be taken, the one given longest ago that is not pending: a pending code
  // given again would leave the older request unanswerable.
  std::optional<std::string> fallback;
  int64_t fallback_created_at = 0;
  for (int draw = 0; draw < kCodeDraws; ++draw) {
    Result<uint32_t> n = e_.deps_.random_below(bound);
    if (!n.ok()) return n.status();
    std::string code = std::to_string(*n);
    code.insert(0, static_cast<std::size_t>(length) - code.size(), '0');
    Result<std::optional<store::Challenge>> used = view_.FindChallenge(msisdn, code);
    if (!used.ok()) return used.status();
    if (!used->has_value()) return code;
    const store::Challenge& c = **used;
    if (c.state == store::ChallengeState::kPending) continue;
    if (c.created_at + kCodeReuseAfterMs <= Now()) return code;
    if (!fallback || c.created_at < fallback_created_at) {
      fallback = code;
      fallback_created_at = c.created_at;
    }
  }
  if (fallback) return *fallback;
  return Status::Unavailable("no challenge code free for this subscriber after " +
                             std::to_string(kCodeDraws) + " draws");
}

Result<std::string> Flow::Text(std::string_view name, std::string_view language,
                               const Values& values) const {
  Result<std::string> text = parser::Render(g(), name, language, values);
  if (!text.ok())
    return Status::Internal("template " + std::string(name) + ": " + text.status().message());
  return text;
}

Status Flow::Reply(std::string to, std::string_view tmpl, std::string_view language,
                   const Values& values, std::optional<std::string> reference,
                   std::optional<std::string> instruction_id) {
  Result<std::string> text = Text(tmpl, language, values);
  if (!text.ok()) return text.status();
  ReplyText(std::move(to), std::move(*text), std::move(reference), std::move(instruction_id));
  return Status::OK();
}

void Flow::ReplyText(std::string to, std::string text, std::optional<std::string> reference,
                     std::optional<std::string> instruction_id) {
  store::NewReply r;
  r.destination = std::move(to);
  if (source_type && r.destination == source) r.destination_type = source_type;
  r.source = short_code;
  r.text = std::move(text);
  r.reference = std::move(reference);
  r.instruction_id = std::move(instruction_id);
  if (!connection.empty()) r.connection = connection;
  fx.replies.push_back(std::move(r));
}

std::string_view Flow::ShortCodeLanguage(std::string_view short_code) const {
  auto it = opt().short_code_languages.find(short_code);
  return it == opt().short_code_languages.end() ? std::string_view() : it->second;
}

std::string Flow::National(std::string_view msisdn) const {
  const parser::NumberPlan& plan = g().number_plan;
  const std::string& cc = plan.country_code;
  if (msisdn.size() == cc.size() + static_cast<std::size_t>(plan.national_number_length) &&
      msisdn.substr(0, cc.size()) == cc) {
    return plan.national_prefix + std::string(msisdn.substr(cc.size()));
  }
  return std::string(msisdn);
}

std::string Flow::Time(int64_t unix_seconds) const {
  std::time_t t = static_cast<std::time_t>(unix_seconds + int64_t{opt().utc_offset_minutes} * 60);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%d/%m/%y %H:%M", &tm);
  return buf;
}

std::string Flow::Money(int64_t minor) const {
  if (minor < 0) return "-" + parser::FormatAmount(g().money, -minor, parser::AmountStyle::kReply);
  return parser::FormatAmount(g().money, minor, parser::AmountStyle::kReply);
}

Fields BackendFields(const parser::Command& cmd, std::string_view backend_op) {
  Fields out;
  const OperationSpec* spec = FindOperation(backend_op);
  if (spec == nullptr) return out;
  for (const parser::Field& f : cmd.fields) {
    if (f.cls == parser::FieldClass::kCredential || f.cls == parser::FieldClass::kAccount) continue;
    std::string name =
        f.type == parser::FieldType::kMsisdn ? std::string(field::kRecipient) : f.name;
    for (const FieldSpec& fs : spec->fields) {
      if (fs.name != name) continue;
      if (fs.type == FieldType::kAmount) {
        out.emplace(name, f.minor);
      } else {
        out.emplace(name, f.value);
      }
    }
  }
  return out;
}

}  // namespace smsgw::commands
