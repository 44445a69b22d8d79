// Fuzzes the engine's stored request and secrets (commands/request.h, read through
// commands/json_text.h): any bytes are a payload and a sealed half in turn. What the store
// holds is written by the gateway itself, but a damaged or hand-edited row must be refused,
// never crash the core thread.
//
// Besides crashes it traps when a property fails:
//   - a decoded request encodes to a payload that decodes to the same request, and encoding
//     that again gives the same text (the text is a function of the request);
//   - decoded secrets encode and decode back to themselves.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "commands/request.h"

namespace smsgw::commands {
namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

bool Same(const Request& a, const Request& b) {
  if (a.command != b.command || a.language != b.language || a.short_code != b.short_code ||
      a.connection != b.connection || a.step != b.step || a.tries != b.tries || a.args != b.args ||
      a.show.size() != b.show.size()) {
    return false;
  }
  for (size_t i = 0; i < a.show.size(); ++i) {
    if (a.show[i].name != b.show[i].name || a.show[i].value != b.show[i].value) return false;
  }
  return true;
}

void Payload(std::string_view bytes) {
  Result<Request> r = DecodeRequest(bytes);
  if (!r.ok()) return;
  const std::string text = EncodeRequest(*r);
  Result<Request> again = DecodeRequest(text);
  Check(again.ok());
  Check(Same(*r, *again));
  Check(EncodeRequest(*again) == text);
}

void Sealed(std::string_view bytes) {
  Result<Secrets> s = DecodeSecrets(bytes);
  if (!s.ok()) return;
  store::SecretBytes text = EncodeSecrets(*s);
  Result<Secrets> again = DecodeSecrets(text.view());
  Check(again.ok());
  Check(again->pin == s->pin && again->new_pin == s->new_pin && again->account == s->account &&
        again->code == s->code);
}

}  // namespace
}  // namespace smsgw::commands

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  smsgw::commands::Payload(bytes);
  smsgw::commands::Sealed(bytes);
  return 0;
}
