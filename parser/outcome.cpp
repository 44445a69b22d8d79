#include "parser/outcome.h"

#include <array>

namespace smsgw::parser {
std::string MaskedValue(const Field& f) {
  if (f.cls == FieldClass::kCredential) return "****";
  if (f.cls == FieldClass::kAccount) {
    return f.value.size() >= 4 ? "****" + f.value.substr(f.value.size() - 4) : "****";
  }
  return f.value;
}

const Field* Command::Find(std::string_view field_name) const {
  for (const auto& f : fields) {
    if (f.name == field_name) return &f;
  }
  return nullptr;
}

std::string_view ErrorKindName(ErrorKind kind) {
  static constexpr std::array<std::string_view, 5> kNames = {
      "empty", "unknown_command", "missing_field", "extra_values", "bad_field"};
  return kNames[static_cast<std::size_t>(kind)];
}

ParseOutcome::ParseOutcome(Command c, std::string redacted)
    : value_(std::in_place_index<0>, std::move(c)), redacted_(std::move(redacted)) {
  language_ = std::get<Command>(value_).language;
}

ParseOutcome::ParseOutcome(ParseError e, std::string language, std::string redacted)
    : value_(std::in_place_index<1>, std::move(e)),
      language_(std::move(language)),
      redacted_(std::move(redacted)) {}

ParseOutcome::ParseOutcome(CredentialViolation v, std::string language, std::string redacted)
    : value_(std::in_place_index<2>, std::move(v)),
      language_(std::move(language)),
      redacted_(std::move(redacted)) {}

std::string ParseOutcome::Describe() const {
  std::string out;
  switch (kind()) {
    case Kind::kCommand: {
      const Command& c = command();
      out = "command " + c.name + " (" + c.operation + ", " + c.language + ")";
      for (const auto& f : c.fields) out += " " + f.name + "=" + MaskedValue(f);
      break;
    }
    case Kind::kError: {
      const ParseError& e = error();
      out = "error " + std::string(ErrorKindName(e.kind));
      if (!e.command.empty()) out += " command=" + e.command;
      if (!e.field.empty()) out += " field=" + e.field;
      if (e.rule != Rule::kNone) out += " rule=" + std::string(RuleName(e.rule));
      if (!e.suggestion.empty()) out += " suggestion=" + e.suggestion;
      break;
    }
    case Kind::kViolation: {
      const CredentialViolation& v = violation();
      out = "credential_split";
      if (!v.command.empty()) out += " command=" + v.command;
      for (const auto& p : v.parts) {
        out += " " + std::string(FieldClassName(p.cls)) + "@word" + std::to_string(p.word);
        if (!p.field.empty()) out += "(" + p.field + ")";
      }
      break;
    }
  }
  return out + " text=\"" + redacted_ + "\"";
}

}  // namespace smsgw::parser
