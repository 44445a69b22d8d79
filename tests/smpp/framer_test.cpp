#include "gateway/smpp/framer.h"

#include <gtest/gtest.h>

#include <cstring>

#include "tests/smpp/pdu_bytes.h"

namespace smsgw::smpp {
namespace {

using testing::Bytes;

std::vector<uint8_t> EnquireLinkBytes(uint32_t seq) {
  return Bytes().AsPdu(ToWire(CommandId::kEnquireLink), seq);
}

std::vector<uint8_t> Header(uint32_t length, uint32_t id, uint32_t seq) {
  return Bytes().U32(length).U32(id).U32(0).U32(seq).bytes();
}

TEST(FramerTest, NeedsAWholeHeaderFirst) {
  Framer f;
  EXPECT_EQ(f.Next().status, FrameStatus::kNeedMore);
  auto pdu = EnquireLinkBytes(7);
  f.Feed(std::span(pdu).first(15));
  EXPECT_EQ(f.Next().status, FrameStatus::kNeedMore);
  f.Feed(std::span(pdu).subspan(15));
  Frame fr = f.Next();
  ASSERT_EQ(fr.status, FrameStatus::kFrame);
  EXPECT_EQ(std::vector<uint8_t>(fr.frame.begin(), fr.frame.end()), pdu);
  EXPECT_EQ(f.Next().status, FrameStatus::kNeedMore);
  EXPECT_EQ(f.buffered(), 0u);
}

TEST(FramerTest, CommandLengthBelowHeaderIsFatal) {
  for (uint32_t len : {0u, 1u, 8u, 15u}) {
    Framer f;
    f.Feed(Header(len, ToWire(CommandId::kDeliverSm), 42));
    Frame fr = f.Next();
    ASSERT_EQ(fr.status, FrameStatus::kBad) << len;
    EXPECT_EQ(fr.error.status, CommandStatus::kRInvCmdLen);
    EXPECT_EQ(fr.error.reply, ErrorReply::kGenericNack);
    EXPECT_TRUE(fr.error.fatal);
    EXPECT_EQ(fr.error.sequence_number, 42u);
    EXPECT_EQ(fr.error.command_id, ToWire(CommandId::kDeliverSm));
  }
}

TEST(FramerTest, CommandLengthAboveCapRefusedWithoutWaitingForTheBody) {
  Framer f(1000);
  f.Feed(Header(1001, ToWire(CommandId::kDeliverSm), 3));
  Frame fr = f.Next();
  ASSERT_EQ(fr.status, FrameStatus::kBad);
  EXPECT_EQ(fr.error.status, CommandStatus::kRInvCmdLen);
  EXPECT_TRUE(fr.error.fatal);
  // The framer stays refused: the stream cannot be resynchronised.
  f.Feed(EnquireLinkBytes(4));
  EXPECT_EQ(f.Next().status, FrameStatus::kBad);

  Framer huge;
  huge.Feed(Header(0xFFFFFFFFu, ToWire(CommandId::kDeliverSm), 3));
  EXPECT_EQ(huge.Next().status, FrameStatus::kBad);
  // Nothing was reserved for the announced body.
  EXPECT_LT(huge.PrepareRead(16).size(), 1u << 20);
}

TEST(FramerTest, CommandLengthAtCapAccepted) {
  Framer f(100);
  std::vector<uint8_t> pdu = Header(100, ToWire(CommandId::kDeliverSm), 1);
  pdu.resize(100, 0xAB);
  f.Feed(pdu);
  EXPECT_EQ(f.Next().status, FrameStatus::kFrame);
}

TEST(FramerTest, SeveralPdusInOneRead) {
  Framer f;
  std::vector<uint8_t> stream;
  for (uint32_t seq = 1; seq <= 5; ++seq) {
    auto p = EnquireLinkBytes(seq);
    stream.insert(stream.end(), p.begin(), p.end());
  }
  auto half = EnquireLinkBytes(6);
  stream.insert(stream.end(), half.begin(), half.begin() + 9);
  f.Feed(stream);
  for (uint32_t seq = 1; seq <= 5; ++seq) {
    Frame fr = f.Next();
    ASSERT_EQ(fr.status, FrameStatus::kFrame);
    EXPECT_EQ(fr.frame[15], seq);
  }
  EXPECT_EQ(f.Next().status, FrameStatus::kNeedMore);
  EXPECT_EQ(f.buffered(), 9u);
  f.Feed(std::span(half).subspan(9));
  Frame fr = f.Next();
  ASSERT_EQ(fr.status, FrameStatus::kFrame);
  EXPECT_EQ(fr.frame[15], 6);
}

TEST(FramerTest, ByteAtATimeThroughPrepareAndCommit) {
  Framer f;
  std::vector<uint8_t> pdu = Header(300, ToWire(CommandId::kDeliverSm), 9);
  for (int i = 16; i < 300; ++i) pdu.push_back(static_cast<uint8_t>(i));
  size_t frames = 0;
  for (size_t i = 0; i < pdu.size(); ++i) {
    std::span<uint8_t> space = f.PrepareRead(1);
    ASSERT_GE(space.size(), 1u);
    space[0] = pdu[i];
    f.CommitRead(1);
    Frame fr = f.Next();
    if (fr.status == FrameStatus::kFrame) {
      ++frames;
      EXPECT_EQ(i, pdu.size() - 1);
      EXPECT_EQ(std::vector<uint8_t>(fr.frame.begin(), fr.frame.end()), pdu);
    } else {
      EXPECT_EQ(fr.status, FrameStatus::kNeedMore);
    }
  }
  EXPECT_EQ(frames, 1u);
}

TEST(FramerTest, PrepareReadMakesRoomForAKnownLargePdu) {
  Framer f;
  const uint32_t len = 65000;
  f.Feed(Header(len, ToWire(CommandId::kDeliverSm), 1));
  EXPECT_EQ(f.Next().status, FrameStatus::kNeedMore);
  std::span<uint8_t> space = f.PrepareRead(16);
  ASSERT_GE(space.size(), len - 16);
  std::memset(space.data(), 0x55, len - 16);
  f.CommitRead(len - 16);
  Frame fr = f.Next();
  ASSERT_EQ(fr.status, FrameStatus::kFrame);
  EXPECT_EQ(fr.frame.size(), len);
  EXPECT_EQ(fr.frame.back(), 0x55);
}

TEST(FramerTest, LeftoverIsKeptAcrossCompaction) {
  Framer f;
  auto a = EnquireLinkBytes(1);
  auto b = EnquireLinkBytes(2);
  std::vector<uint8_t> first(a);
  first.insert(first.end(), b.begin(), b.begin() + 10);
  f.Feed(first);
  ASSERT_EQ(f.Next().status, FrameStatus::kFrame);
  ASSERT_EQ(f.Next().status, FrameStatus::kNeedMore);
  // Asking for much more space than is free forces the buffer to move its leftover.
  std::span<uint8_t> space = f.PrepareRead(100000);
  std::memcpy(space.data(), b.data() + 10, 6);
  f.CommitRead(6);
  Frame fr = f.Next();
  ASSERT_EQ(fr.status, FrameStatus::kFrame);
  EXPECT_EQ(std::vector<uint8_t>(fr.frame.begin(), fr.frame.end()), b);
}

}  // namespace
}  // namespace smsgw::smpp
