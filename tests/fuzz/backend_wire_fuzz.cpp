// Fuzzes what the account backend sends back (gateway/backend_wire.h, and what the HTTP
// adapter makes of it): the answer body, the error body, the instruction decoder the backend
// double uses, and the signature header of an answer. Any bytes are each of these in turn.
//
// Besides crashes it traps when a property fails:
//   - a decoded answer, error or instruction encodes and decodes back to itself;
//   - a decoded answer maps onto the port's outcome (accepted or rejected as the answer says,
//     or unavailable "bad_answer" when a value does not fit), never anything else;
//   - a parsed signature header formats and parses back to itself;
//   - the bytes are never accepted as a valid signature of an answer.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/backend_exchange.h"
#include "gateway/backend_wire.h"
#include "gateway/http_backend.h"
#include "gateway/request_signing.h"

namespace smsgw::gateway {
namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

void Answer(std::string_view body) {
  Result<WireAnswer> a = DecodeAnswer(body);
  if (!a.ok()) return;
  Result<WireAnswer> again = DecodeAnswer(EncodeAnswer(*a));
  Check(again.ok());
  Check(again->accepted == a->accepted && again->result == a->result &&
        again->statement == a->statement && again->reason == a->reason &&
        again->detail == a->detail && again->replayed == a->replayed);

  BackendReply reply;
  reply.kind = a->accepted ? BackendReply::Kind::kAccepted : BackendReply::Kind::kRejected;
  reply.result = a->result;
  reply.statement = a->statement;
  reply.reason = a->reason;
  reply.detail = a->detail;
  reply.replayed = a->replayed;
  commands::BackendResult r = ToBackendResult(std::move(reply));
  if (a->accepted) {
    Check(r.accepted() || (r.unavailable() && r.detail == "bad_answer"));
    if (r.accepted()) Check(r.statement.size() == a->statement.size());
  } else {
    Check(r.rejected() && r.reason == a->reason);
  }
}

void Error(std::string_view body) {
  WireError e = DecodeError(body);
  WireError again = DecodeError(EncodeError(e));
  Check(again.code == e.code && again.message == e.message);
}

void Instruction(std::string_view body) {
  Result<WireInstruction> i = DecodeInstruction(body);
  if (!i.ok()) return;
  Check(IsWireId(i->id));
  Result<WireInstruction> again = DecodeInstruction(EncodeInstruction(*i));
  Check(again.ok());
  Check(again->id == i->id && again->operation == i->operation && again->msisdn == i->msisdn &&
        again->fields == i->fields && again->pin.view() == i->pin.view() &&
        again->new_pin.view() == i->new_pin.view() && again->account.view() == i->account.view());
}

void Signature(std::string_view value) {
  Result<SignatureHeader> h = ParseSignatureHeader(value);
  if (h.ok()) {
    Result<SignatureHeader> again = ParseSignatureHeader(FormatSignatureHeader(*h));
    Check(again.ok() && again->key_id == h->key_id && again->timestamp == h->timestamp &&
          again->sig_hex == h->sig_hex);
  }
  static const SignatureVerifier kVerifier = [] {
    SignatureVerifier v;
    v.AddKey("k1", store::SecretBytes(std::string(32, 'k')));
    return v;
  }();
  const int64_t now = h.ok() ? h->timestamp : 1700000000;
  SignedParts parts{"POST", "/v1/instructions", 200, "ins-1", "{\"status\":\"accepted\"}"};
  Check(kVerifier.Verify(value, parts, now) != SignatureCheck::kValid);
}

}  // namespace
}  // namespace smsgw::gateway

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace smsgw::gateway;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  Answer(body);
  Error(body);
  Instruction(body);
  Signature(body);
  return 0;
}
