// The command grammar: an immutable model of conf/grammar.yaml.
//
// A Grammar is built only by LoadGrammar (grammar_loader.h) and shared as
// std::shared_ptr<const Grammar>: a reload builds a new one and swaps the pointer, while
// messages in flight keep the snapshot they started with. Everything here is read-only after
// loading, so one Grammar may be used from any number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "parser/field.h"
#include "parser/template_text.h"
#include "parser/ussd_menu.h"

namespace smsgw::parser {

// How phone numbers are written in the country the gateway serves.
struct NumberPlan {
  std::string country_code;     // "254"
  std::string national_prefix;  // "0"; may be empty
  std::string international_prefix = "00";
  int national_number_length = 9;            // digits after the country code
  std::vector<std::string> mobile_prefixes;  // leading digits of mobile numbers; empty = any
};

struct MoneyFormat {
  std::string currency;              // ISO 4217 code shown in replies: "KES"
  std::vector<std::string> symbols;  // accepted next to amounts in messages (upper case)
  int minor_digits = 2;
  char decimal_separator = '.';
  char grouping_separator = ',';  // '\0': amounts are written without grouping
};

struct PinPolicy {
  int min_length = 4;
  int max_length = 4;
};

// The one-time challenge the commands engine sends before forwarding a PIN-protected command.
struct ChallengePolicy {
  int code_length = 4;
  int ttl_minutes = 5;
};

// What may not travel together, and how account numbers and PINs look in a message that
// matches no command.
struct CredentialSplitPolicy {
  std::vector<std::pair<FieldClass, FieldClass>> forbidden_pairs;
  int account_min_length = 8;
  int account_max_length = 19;
  std::vector<std::string> pin_markers;      // upper case words announcing a PIN: "PIN"
  std::vector<std::string> account_markers;  // upper case words announcing an account: "ACC"

  bool Forbidden(FieldClass a, FieldClass b) const;
};

struct FieldSpec {
  enum class Default { kNone, kValue, kSender };

  std::string name;
  FieldType type = FieldType::kWord;
  FieldClass cls = FieldClass::kFree;
  bool optional = false;
  Default default_kind = Default::kNone;
  std::string default_value;  // kValue: already normalised for the type
  int64_t default_minor = 0;  // kValue of an amount field
  int min_length = 1;         // digits, word, code, account, pin; text counts characters
  int max_length = 32;
  int64_t min_minor = 1;  // amount bounds, inclusive
  int64_t max_minor = 0;
  bool luhn = false;                 // account: require a valid Luhn check digit
  bool any_country = false;          // msisdn: accept other countries' E.164 numbers too
  std::vector<std::string> choices;  // word: the allowed values, upper case
  bool command_topic = false;        // word: a command keyword, normalised to the command's name
  std::vector<std::string> labels;   // per language index: how replies name the field
  SourceMark mark;
};

struct KeywordSpec {
  std::string text;  // normalised: upper case, tokens separated by one space ("CHANGE PIN")
  std::size_t language = 0;
  SourceMark mark;
};

// One step of a PIN-protected flow: the engine sends `prompt` with a fresh code and waits for
// the confirmation command "<code> <pin>"; the PIN it receives is known as `collect`.
struct ChallengeStep {
  std::string collect;
  std::string prompt;
  SourceMark mark;
};

// A message to a counterparty after success, to the party named by field `to`.
struct NoticeSpec {
  std::string to;
  std::string template_name;
  SourceMark mark;
};

struct CommandSpec {
  std::string name;
  std::string operation;              // what the command becomes towards the backend
  std::vector<KeywordSpec> keywords;  // empty: recognised by the shape of its fields
  std::vector<FieldSpec> fields;
  std::vector<ChallengeStep> challenge;
  std::string reply;  // template sent on success; empty when the engine decides
  std::vector<NoticeSpec> notices;
  std::vector<std::string> usage;  // per language index: "SEND <phone> <amount>"
  std::vector<std::string> help;   // per language index; may be empty strings
  SourceMark mark;

  bool requires_pin() const { return !challenge.empty(); }
  bool keywordless() const { return keywords.empty(); }
  const FieldSpec* FindField(std::string_view field_name) const;
};

class Grammar {
 public:
  struct KeywordEntry {
    std::size_t command;
    std::size_t language;
    std::vector<std::string> rest;  // the keyword's tokens after the first, upper case
  };

  Grammar() = default;
  // Not copyable or movable: the indexes point into the members.
  Grammar(const Grammar&) = delete;
  Grammar& operator=(const Grammar&) = delete;

  std::string file;
  std::vector<std::string> languages;  // codes, e.g. {"en", "sw"}
  std::size_t default_language = 0;
  NumberPlan number_plan;
  MoneyFormat money;
  PinPolicy pin;
  ChallengePolicy challenge;
  CredentialSplitPolicy credential_split;
  std::vector<CommandSpec> commands;
  std::vector<Template> templates;
  UssdSection ussd;

  std::optional<std::size_t> LanguageIndex(std::string_view code) const;
  // The language index for `code`, or the default language when `code` is empty or unknown.
  std::size_t LanguageOrDefault(std::string_view code) const;
  const CommandSpec* FindCommand(std::string_view name) const;
  const Template* FindTemplate(std::string_view name) const;

  // Keywords whose first token is `token` (upper case), longest first. Null when none.
  const std::vector<KeywordEntry>* KeywordsStartingWith(std::string_view token) const;
  // The commands with no keyword, in grammar order.
  const std::vector<std::size_t>& KeywordlessCommands() const { return keywordless_; }

  // Builds the lookup indexes; the loader calls it once, after filling the members above.
  void BuildIndexes();

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Index = std::unordered_map<std::string, std::size_t, Hash, std::equal_to<>>;

  std::unordered_map<std::string, std::vector<KeywordEntry>, Hash, std::equal_to<>> keywords_;
  std::vector<std::size_t> keywordless_;
  Index command_index_;
  Index template_index_;
};

}  // namespace smsgw::parser
