// SMPP codec throughput: the per-MO work (frame + validate + decode a deliver_sm, encode its
// deliver_sm_resp) and the per-MT work (encode a submit_sm), plus libsmpp34 on the same
// deliver_sm for comparison.
#include <benchmark/benchmark.h>

#include <vector>

#include "gateway/smpp/decode.h"
#include "gateway/smpp/encode.h"
#include "gateway/smpp/framer.h"
#include "gateway/smpp/libsmpp34_bridge.h"
#include "gateway/smpp/segmenter.h"

namespace smsgw::smpp {
namespace {

std::vector<uint8_t> DeliverSmBytes(uint32_t seq) {
  DeliverSm d;
  d.source = {1, 1, "255712345678"};
  d.destination = {0, 0, "15555"};
  const std::string text = "PAY KPLC 123456 1500";
  d.short_message.assign(text.begin(), text.end());
  d.tlvs.user_message_reference = 7;
  Pdu pdu;
  pdu.sequence_number = seq;
  pdu.body = d;
  std::vector<uint8_t> out;
  if (!Encode(pdu, &out).ok()) std::abort();
  return out;
}

void BM_DeliverSmDecodeAndRespEncode(benchmark::State& state) {
  const std::vector<uint8_t> frame = DeliverSmBytes(42);
  std::vector<uint8_t> out;
  out.reserve(64);
  for (auto _ : state) {
    DecodeResult r = Decode(frame);
    if (!r.ok()) state.SkipWithError("decode failed");
    out.clear();
    AppendResponse(ToWire(CommandId::kDeliverSm), r.pdu->sequence_number, 0, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DeliverSmDecodeAndRespEncode);

// A read of 100 back-to-back deliver_sm through the framer, as a session sees them.
void BM_FramedDeliverSmStream(benchmark::State& state) {
  std::vector<uint8_t> stream;
  for (uint32_t seq = 1; seq <= 100; ++seq) {
    auto p = DeliverSmBytes(seq);
    stream.insert(stream.end(), p.begin(), p.end());
  }
  Framer framer;
  std::vector<uint8_t> out;
  for (auto _ : state) {
    framer.Feed(stream);
    out.clear();
    for (Frame f = framer.Next(); f.status == FrameStatus::kFrame; f = framer.Next()) {
      DecodeResult r = Decode(f.frame);
      AppendResponse(ToWire(CommandId::kDeliverSm), r.pdu->sequence_number, 0, &out);
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_FramedDeliverSmStream);

void BM_DeliverSmMandatoryViaLibsmpp34(benchmark::State& state) {
  const std::vector<uint8_t> frame = DeliverSmBytes(42);
  // Without its TLV, so libsmpp34 sees exactly the mandatory fields.
  std::vector<uint8_t> mandatory(frame.begin(), frame.end() - 6);
  mandatory[3] = static_cast<uint8_t>(mandatory.size());
  for (auto _ : state) {
    PduBody body = DeliverSm{};
    if (libsmpp34::UnpackMandatory(mandatory, &body)) state.SkipWithError("unpack failed");
    benchmark::DoNotOptimize(body);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DeliverSmMandatoryViaLibsmpp34);

void BM_SubmitSmEncode(benchmark::State& state) {
  SubmitSm s;
  s.source = {5, 0, "PAYBANK"};
  s.destination = {1, 1, "255712345678"};
  s.registered_delivery = 1;
  const std::string text = "Paid KES 1,500 to KPLC acc 123456. Ref QX7B2. Bal KES 2,350.";
  s.short_message.assign(text.begin(), text.end());
  Pdu pdu;
  pdu.sequence_number = 1;
  pdu.body = s;
  std::vector<uint8_t> out;
  out.reserve(256);
  for (auto _ : state) {
    out.clear();
    if (!Encode(pdu, &out).ok()) state.SkipWithError("encode failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SubmitSmEncode);

// UTF-8 reply text -> GSM-7 -> segments -> submit_sm bytes: the whole MT build.
void BM_SubmitSmFromText(benchmark::State& state) {
  const std::string text = "Paid KES 1,500 to KPLC acc 123456. Ref QX7B2. Bal KES 2,350.";
  std::vector<uint8_t> out;
  out.reserve(256);
  for (auto _ : state) {
    Result<SegmentedText> seg = SegmentText(text, 1);
    Pdu pdu;
    pdu.sequence_number = 1;
    SubmitSm s;
    s.source = {5, 0, "PAYBANK"};
    s.destination = {1, 1, "255712345678"};
    s.data_coding = seg->data_coding;
    s.short_message = std::move(seg->parts[0]);
    pdu.body = std::move(s);
    out.clear();
    if (!Encode(pdu, &out).ok()) state.SkipWithError("encode failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SubmitSmFromText);

}  // namespace
}  // namespace smsgw::smpp

BENCHMARK_MAIN();
