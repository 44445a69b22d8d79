// BuildMoParts: what a phone sends for a typed line.
#include "tests/support/phone_console_mo.h"

#include <gtest/gtest.h>

#include "gateway/smpp/text_codec.h"
#include "gateway/smpp/udh.h"
#include "gateway/smpp/user_data.h"

namespace smsgw::console {
namespace {

TEST(BuildMoParts, ShortGsmTextIsOneDefaultAlphabetPart) {
  auto parts = BuildMoParts("254700000001", "20555", "PAY KPLC 123456 1500", 7);
  ASSERT_TRUE(parts.ok()) << parts.status().message();
  ASSERT_EQ(parts->size(), 1u);
  const smpp::DeliverSm& d = parts->front();
  EXPECT_EQ(d.source, (smpp::Address{1, 1, "254700000001"}));
  EXPECT_EQ(d.destination.value, "20555");
  EXPECT_EQ(d.data_coding, smpp::kDcsDefault);
  EXPECT_EQ(d.esm_class & smpp::kEsmUdhi, 0);
  auto text = smpp::DecodeText(d.data_coding, d.short_message);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "PAY KPLC 123456 1500");
}

TEST(BuildMoParts, TextOutsideGsmIsUcs2) {
  auto parts = BuildMoParts("254700000001", "20555", "Salio? 😀", 0);
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ(parts->front().data_coding, smpp::kDcsUcs2);
  auto text = smpp::DecodeText(smpp::kDcsUcs2, parts->front().short_message);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "Salio? 😀");
}

TEST(BuildMoParts, LongTextIsConcatenatedWithTheGivenReference) {
  const std::string text(400, 'a');  // 3 parts of at most 153 septets
  auto parts = BuildMoParts("254700000002", "20555", text, 42);
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 3u);
  std::string joined;
  for (size_t i = 0; i < parts->size(); ++i) {
    const smpp::DeliverSm& d = (*parts)[i];
    EXPECT_NE(d.esm_class & smpp::kEsmUdhi, 0);
    auto data = smpp::ExtractUserData(d);
    ASSERT_TRUE(data.ok());
    ASSERT_TRUE(data->concat.has_value());
    EXPECT_EQ(data->concat->reference, 42);
    EXPECT_EQ(data->concat->total, 3);
    EXPECT_EQ(data->concat->seqnum, i + 1);
    joined += *smpp::DecodeText(data->data_coding, data->payload);
  }
  EXPECT_EQ(joined, text);
}

TEST(BuildMoParts, InvalidUtf8IsRefused) {
  EXPECT_FALSE(BuildMoParts("254700000001", "20555", "\xff\xfe", 0).ok());
}

}  // namespace
}  // namespace smsgw::console
