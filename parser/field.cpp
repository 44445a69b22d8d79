#include "parser/field.h"

#include <array>

namespace smsgw::parser {
namespace {

constexpr std::array<std::string_view, kFieldTypeCount> kTypeNames = {
    "msisdn", "amount", "digits", "word", "code", "account", "pin", "date", "text"};
constexpr std::array<std::string_view, kFieldClassCount> kClassNames = {
    "account", "credential", "amount", "party", "reference", "free"};

constexpr std::array<std::string_view, 10> kRuleNames = {
    "none", "msisdn", "amount_format", "amount_range", "digits",
    "word", "choice", "luhn",          "date",         "text"};

}  // namespace

std::string_view RuleName(Rule rule) {
  return kRuleNames[static_cast<int>(rule)];
}

std::string_view FieldTypeName(FieldType type) {
  return kTypeNames[static_cast<int>(type)];
}

std::string_view FieldClassName(FieldClass cls) {
  return kClassNames[static_cast<int>(cls)];
}

std::optional<FieldType> FieldTypeFromName(std::string_view name) {
  for (int i = 0; i < kFieldTypeCount; ++i) {
    if (kTypeNames[i] == name) return static_cast<FieldType>(i);
  }
  return std::nullopt;
}

std::optional<FieldClass> FieldClassFromName(std::string_view name) {
  for (int i = 0; i < kFieldClassCount; ++i) {
    if (kClassNames[i] == name) return static_cast<FieldClass>(i);
  }
  return std::nullopt;
}

FieldClass DefaultClass(FieldType type) {
  switch (type) {
    case FieldType::kPin:
      return FieldClass::kCredential;
    case FieldType::kAccount:
      return FieldClass::kAccount;
    case FieldType::kAmount:
      return FieldClass::kAmount;
    case FieldType::kMsisdn:
      return FieldClass::kParty;
    case FieldType::kCode:
    case FieldType::kDigits:
    case FieldType::kWord:
      return FieldClass::kReference;
    case FieldType::kDate:
    case FieldType::kText:
      return FieldClass::kFree;
  }
  return FieldClass::kFree;
}

}  // namespace smsgw::parser
