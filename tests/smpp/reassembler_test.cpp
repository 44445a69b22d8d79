#include "gateway/smpp/reassembler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>

#include "gateway/smpp/decode.h"
#include "gateway/smpp/encode.h"
#include "gateway/smpp/segmenter.h"
#include "gateway/smpp/tlv.h"

namespace smsgw::smpp {
namespace {

using Clock = Reassembler::Clock;
using std::chrono::seconds;

const Clock::time_point kT0 = Clock::time_point() + std::chrono::hours(1);

// The deliver_sm PDUs an SMSC would send for `text` from `source`, concatenated by UDH.
std::vector<DeliverSm> UdhParts(const std::string& text, const std::string& source, uint8_t ref) {
  SegmentedText s = *SegmentText(text, ref);
  std::vector<DeliverSm> out;
  for (const auto& part : s.parts) {
    DeliverSm d;
    d.source = {1, 1, source};
    d.destination = {0, 0, "15555"};
    d.esm_class = s.esm_class;
    d.data_coding = s.data_coding;
    d.short_message = part;
    out.push_back(d);
  }
  return out;
}

// Through the wire and back, so the test covers what the session will feed in.
UserData Received(const DeliverSm& d) {
  Pdu pdu;
  pdu.sequence_number = 1;
  pdu.body = d;
  std::vector<uint8_t> bytes;
  EXPECT_TRUE(Encode(pdu, &bytes).ok());
  DecodeResult r = Decode(bytes);
  EXPECT_TRUE(r.ok());
  return *ExtractUserData(std::get<DeliverSm>(r.pdu->body));
}

Reassembler::AddResult AddPart(Reassembler* r, const DeliverSm& d, Clock::time_point now,
                               const std::string& connection = "smsc-a") {
  return r->Add(connection, d.source.value, d.destination.value, Received(d), now);
}

std::string LongText(const std::string& who) {
  std::string t = "PAY KPLC 123456 1500 from " + who + " ";
  while (t.size() < 400) t += "Malipo ya umeme kwa mwezi huu. ";
  return t;
}

TEST(ReassemblerTest, SingleMessageCompletesAtOnce) {
  Reassembler r;
  auto res = AddPart(&r, UdhParts("BAL", "255700000001", 1)[0], kT0);
  ASSERT_EQ(res.outcome, Reassembler::Outcome::kComplete);
  EXPECT_EQ(*JoinedText(*res.message), "BAL");
  EXPECT_FALSE(res.message->concat.has_value());
  EXPECT_EQ(r.open_groups(), 0u);
}

TEST(ReassemblerTest, ThreePartsInEveryOrder) {
  const std::string text = LongText("alice");
  std::vector<DeliverSm> parts = UdhParts(text, "255700000001", 42);
  ASSERT_EQ(parts.size(), 3u);
  std::array<int, 3> order = {0, 1, 2};
  int orders = 0;
  do {
    Reassembler r;
    SCOPED_TRACE(std::to_string(order[0]) + std::to_string(order[1]) + std::to_string(order[2]));
    EXPECT_EQ(AddPart(&r, parts[order[0]], kT0).outcome, Reassembler::Outcome::kPending);
    EXPECT_EQ(AddPart(&r, parts[order[1]], kT0 + seconds(1)).outcome,
              Reassembler::Outcome::kPending);
    auto done = AddPart(&r, parts[order[2]], kT0 + seconds(2));
    ASSERT_EQ(done.outcome, Reassembler::Outcome::kComplete);
    EXPECT_TRUE(done.message->complete());
    EXPECT_EQ(done.message->source, "255700000001");
    EXPECT_EQ(*JoinedText(*done.message), text);
    EXPECT_EQ(r.open_groups(), 0u);
    EXPECT_EQ(r.buffered_bytes(), 0u);
    ++orders;
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_EQ(orders, 6);
}

TEST(ReassemblerTest, TwoSubscribersWithTheSameReferenceKeptApart) {
  const std::string a_text = LongText("alice");
  const std::string b_text = LongText("bob");
  auto a = UdhParts(a_text, "255700000001", 7);
  auto b = UdhParts(b_text, "255700000002", 7);
  ASSERT_EQ(a.size(), b.size());
  Reassembler r;
  std::vector<AssembledMessage> done;
  for (size_t i = 0; i < a.size(); ++i) {  // interleaved
    for (const DeliverSm* d : {&b[a.size() - 1 - i], &a[i]}) {
      auto res = AddPart(&r, *d, kT0);
      if (res.message) done.push_back(*res.message);
    }
  }
  ASSERT_EQ(done.size(), 2u);
  for (const AssembledMessage& m : done) {
    EXPECT_EQ(*JoinedText(m), m.source == "255700000001" ? a_text : b_text);
  }
}

TEST(ReassemblerTest, ConnectionAndSchemeArePartOfTheKey) {
  auto parts = UdhParts(LongText("alice"), "255700000001", 9);
  Reassembler r;
  AddPart(&r, parts[0], kT0, "smsc-a");
  AddPart(&r, parts[1], kT0, "smsc-b");
  EXPECT_EQ(r.open_groups(), 2u);
  // The same reference in sar_* TLVs is another message.
  UserData sar;
  sar.payload = {'x'};
  sar.concat = ConcatInfo{ConcatScheme::kSar, 9, 3, 3};
  EXPECT_EQ(r.Add("smsc-a", "255700000001", "15555", sar, kT0).outcome,
            Reassembler::Outcome::kPending);
  EXPECT_EQ(r.open_groups(), 3u);
}

TEST(ReassemblerTest, DuplicatePartsDropped) {
  const std::string text = LongText("carol");
  auto parts = UdhParts(text, "255700000003", 5);
  Reassembler r;
  AddPart(&r, parts[0], kT0);
  EXPECT_EQ(AddPart(&r, parts[0], kT0).outcome, Reassembler::Outcome::kDuplicate);
  AddPart(&r, parts[2], kT0);
  EXPECT_EQ(AddPart(&r, parts[2], kT0).outcome, Reassembler::Outcome::kDuplicate);
  auto done = AddPart(&r, parts[1], kT0);
  ASSERT_EQ(done.outcome, Reassembler::Outcome::kComplete);
  EXPECT_EQ(*JoinedText(*done.message), text);
  // A redelivery after completion starts a new group; it never completes the old one twice.
  EXPECT_EQ(AddPart(&r, parts[1], kT0).outcome, Reassembler::Outcome::kPending);
}

TEST(ReassemblerTest, MissingPartExpiresAfterTheTimeout) {
  ReassemblyOptions o;
  o.timeout = seconds(60);
  Reassembler r(o);
  auto parts = UdhParts(LongText("dave"), "255700000004", 11);
  AddPart(&r, parts[0], kT0);
  AddPart(&r, parts[2], kT0 + seconds(30));
  EXPECT_TRUE(r.Expire(kT0 + seconds(89)).empty());  // idle time counts from the last part
  std::vector<AssembledMessage> expired = r.Expire(kT0 + seconds(90));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_FALSE(expired[0].complete());
  EXPECT_EQ(expired[0].parts.size(), 2u);
  EXPECT_EQ(expired[0].total, 3);
  EXPECT_EQ(r.open_groups(), 0u);
  EXPECT_EQ(r.buffered_bytes(), 0u);
}

TEST(ReassemblerTest, OpenGroupsAndBytesAreCapped) {
  ReassemblyOptions o;
  o.max_groups = 3;
  Reassembler r(o);
  for (int i = 0; i < 5; ++i) {
    auto parts = UdhParts(LongText("x"), "25570000010" + std::to_string(i), 1);
    auto res = AddPart(&r, parts[0], kT0 + seconds(i));
    EXPECT_EQ(res.evicted.size(), i < 3 ? 0u : 1u);
    if (!res.evicted.empty()) {
      EXPECT_EQ(res.evicted[0].source, "25570000010" + std::to_string(i - 3));  // oldest first
    }
  }
  EXPECT_EQ(r.open_groups(), 3u);

  ReassemblyOptions small;
  small.max_bytes = 200;
  Reassembler rb(small);
  auto a = UdhParts(LongText("a"), "255700000201", 1);
  auto b = UdhParts(LongText("b"), "255700000202", 1);
  AddPart(&rb, a[0], kT0);
  auto res = AddPart(&rb, b[0], kT0);  // 153 + 153 > 200: the older group goes
  ASSERT_EQ(res.evicted.size(), 1u);
  EXPECT_EQ(res.evicted[0].source, "255700000201");
  EXPECT_EQ(rb.open_groups(), 1u);
  EXPECT_LE(rb.buffered_bytes(), 200u);
}

TEST(ReassemblerTest, SarTlvsAndMessagePayload) {
  const std::string text = "Lipa bili ya maji 2500";
  Reassembler r;
  std::optional<AssembledMessage> done;
  for (uint8_t seq : {2, 1}) {
    DeliverSm d;
    d.source = {1, 1, "255700000005"};
    d.destination = {0, 0, "15555"};
    const std::string piece = seq == 1 ? text.substr(0, 10) : text.substr(10);
    d.tlvs.message_payload = std::vector<uint8_t>(piece.begin(), piece.end());
    d.tlvs.sar_msg_ref_num = 0x1234;
    d.tlvs.sar_total_segments = 2;
    d.tlvs.sar_segment_seqnum = seq;
    auto res = AddPart(&r, d, kT0);
    if (res.message) done = res.message;
  }
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->concat->scheme, ConcatScheme::kSar);
  EXPECT_EQ(*JoinedText(*done), text);
}

TEST(ReassemblerTest, SixteenBitReferenceAndSplitSurrogatePair) {
  // A sender that cut an emoji's surrogate pair across two parts still decodes whole.
  const std::vector<uint8_t> p1 = {0x06, 0x08, 0x04, 0x12, 0x34, 0x02, 0x01, 0x00, 'A', 0xD8, 0x3D};
  const std::vector<uint8_t> p2 = {0x06, 0x08, 0x04, 0x12, 0x34, 0x02, 0x02, 0xDE, 0x4F};
  Reassembler r;
  std::optional<AssembledMessage> done;
  for (const auto& sm : {p2, p1}) {
    DeliverSm d;
    d.source = {1, 1, "255700000006"};
    d.esm_class = kEsmUdhi;
    d.data_coding = kDcsUcs2;
    d.short_message = sm;
    auto res = AddPart(&r, d, kT0);
    if (res.message) done = res.message;
  }
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->concat->scheme, ConcatScheme::kUdh16);
  EXPECT_EQ(done->concat->reference, 0x1234);
  EXPECT_EQ(*JoinedText(*done), "A🙏");
}

}  // namespace
}  // namespace smsgw::smpp
