// The clear and the sealed halves of a pending request, as the engine stores them in a
// challenge and then in the instruction it becomes (NewChallenge/NewInstruction payload and
// secret). The clear half is JSON an operator may read; the sealed half holds the PINs and the
// account number and only ever goes into the store's sealed `secret` fields.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "commands/backend_port.h"
#include "conf/status.h"
#include "parser/templates.h"
#include "store/challenge.h"
#include "store/effects.h"

namespace smsgw::commands {

struct Request {
  std::string command;   // the grammar command's name: "pay"
  std::string language;  // of the replies
  std::string short_code;
  std::string connection;
  // The TON/NPI of the subscriber's address when the gateway kept it as the SMSC wrote it
  // (Inbound::source_type): the answer to the request goes there with them. Written only when
  // set, so a request without it makes the payload it made before.
  std::optional<store::AddressType> source_type;
  int step = 0;   // index of the grammar challenge step being answered
  int tries = 0;  // PIN attempts left for this request
  // The command's fields as replies show them (parser::FieldValues: masked, formatted).
  std::vector<parser::TemplateValue> show;
  Fields args;  // the backend port's fields
};

std::string EncodeRequest(const Request& request);
// InvalidArgument when `payload` is not an engine request.
Result<Request> DecodeRequest(std::string_view payload);

// Sets the instruction's payload to the encoded request, and keeps the request itself as its
// parsed form (NewInstruction::parsed), which Engine::ToBackend takes instead of decoding the
// payload when the instruction is claimed as it is stored.
void SetRequest(store::NewInstruction& instruction, Request request);

// The same for a challenge (NewChallenge::parsed): its answer takes the request from the
// store's memory (ChallengeRequest) instead of decoding the payload.
void SetRequest(store::NewChallenge& challenge, Request request);

// The request a challenge holds: its parsed form when the store kept it, else its payload
// decoded. InvalidArgument when the payload is not an engine request.
Result<Request> ChallengeRequest(const store::Challenge& challenge);

// The sealed half. Wiped when it goes out of scope.
struct Secrets {
  std::string pin;      // current PIN
  std::string new_pin;  // pin.change
  std::string account;  // account.bind
  std::string code;     // the challenge code the PIN answered: re-issued after a wrong PIN

  Secrets() = default;
  Secrets(const Secrets&) = default;
  Secrets& operator=(const Secrets&) = default;
  ~Secrets();
  bool empty() const { return pin.empty() && new_pin.empty() && account.empty() && code.empty(); }
};

// Empty string for empty secrets.
store::SecretBytes EncodeSecrets(const Secrets& secrets);
Result<Secrets> DecodeSecrets(std::string_view sealed_part);

}  // namespace smsgw::commands
