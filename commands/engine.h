// The commands engine: turns one input (a stored MO, a backend result, a bill notice) into one
// store::Effects value that the caller applies with store::Store::Apply in one transaction.
//
// Pure: no I/O of its own. It reads through a StoreView (store_view.h), takes time and
// randomness from EngineDeps, and writes nothing; if Apply fails, the caller drops the Effects
// and runs the step again later (the MO is still "new", the instruction still in flight).
// docs/commands.md describes every command as subscribers see it.
//
// Rules the engine enforces:
//  - Credential split: a message carrying an account and a credential is refused, its stored
//    copy redacted, audited without values; the reply asks the subscriber to change the PIN.
//  - PIN-protected commands get a one-time challenge (CSPRNG code, TTL, bound to the MSISDN and
//    the pending instruction). "<code> <PIN>" turns it into an instruction whose PIN is only in
//    the sealed secret. Several challenges may be pending at once ("both live"): each code is
//    bound to its own request, so answering one never executes another.
//  - Wrong PINs are known from the backend's wrong_pin rejection: the result step audits
//    pin.wrong, re-issues the same code for the same request while the challenge has attempts
//    left (3), and locks the MSISDN (SetLock) at the 5th wrong PIN in 24 h. A bind refused
//    for an unknown account number, one without a PIN, or a locked account is answered and
//    counted the same, so account numbers cannot be tested without being locked out.
//  - A bind that moves an account from another phone tells that phone (account.moved), the
//    only notice of a bind: a grammar whose bind command declares notices is refused; a bind
//    refused because the account is locked tells the account's own phone when the backend names it
//    (account.locked_bind), at most once per locked_bind_notice_interval_ms (counted in the audit
//    trail on that phone).
//  - Dedup: the same command inside the resend window is answered with the earlier reference;
//    a code answered twice gets "already used, ref X".
//  - Rate: more than messages_per_window MOs per window get one warning, then silence.
//
// Thread-safety: an Engine is immutable after construction; On* may run on any thread as long
// as the StoreView passed in is used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "commands/backend_port.h"
#include "commands/store_view.h"
#include "commands/ussd.h"
#include "conf/status.h"
#include "parser/grammar.h"
#include "store/effects.h"
#include "store/ids.h"
#include "store/inbound.h"
#include "store/outbox.h"

namespace smsgw::conf {
struct LimitsConfig;
}

namespace smsgw::commands {

struct Request;  // commands/request.h: an instruction's stored request, decoded

// Audit event of STOP; bill notices are not sent to an MSISDN that has one.
inline constexpr std::string_view kEventStop = "subscriber.stop";
// Audit event of a notice to a locked account's own phone (account.locked_bind), on that
// phone's MSISDN: counted to send at most one per locked_bind_notice_interval_ms.
inline constexpr std::string_view kEventLockedBindNotice = "notice.locked_bind";

struct EngineOptions {
  int messages_per_window = 10;  // 0: no rate limit
  int64_t rate_window_ms = 60'000;
  int64_t challenge_ttl_ms = 0;  // 0: the grammar's challenge.ttl_minutes
  int attempts_per_challenge = 3;
  int wrong_pins_per_24h = 5;
  int64_t lockout_ms = 24 * 3'600'000LL;
  // One account.locked_bind notice per owner's phone per this period: each probing phone gets
  // a few tries a day, and many of them must not make the gateway flood the owner with SMS.
  int64_t locked_bind_notice_interval_ms = 24 * 3'600'000LL;
  // The outbox's max_attempts: an unavailable result at this attempt makes the instruction
  // dead, and the subscriber is told.
  int instruction_max_attempts = 10;
  // True when "unavailable" proves nothing was applied (the embedded ledger rolls back): the
  // dead-letter reply then says nothing was paid. False (HTTP): it says the request is delayed.
  bool unavailable_is_unapplied = true;
  int utc_offset_minutes = 180;  // times in replies ("26/11/26 06:09"), East Africa Time
  // Short code -> language code (gateway.yaml short_codes[].language): the language of what
  // is sent from that code when the subscriber chose none. The keyword's language wins for an
  // SMS command, the menu's choice in a USSD dialogue, a notice's own language for a bill
  // notice. A code not listed, or a language the grammar lacks: the grammar's default.
  std::map<std::string, std::string, std::less<>> short_code_languages;

  static EngineOptions FromLimits(const conf::LimitsConfig& limits);
};

// Time and randomness, injected so tests are deterministic.
struct EngineDeps {
  std::function<int64_t()> now_ms;                                   // unix ms; required
  std::function<Result<uint32_t>(uint32_t)> random_below;            // default store::RandomBelow
  std::function<Result<store::InstructionKeys>(int64_t)> mint_keys;  // default MintInstructionKeys
};

// A stored MO as the engine needs it (store::PendingMessage without the SecretBytes).
struct Inbound {
  int64_t id = 0;
  int64_t received_at = 0;
  std::string connection;
  std::string source;  // the subscriber's MSISDN
  // Set when `source` is kept as the SMSC wrote it (store::InboundMessage::source_type): the
  // replies to it carry this TON/NPI.
  std::optional<store::AddressType> source_type;
  std::string destination;  // the short code; replies go out from it
  std::string_view text;    // may hold a PIN: the engine never copies it into Effects

  static Inbound From(const store::PendingMessage& message);
};

// A bill notice pushed by the backend.
struct BillNotice {
  std::string msisdn;
  std::string short_code;
  std::string biller;
  std::string bill_ref;
  int64_t amount_minor = 0;
  std::string due;       // as the biller writes it: "30 Nov"
  std::string language;  // empty: the short code's (EngineOptions), else the grammar's default
};

class Engine {
 public:
  // FailedPrecondition when the grammar lacks a template the engine renders (account.moved
  // only when a command binds accounts), a command names an operation the engine cannot
  // forward, or a command that binds accounts declares notices (they would reach the phone
  // account.moved already tells, twice; the message names the command).
  static Result<std::unique_ptr<Engine>> Create(std::shared_ptr<const parser::Grammar> grammar,
                                                EngineOptions options, EngineDeps deps);

  // One MO. Always returns a consume (the MO leaves "new"), plus whatever it causes.
  // Errors only from the StoreView or the random generator (Unavailable): retry later.
  Result<store::Effects> OnInbound(const Inbound& message, StoreView& view) const;

  // The backend's answer to a claimed instruction: its outcome and the replies and notices.
  // `decoded`, when given, is what ToBackend read from this instruction's payload: reading a
  // payload is much of a result step's work, and it need not be done twice per call.
  Result<store::Effects> OnResult(const store::ClaimedInstruction& instruction,
                                  const BackendResult& result, StoreView& view,
                                  const std::shared_ptr<const Request>& decoded = {}) const;

  // A bill notice: one MT, unless the subscriber sent STOP. Effects without a consume.
  Result<store::Effects> OnBillNotice(const BillNotice& notice, StoreView& view) const;

  // USSD (ussd.h). A dialled string: the first screen, or the end of the dialogue (unknown
  // code, locked MSISDN, rate limit, a refused shortcut). Errors only from the StoreView or
  // the random generator (Unavailable): answer the network with a system error.
  Result<UssdTurn> OnUssdOpen(const UssdOpen& open, StoreView& view) const;
  // The subscriber's answer to the screen `state` waits on. Everything a subscriber can do
  // wrong is a turn (the screen again with a hint; the end after kUssdMaxInvalid); errors as
  // OnUssdOpen. A state the grammar no longer knows (a reload removed its screen) ends.
  Result<UssdTurn> OnUssdAnswer(const UssdState& state, std::string_view input, int64_t now_ms,
                                StoreView& view) const;

  // The port's Instruction for a claimed instruction this engine created (fields from the
  // clear payload, PINs and account from the sealed secret). InvalidArgument when the payload
  // is not the engine's. A claim made as the row went in carries the request the engine made
  // (ClaimedInstruction::parsed, set by SetRequest), which is taken instead of the payload.
  // With `decoded`, also hands out the request, for OnResult.
  Result<Instruction> ToBackend(const store::ClaimedInstruction& instruction,
                                std::shared_ptr<const Request>* decoded = nullptr) const;

  const parser::Grammar& grammar() const { return *grammar_; }
  const EngineOptions& options() const { return options_; }

 private:
  Engine(std::shared_ptr<const parser::Grammar> grammar, EngineOptions options, EngineDeps deps);
  friend class Flow;

  std::shared_ptr<const parser::Grammar> grammar_;
  EngineOptions options_;
  EngineDeps deps_;
};

}  // namespace smsgw::commands
