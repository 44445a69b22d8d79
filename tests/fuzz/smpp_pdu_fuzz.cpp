// Fuzzes the path network bytes take: framing, validation, decoding (own code and libsmpp34),
// then what the gateway does with a decoded MO (user data, text, receipts, reassembly).
//
// Input: the first byte sets the read size (1-256 bytes) the stream is fed in, the rest is
// the stream. Besides crashes it checks properties and traps when one fails:
//   - every decoded PDU encodes, and decodes back to itself;
//   - every refusal yields a reply that encodes and decodes;
//   - for deliver_sm/submit_sm, libsmpp34 reads the mandatory fields as the own decoder did;
//   - the stream read as UTF-8 text, when valid, segments into parts that decode back to it.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "gateway/smpp/decode.h"
#include "gateway/smpp/delivery_receipt.h"
#include "gateway/smpp/encode.h"
#include "gateway/smpp/framer.h"
#include "gateway/smpp/libsmpp34_bridge.h"
#include "gateway/smpp/reassembler.h"
#include "gateway/smpp/segmenter.h"
#include "gateway/smpp/text_codec.h"
#include "gateway/smpp/udh.h"
#include "gateway/smpp/user_data.h"

namespace smsgw::smpp {
namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

void CheckReply(const PduError& error) {
  std::optional<Pdu> reply = ErrorResponse(error);
  if (!reply) return;
  std::vector<uint8_t> bytes;
  Check(Encode(*reply, &bytes).ok());
  Check(Decode(bytes).ok());
}

// libsmpp34 must read the mandatory fields exactly as the own decoder did.
template <typename T>
void CompareWithLibsmpp34(const Pdu& pdu) {
  const T& own = std::get<T>(pdu.body);
  if (!IsSpecTon(own.source.ton) || !IsSpecNpi(own.source.npi) || !IsSpecTon(own.destination.ton) ||
      !IsSpecNpi(own.destination.npi)) {
    return;  // libsmpp34 refuses these; the own decoder accepts them on purpose
  }
  Pdu mandatory = pdu;
  T& m = std::get<T>(mandatory.body);
  m.tlvs = {};
  // Without its message_payload the UDHI flag may no longer point at a UDH; the encoder would
  // rightly refuse that, and the flag is only an octet to libsmpp34.
  if (!ParseUdh(m.short_message)) m.esm_class &= static_cast<uint8_t>(~kEsmUdhi);
  std::vector<uint8_t> bytes;
  Check(Encode(mandatory, &bytes).ok());
  PduBody lib = T{};
  Check(!libsmpp34::UnpackMandatory(bytes, &lib).has_value());
  Check(std::get<T>(lib) == std::get<T>(mandatory.body));
}

void UseMo(const ShortMessagePdu& sm, Reassembler* reassembler) {
  Result<UserData> ud = ExtractUserData(sm);
  Check(ud.ok());  // the decoder validated the same rules
  (void)DecodeText(ud->data_coding, ud->payload, {Dcs0Charset::kGsm7});
  (void)DecodeText(ud->data_coding, ud->payload, {Dcs0Charset::kUcs2});
  auto added = reassembler->Add("fuzz", sm.source.value, sm.destination.value, std::move(*ud),
                                Reassembler::Clock::time_point());
  if (added.message) (void)JoinedText(*added.message);
}

void HandleFrame(std::span<const uint8_t> frame, Reassembler* reassembler) {
  DecodeResult r = Decode(frame);
  if (!r.ok()) {
    CheckReply(r.error);
    return;
  }
  std::vector<uint8_t> bytes;
  Check(Encode(*r.pdu, &bytes).ok());
  DecodeResult again = Decode(bytes);
  Check(again.ok() && *again.pdu == *r.pdu);
  if (auto* d = std::get_if<DeliverSm>(&r.pdu->body)) {
    CompareWithLibsmpp34<DeliverSm>(*r.pdu);
    UseMo(*d, reassembler);
    if (IsDeliveryReceipt(d->esm_class)) {
      if (auto dlr = ParseDeliveryReceipt(*d); dlr.ok()) {
        (void)NormalizeMessageId(dlr->message_id, MessageIdBase::kDecimal);
        (void)NormalizeMessageId(dlr->message_id, MessageIdBase::kHex);
      }
    }
  } else if (auto* s = std::get_if<SubmitSm>(&r.pdu->body)) {
    CompareWithLibsmpp34<SubmitSm>(*r.pdu);
    UseMo(*s, reassembler);
  } else if (auto* ds = std::get_if<DataSm>(&r.pdu->body)) {
    Check(ExtractUserData(*ds).ok());
  }
}

// Text -> segments -> text is the identity.
void CheckText(std::string_view text) {
  (void)ParseReceiptText(text);
  Result<SegmentedText> s = SegmentText(text, 7);
  if (!s.ok()) return;  // invalid UTF-8 or over 255 parts
  std::string back;
  for (const auto& part : s->parts) {
    std::span<const uint8_t> body = part;
    if (s->esm_class & kEsmUdhi) {
      std::optional<Udh> udh = ParseUdh(part);
      Check(udh.has_value() && udh->concat.has_value());
      body = body.subspan(udh->length);
    }
    Result<std::string> piece = DecodeText(s->data_coding, body);
    Check(piece.ok());
    back += *piece;
  }
  Check(back == text);
}

}  // namespace
}  // namespace smsgw::smpp

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace smsgw::smpp;
  if (size < 1) return 0;
  const size_t chunk = static_cast<size_t>(data[0]) + 1;
  std::span<const uint8_t> stream(data + 1, size - 1);
  CheckText(std::string_view(reinterpret_cast<const char*>(stream.data()), stream.size()));
  Framer framer;
  ReassemblyOptions options;
  options.max_groups = 4;
  Reassembler reassembler(options);
  for (size_t pos = 0; pos < stream.size(); pos += chunk) {
    framer.Feed(stream.subspan(pos, std::min(chunk, stream.size() - pos)));
    for (;;) {
      Frame f = framer.Next();
      if (f.status == FrameStatus::kNeedMore) break;
      if (f.status == FrameStatus::kBad) {
        CheckReply(f.error);
        return 0;
      }
      HandleFrame(f.frame, &reassembler);
    }
  }
  return 0;
}
