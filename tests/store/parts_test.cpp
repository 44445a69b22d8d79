// Parts of concatenated MOs held in the store until their message is whole.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/store_fixture.h"

namespace smsgw::store::testing {
namespace {

constexpr char kMsisdn[] = "254700000001";
constexpr char kSecret[] = "PIN 918273";  // a part may carry a PIN: never in clear on disk

PartGroup Group(int reference = 7, int total = 2) {
  return PartGroup{"smsc1", kMsisdn, "4040", 0, reference, total};
}

InboundPart Part(int seq, std::string payload, PartGroup group = Group()) {
  InboundPart p;
  p.group = std::move(group);
  p.seq = seq;
  p.payload = std::move(payload);
  return p;
}

class PartsTest : public StoreTest {
 protected:
  void SetUp() override { Open(); }

  size_t Held() { return std::stoul(RawQuery(path_, "SELECT count(*) FROM inbound_part")); }
};

TEST_F(PartsTest, PartsComeBackAfterARestartOnceEachWithWhatTheyCarried) {
  InboundPart first = Part(1, kSecret);
  first.data_coding = 8;
  first.message_reference = 42;
  ASSERT_TRUE(store().StoreParts(std::vector{first}).ok());
  // Delivered again (our answer was lost), and a part of another subscriber's group.
  InboundPart other = Part(1, "other", PartGroup{"smsc1", "254700000002", "4040", 0, 7, 2});
  ASSERT_TRUE(store().StoreParts(std::vector{Part(1, "changed"), other}).ok());
  Close();
  Open();
  auto parts = store().LoadParts();
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  ASSERT_EQ(parts->size(), 2u);
  const InboundPart& p = parts->front();
  EXPECT_EQ(p.group, Group());
  EXPECT_EQ(p.seq, 1);
  EXPECT_EQ(p.payload, kSecret) << "the first copy is kept";
  EXPECT_EQ(p.data_coding, 8);
  EXPECT_EQ(p.message_reference, 42);
  EXPECT_EQ(p.received_at, kStartMs);
  EXPECT_EQ(parts->back().group.source, "254700000002");
  EXPECT_FALSE(parts->back().message_reference.has_value());
}

TEST_F(PartsTest, ThePartsOctetsAreSealed) {
  ASSERT_TRUE(store().StoreParts(std::vector{Part(1, kSecret)}).ok());
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    EXPECT_EQ(ReadFile(entry.path().string()).find("918273"), std::string::npos)
        << entry.path().filename();
  }
  EXPECT_NE(RawQuery(path_, "SELECT payload_sealed FROM inbound_part"), kSecret);
}

// The message's own transaction takes its parts out, whether it is new or a redelivery of one
// already stored; other groups stay.
TEST_F(PartsTest, AcceptingTheJoinedMessageDeletesItsGroupsParts) {
  const PartGroup other = Group(8);
  ASSERT_TRUE(store().StoreParts(std::vector{Part(1, "Hello ")}).ok());
  ASSERT_TRUE(store().StoreParts(std::vector{Part(1, "Other ", other)}).ok());
  InboundMessage joined = Mo(kMsisdn, "Hello world");
  joined.joined_from = Group();
  AcceptResult first = AcceptOne(joined);
  EXPECT_FALSE(first.duplicate);
  EXPECT_EQ(Held(), 1u);

  // The whole message delivered again: its parts are stored again, then its Accept finds the
  // original and still takes them out.
  ASSERT_TRUE(store().StoreParts(std::vector{Part(1, "Hello ")}).ok());
  AcceptResult again = AcceptOne(joined);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.id, first.id);
  EXPECT_EQ(Held(), 1u);

  // Through AcceptAndStep as the daemon calls it.
  InboundMessage second = Mo(kMsisdn, "Other text");
  second.joined_from = other;
  auto stepped = store().AcceptAndStep(std::vector{second}, [](const PendingMessage& m) {
    Effects e;
    e.consume = ConsumeInbound{m.id, "usage", "Other text", std::nullopt, std::nullopt};
    return Result<Effects>(std::move(e));
  });
  ASSERT_TRUE(stepped.ok()) << stepped.status().ToString();
  EXPECT_EQ(Held(), 0u);
}

TEST_F(PartsTest, GroupsGivenUpAreDropped) {
  ASSERT_TRUE(store().StoreParts(std::vector{Part(1, "a"), Part(2, "b", Group(9, 3))}).ok());
  ASSERT_TRUE(store().DropParts(std::vector{Group(9, 3)}).ok());
  auto parts = store().LoadParts();
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ(parts->front().group, Group());
}

TEST_F(PartsTest, PartsThatCannotBeWhereTheyClaimAreRefused) {
  for (const InboundPart& bad :
       {Part(0, "x"), Part(3, "x"), Part(1, "x", Group(7, 0)), Part(1, std::string(9000, 'x'))}) {
    EXPECT_TRUE(store().StoreParts(std::vector{bad}).IsInvalidArgument()) << bad.seq;
  }
  InboundPart nobody = Part(1, "x");
  nobody.group.source.clear();
  EXPECT_TRUE(store().StoreParts(std::vector{nobody}).IsInvalidArgument());
  EXPECT_EQ(Held(), 0u);
}

}  // namespace
}  // namespace smsgw::store::testing
