// USSD dialogues: the menus of the grammar's `ussd:` section (parser/ussd_menu.h), walked one
// answer at a time by the commands engine (Engine::OnUssdOpen / OnUssdAnswer in engine.h).
//
// Pure like the rest of the engine: the caller (the daemon's core thread, `smsgw try --ussd`)
// owns the dialogue between turns. Each turn returns the screen to send and, unless the
// dialogue is over, the state to keep until the next answer. The caller applies the turn's
// Effects (with its UssdSessionWrite, see SessionWrite) in one transaction BEFORE it sends
// the screen, so an instruction is never submitted without its dialogue being closed.
//
// The same rules as an SMS apply: a locked MSISDN is refused, opens count against the rate
// limit, every value is read and checked by its command field's FieldSpec, a shortcut that
// carries a credential with an account is refused with the SMS refusal (audited, nothing
// kept), and the submitted instruction is the one the SMS flow creates after its challenge
// (clear payload; PIN and account only in the sealed secret; reference from mint_keys). The
// PIN comes on a screen of its own, so no challenge code is needed. The backend's answer
// reaches the subscriber by SMS (OnResult), from UssdOpen::sms_from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/status.h"
#include "store/effects.h"

namespace smsgw::commands {

// How many invalid answers a dialogue tolerates; the next one ends it.
inline constexpr int kUssdMaxInvalid = 3;

// How many of the network's unit numbers a dialogue remembers (UssdState::units): more than
// the answers the network could still be resending, far fewer than the 128 its_session_info's
// 7-bit sequence number counts before it comes round.
inline constexpr std::size_t kUssdUnitsKept = 8;

// Audit events of USSD dialogues (besides the store's and store::kEventCredentialRefused).
inline constexpr std::string_view kEventUssdOpened = "ussd.opened";
inline constexpr std::string_view kEventUssdSubmitted = "ussd.submitted";

// The state of one live dialogue between two screens. Encode() output may hold the PIN and
// an account number: it goes to the store only sealed (store::UssdSessionWrite::state), and
// is wiped when the state is destroyed.
struct UssdState {
  struct Answer {
    std::string field;  // the command's field, or the PIN's name ("pin", "new_pin")
    std::string value;  // normalised as parser::Field::value
    int64_t minor = 0;  // amount fields
  };

  std::string msisdn;
  std::string connection;
  std::string service;   // the MO destination the dialogue was opened on
  std::string sms_from;  // short code the SMS results go out from
  std::string language;  // code
  std::string screen;    // the screen waiting for an answer
  std::string command;   // the grammar command being gathered; empty on menus before one
  std::vector<Answer> answers;
  std::vector<std::string> history;  // screens before this one, for "0 Back"
  int invalid = 0;                   // invalid answers so far
  int64_t opened_at = 0;             // unix ms
  // The network's numbers (its_session_info's sequence) of the MOs taken, the dial's first,
  // newest last, at most kUssdUnitsKept: how a resent answer is told from a new one.
  std::vector<int> units;

  UssdState() = default;
  UssdState(const UssdState&) = default;
  UssdState& operator=(const UssdState&) = default;
  UssdState(UssdState&&) = default;
  UssdState& operator=(UssdState&&) = default;
  ~UssdState();

  std::string Encode() const;
  // InvalidArgument when `bytes` is not an encoded state (or of an unknown version).
  static Result<UssdState> Decode(std::string_view bytes);
};

struct UssdOpen {
  std::string connection;
  std::string msisdn;    // E.164 digits
  std::string service;   // the MO destination address
  std::string dial;      // the string the subscriber dialled: "*384*12*1#"
  std::string sms_from;  // the SMS short code for results; empty: `service`
  // Empty: the language of `service`'s short code, else of `sms_from`'s
  // (EngineOptions::short_code_languages), else the grammar's default.
  std::string language;
  int64_t now_ms = 0;
};

struct UssdTurn {
  std::string text;                // the screen to send, <= parser::kUssdMaxScreenChars
  bool end = false;                // true: PSSR response, the dialogue is over
  std::optional<UssdState> state;  // set when !end: what to keep until the next answer
  store::Effects effects;          // apply (one transaction) BEFORE text is sent
};

// A resent answer: the network delivers a USSD answer again when our deliver_sm_resp came late
// or was lost. Taken again, the copy would be the answer to the NEXT screen (an amount typed as
// an account). The network's own number for the MO is what tells a copy from a new answer
// with the same text; guessing from the text cannot (two answers "1" in a row are common).
//
// True when an answer numbered `unit` is a copy of one `state` already took: the network
// numbers this dialogue's units (two of those taken differ) and `unit` is one of them. An
// answer without a number, or on a network that gives every unit the same one, is never a copy.
bool IsResentAnswer(const UssdState& state, std::optional<int> unit);

// Remembers `unit` as taken by `state` (nothing when unset), forgetting the oldest past
// kUssdUnitsKept.
void TakeUnit(UssdState& state, std::optional<int> unit);

// The store write for `turn`: its sealed state until `expires_at`, or the erase when the
// dialogue ended. `key` identifies the dialogue (connection + MSISDN + dialogue id).
store::UssdSessionWrite SessionWrite(std::string key, std::string_view msisdn,
                                     std::string_view connection, const UssdTurn& turn,
                                     int64_t expires_at);

}  // namespace smsgw::commands
