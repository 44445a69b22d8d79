#include "gateway/smpp/text_codec.h"

#include <gtest/gtest.h>

#include <random>

#include "gateway/smpp/gsm7.h"
#include "gateway/smpp/pdu.h"
#include "gateway/smpp/segmenter.h"
#include "gateway/smpp/udh.h"
#include "gateway/smpp/utf8.h"

namespace smsgw::smpp {
namespace {

struct Sample {
  const char* name;
  const char* text;
  bool gsm7;    // every character in the GSM default or extension table
  bool latin1;  // every character in ISO-8859-1
  bool ascii;
};

const Sample kSamples[] = {
    {"english", "PAY KPLC 123456 1500 PIN? {ok} [x] ~50% @home $5", true, true, true},
    {"swahili", "Umelipa KSh 1,500 kwa KPLC. Asante! Salio: 2,350.", true, true, true},
    {"gsm-european", "Müller zahlt 5€ für Øl & Smørrebrød — nein", false, false, false},
    {"gsm-greek", "ΔΦΓΛΩΠΨΣΘΞ €10 ¿Qué? ¡Si! Ñandu", true, false, false},
    {"latin1", "Ça coûte 5 francs à Zoë", false, true, false},
    {"chinese", "您已成功支付1500先令。谢谢！", false, false, false},
    {"arabic", "تم الدفع بنجاح. الرصيد ٢٣٥٠", false, false, false},
    {"emoji", "Asante 🙏🎉 umelipa 👍", false, false, false},
};

std::vector<uint8_t> Latin1Octets(std::string_view utf8) {
  std::u32string cps;
  EXPECT_TRUE(DecodeUtf8(utf8, &cps));
  std::vector<uint8_t> out;
  for (char32_t cp : cps) out.push_back(static_cast<uint8_t>(cp));
  return out;
}

std::vector<uint8_t> Utf16Octets(std::string_view utf8) {
  EncodedText t = *EncodeText(utf8, {Dcs0Charset::kUcs2});
  EXPECT_EQ(t.data_coding, kDcsUcs2);
  return t.octets;
}

std::string Decoded(uint8_t dcs, const std::vector<uint8_t>& octets, TextOptions options = {}) {
  Result<std::string> r = DecodeText(dcs, octets, options);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.value_or("");
}

TEST(TextCodecTest, EverySampleRoundTripsThroughEveryEncodingThatCarriesIt) {
  for (const Sample& s : kSamples) {
    SCOPED_TRACE(s.name);
    // UCS-2 / UTF-16BE carries everything.
    EXPECT_EQ(Decoded(kDcsUcs2, Utf16Octets(s.text)), s.text);
    EXPECT_EQ(Decoded(kDcsDefault, Utf16Octets(s.text), {Dcs0Charset::kUcs2}), s.text);
    // The encoder's own choice.
    EncodedText t = *EncodeText(s.text);
    EXPECT_EQ(t.data_coding, s.gsm7 ? kDcsDefault : kDcsUcs2);
    EXPECT_EQ(Decoded(t.data_coding, t.octets), s.text);
    if (s.latin1) {
      EXPECT_EQ(Decoded(kDcsLatin1, Latin1Octets(s.text)), s.text);
      EXPECT_EQ(Decoded(kDcsDefault, Latin1Octets(s.text), {Dcs0Charset::kLatin1}), s.text);
    }
    if (s.ascii) {
      EXPECT_EQ(Decoded(0x01, Latin1Octets(s.text)), s.text);
    }
    if (s.gsm7 && s.latin1) {
      EncodedText l = *EncodeText(s.text, {Dcs0Charset::kLatin1});
      EXPECT_EQ(l.data_coding, kDcsDefault);
      EXPECT_EQ(l.octets, Latin1Octets(s.text));
    }
  }
}

TEST(TextCodecTest, ExtensionCharactersCostTwoSeptets) {
  EncodedText t = *EncodeText("{€}");
  EXPECT_EQ(t.data_coding, kDcsDefault);
  EXPECT_EQ(t.octets, (std::vector<uint8_t>{0x1B, 0x28, 0x1B, 0x65, 0x1B, 0x29}));
  EXPECT_EQ(t.units, 6u);
  for (const char* c : {"^", "{", "}", "\\", "[", "~", "]", "|", "€", "\f"}) {
    EncodedText one = *EncodeText(c);
    EXPECT_EQ(one.units, 2u) << c;
    EXPECT_EQ(one.octets[0], kGsm7Escape) << c;
    EXPECT_EQ(Gsm7ToUtf8(one.octets), c);
  }
}

// ASCII text is encoded from a table, byte by byte; text with anything else goes through
// UTF-32. The two must agree: an ASCII text's encoding is what the general path makes of the
// same characters followed by a non-ASCII GSM character (é), less that character. Every ASCII
// byte, in random strings, under each dcs0 setting; a byte outside the GSM tables (the
// backquote, most control characters) sends both to UCS-2.
TEST(TextCodecTest, AsciiIsEncodedAsTheGeneralPathEncodesIt) {
  std::mt19937 rng(20261128);
  for (Dcs0Charset dcs0 : {Dcs0Charset::kGsm7, Dcs0Charset::kLatin1, Dcs0Charset::kUcs2}) {
    for (int round = 0; round < 600; ++round) {
      std::string ascii;
      const int length = round < 128 ? 1 : static_cast<int>(rng() % 40);
      for (int i = 0; i < length; ++i) {
        ascii.push_back(static_cast<char>(round < 128 ? round : rng() % 128));
      }
      // Half of the longer strings keep to printable characters other than the backquote,
      // so that most of them are GSM text.
      if (round >= 128 && round % 2 == 0) {
        for (char& c : ascii) {
          if (c < 0x20 || c == '`' || c == 0x7F) c = 'x';
        }
      }
      SCOPED_TRACE("dcs0 " + std::to_string(static_cast<int>(dcs0)) + ", round " +
                   std::to_string(round));
      const TextOptions options{dcs0};
      auto fast = EncodeText(ascii, options);
      auto general = EncodeText(ascii + "\u00e9", options);
      ASSERT_TRUE(fast.ok() && general.ok());
      if (general->data_coding == kDcsUcs2) {
        // é is GSM and Latin-1 text: only the ASCII part (or dcs0 = UCS-2) makes it UCS-2.
        ASSERT_EQ(fast->data_coding, kDcsUcs2);
        EXPECT_EQ(fast->units + 1, general->units);
        EXPECT_EQ(fast->octets,
                  std::vector<uint8_t>(general->octets.begin(), general->octets.end() - 2));
        continue;
      }
      ASSERT_EQ(fast->data_coding, kDcsDefault);
      ASSERT_EQ(fast->chars.size() + 1, general->chars.size());
      const size_t cut = general->chars.back().offset;
      EXPECT_EQ(fast->octets,
                std::vector<uint8_t>(general->octets.begin(),
                                     general->octets.begin() + static_cast<std::ptrdiff_t>(cut)));
      EXPECT_EQ(fast->units + general->chars.back().units, general->units);
      for (size_t i = 0; i < fast->chars.size(); ++i) {
        EXPECT_EQ(fast->chars[i].offset, general->chars[i].offset) << i;
        EXPECT_EQ(fast->chars[i].units, general->chars[i].units) << i;
      }
    }
  }
}

TEST(TextCodecTest, Gsm7DecodingOfOddInput) {
  // Undefined extension code: the default-table character (23.038 6.2.1.1).
  EXPECT_EQ(Gsm7ToUtf8(std::vector<uint8_t>{0x1B, 0x41}), "A");
  EXPECT_EQ(Gsm7ToUtf8(std::vector<uint8_t>{'a', 0x1B}), "a ");
  EXPECT_EQ(Gsm7ToUtf8(std::vector<uint8_t>{0x1B, 0x1B}), " ");
  EXPECT_EQ(Gsm7ToUtf8(std::vector<uint8_t>{0x80, 'b'}),
            "\uFFFD"
            "b");
  EXPECT_EQ(Gsm7ToUtf8(std::vector<uint8_t>{0x00, 0x02, 0x11, 0x24}), "@$_¤");
}

TEST(TextCodecTest, Ucs2DecodingOfOddInput) {
  EXPECT_EQ(Decoded(kDcsUcs2, {0xD8, 0x3D, 0xDE, 0x4F}), "🙏");
  EXPECT_EQ(Decoded(kDcsUcs2, {0xD8, 0x3D, 0x00, 0x41}),
            "\uFFFD"
            "A");                                               // lone high
  EXPECT_EQ(Decoded(kDcsUcs2, {0xDE, 0x4F}), "\uFFFD");         // lone low
  EXPECT_EQ(Decoded(kDcsUcs2, {0x00, 0x41, 0x00}), "A\uFFFD");  // odd length
  EXPECT_EQ(Decoded(0x01, {'a', 0xE9}), "a\uFFFD");             // IA5 is 7-bit
}

TEST(TextCodecTest, DataCodingGroups) {
  const TextOptions o;
  EXPECT_EQ(AlphabetOf(0x00, o), Alphabet::kGsm7);
  EXPECT_EQ(AlphabetOf(0x00, {Dcs0Charset::kLatin1}), Alphabet::kLatin1);
  EXPECT_EQ(AlphabetOf(0x04, o), Alphabet::kBinary);
  EXPECT_EQ(AlphabetOf(0x06, o), Alphabet::kUnsupported);
  EXPECT_EQ(AlphabetOf(0x11, o), Alphabet::kGsm7);
  EXPECT_EQ(AlphabetOf(0x18, o), Alphabet::kUcs2);
  EXPECT_EQ(AlphabetOf(0x15, o), Alphabet::kBinary);
  EXPECT_EQ(AlphabetOf(0xF1, o), Alphabet::kGsm7);
  EXPECT_EQ(AlphabetOf(0xF5, o), Alphabet::kBinary);
  EXPECT_FALSE(DecodeText(0x04, std::vector<uint8_t>{1, 2}).ok());
  EXPECT_FALSE(DecodeText(0x06, std::vector<uint8_t>{1, 2}).ok());
}

TEST(TextCodecTest, InvalidUtf8Refused) {
  for (std::string bad : {std::string("\xC3"), std::string("\xC0\x80"), std::string("\xED\xA0\x80"),
                          std::string("\xF4\x90\x80\x80"), std::string("a\xFF")}) {
    EXPECT_TRUE(EncodeText(bad).status().IsInvalidArgument());
  }
}

// Each part decodes alone to whole characters, and the parts joined give the text back.
void ExpectPartsDecodeCleanly(const SegmentedText& s, const std::string& text) {
  std::string joined;
  for (const auto& part : s.parts) {
    std::span<const uint8_t> body = part;
    if (s.esm_class & kEsmUdhi) body = body.subspan(ParseUdh(part)->length);
    std::string piece = *DecodeText(s.data_coding, body);
    EXPECT_EQ(piece.find("\uFFFD"), std::string::npos);
    joined += piece;
  }
  EXPECT_EQ(joined, text);
}

TEST(SegmenterTest, Gsm7Boundaries) {
  SegmentedText one = *SegmentText(std::string(160, 'a'), 7);
  EXPECT_EQ(one.parts.size(), 1u);
  EXPECT_EQ(one.esm_class, 0);
  EXPECT_EQ(one.parts[0].size(), 160u);

  std::string text(161, 'b');
  SegmentedText two = *SegmentText(text, 7);
  ASSERT_EQ(two.parts.size(), 2u);
  EXPECT_EQ(two.esm_class, kEsmUdhi);
  EXPECT_EQ(two.parts[0].size(), 6u + 153u);
  EXPECT_EQ(two.parts[1].size(), 6u + 8u);
  EXPECT_EQ(*ParseUdh(two.parts[1])->concat, (ConcatInfo{ConcatScheme::kUdh8, 7, 2, 2}));
  ExpectPartsDecodeCleanly(two, text);

  // 159 plain + one extension character = 161 septets: two parts.
  EXPECT_EQ(SegmentText(std::string(159, 'c') + "€", 1)->parts.size(), 2u);
  EXPECT_EQ(SegmentText(std::string(158, 'c') + "€", 1)->parts.size(), 1u);
}

TEST(SegmenterTest, EscapeSequenceNeverSplit) {
  std::string text = std::string(152, 'a') + "€" + std::string(10, 'z');
  SegmentedText s = *SegmentText(text, 3);
  ASSERT_EQ(s.parts.size(), 2u);
  EXPECT_EQ(s.parts[0].size(), 6u + 152u);  // the € did not fit in the 153rd septet
  EXPECT_EQ(s.parts[1][6], kGsm7Escape);
  ExpectPartsDecodeCleanly(s, text);
}

TEST(SegmenterTest, Ucs2BoundariesAndSurrogatePairs) {
  std::string seventy;
  for (int i = 0; i < 70; ++i) seventy += "中";
  EXPECT_EQ(SegmentText(seventy, 1)->parts.size(), 1u);
  SegmentedText s71 = *SegmentText(seventy + "文", 1);
  ASSERT_EQ(s71.parts.size(), 2u);
  EXPECT_EQ(s71.data_coding, kDcsUcs2);
  EXPECT_EQ(s71.parts[0].size(), 6u + 67u * 2);
  ExpectPartsDecodeCleanly(s71, seventy + "文");

  std::string emoji;
  for (int i = 0; i < 66; ++i) emoji += "x";
  emoji += "🙏🙏";  // the first pair would straddle units 67-68
  emoji += std::string(5, 'y') + "ن";
  SegmentedText s = *SegmentText(emoji, 9);
  ASSERT_EQ(s.parts.size(), 2u);
  EXPECT_EQ(s.parts[0].size(), 6u + 66u * 2);
  ExpectPartsDecodeCleanly(s, emoji);
}

TEST(SegmenterTest, ManyPartsAndTheLimit) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "Malipo " + std::to_string(i) + "; ";
  SegmentedText s = *SegmentText(text, 200);
  EXPECT_GT(s.parts.size(), 50u);
  for (size_t i = 0; i < s.parts.size(); ++i) {
    ConcatInfo c = *ParseUdh(s.parts[i])->concat;
    EXPECT_EQ(c.reference, 200);
    EXPECT_EQ(c.total, s.parts.size());
    EXPECT_EQ(c.seqnum, i + 1);
    EXPECT_LE(s.parts[i].size(), 6u + 153u);
  }
  ExpectPartsDecodeCleanly(s, text);
  EXPECT_TRUE(SegmentText(std::string(153 * 255, 'a'), 1).ok());
  EXPECT_TRUE(SegmentText(std::string(153 * 255 + 1, 'a'), 1).status().IsInvalidArgument());
}

TEST(SegmenterTest, EmptyTextIsOneEmptyPart) {
  SegmentedText s = *SegmentText("", 1);
  ASSERT_EQ(s.parts.size(), 1u);
  EXPECT_TRUE(s.parts[0].empty());
}

}  // namespace
}  // namespace smsgw::smpp
