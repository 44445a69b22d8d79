// Internal to the engine: one step in progress. Holds the Effects being built and the
// helpers every handler uses (replies from templates, codes, keys). Not a public contract.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "commands/engine.h"
#include "commands/request.h"
#include "parser/outcome.h"
#include "parser/templates.h"

namespace smsgw::commands {

using Values = std::vector<parser::TemplateValue>;

// Sent to the phone an account moved from when a bind moves it (engine_result.cpp); a grammar
// with a command that binds accounts must have it (Engine::Create).
inline constexpr std::string_view kAccountMovedTemplate = "account.moved";
// Sent to a locked account's own phone when a bind of it from another phone is refused
// (engine_result.cpp). Optional: without it the notice is account.locked.
inline constexpr std::string_view kLockedBindTemplate = "account.locked_bind";

// The backend port's fields for a parsed command, restricted to what `backend_op` declares;
// account- and credential-class values are left out (they travel in the sealed secret).
Fields BackendFields(const parser::Command& cmd, std::string_view backend_op);

class Flow {
 public:
  Flow(const Engine& engine, StoreView& view) : e_(engine), view_(view) {}

  // Inbound handlers (engine_inbound.cpp).
  Result<store::Effects> Inbound(const commands::Inbound& m);
  // Result handlers (engine_result.cpp).
  // `decoded`: the instruction's payload as already read, or null to read it here.
  Result<store::Effects> Result_(const store::ClaimedInstruction& ins, const BackendResult& r,
                                 const Request* decoded = nullptr);

  // Shared helpers (flow.cpp).
  const parser::Grammar& g() const { return *e_.grammar_; }
  const EngineOptions& opt() const { return e_.options_; }
  int64_t Now() const { return e_.deps_.now_ms(); }
  int64_t TtlMs() const;
  int TtlMinutes() const { return static_cast<int>((TtlMs() + 59'999) / 60'000); }
  // A challenge code for `msisdn` that it has not been given lately (see flow.cpp).
  Result<std::string> NewCode(std::string_view msisdn);
  Result<store::InstructionKeys> MintKeys() const { return e_.deps_.mint_keys(Now()); }
  // Renders a template; an error names the template (a grammar without it was refused by
  // Engine::Create, so this is a broken invariant).
  Result<std::string> Text(std::string_view name, std::string_view language,
                           const Values& values) const;
  // Appends a reply with `text` to `to`, addressed with source_type when `to` is `source`.
  void ReplyText(std::string to, std::string text,
                 std::optional<std::string> reference = std::nullopt,
                 std::optional<std::string> instruction_id = std::nullopt);
  // Appends a reply to `to` rendered from `tmpl`.
  Status Reply(std::string to, std::string_view tmpl, std::string_view language,
               const Values& values, std::optional<std::string> reference = std::nullopt,
               std::optional<std::string> instruction_id = std::nullopt);
  // The language of replies sent from `short_code` (EngineOptions::short_code_languages);
  // empty when it has none, which Text and the parser read as the grammar's default.
  std::string_view ShortCodeLanguage(std::string_view short_code) const;
  // "0712345678" for "254712345678"; other numbers as they are.
  std::string National(std::string_view msisdn) const;
  // "26/11/26 06:09" in the configured offset.
  std::string Time(int64_t unix_seconds) const;
  std::string Money(int64_t minor) const;

  store::Effects fx;
  std::string short_code;
  std::string connection;
  // The address the step answers (the MO's source) and, when the SMSC's form of it was kept,
  // its TON/NPI; notices to other phones go to E.164 numbers with the connection's.
  std::string source;
  std::optional<store::AddressType> source_type;

 private:
  const Engine& e_;
  StoreView& view_;

 public:
  StoreView& view() { return view_; }
};

}  // namespace smsgw::commands
