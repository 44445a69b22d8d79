// Normalisation and tokenising: what the matcher sees, and where each token came from.
#include "parser/tokenizer.h"

#include <gtest/gtest.h>

#include "parser/char_fold.h"
#include "parser/gsm7.h"

namespace smsgw::parser {
namespace {

MoneyFormat Kes() {
  MoneyFormat m;
  m.currency = "KES";
  return m;
}

// Tokens as "TEXT" for tokens after a hard separator (or first) and "~TEXT" for joined ones.
std::string Show(std::string_view text) {
  Tokens t;
  t.Tokenize(text, Kes());
  std::string out;
  for (const auto& tok : t.tokens()) {
    if (!out.empty()) out += ' ';
    out += (tok.joined ? "~" : "") + std::string(tok.text);
  }
  return out;
}

TEST(Tokenizer, SeparatorsAndJoins) {
  EXPECT_EQ(Show("pay kplc 123456 1500"), "PAY ~KPLC ~123456 ~1500");
  EXPECT_EQ(Show("*PAY*KPLC*123#"), "PAY KPLC 123");
  EXPECT_EQ(Show("0712-345-678"), "0712 ~345 ~678");
  EXPECT_EQ(Show("a;b:c=d"), "A B C D");
  EXPECT_EQ(Show("  \t\n "), "");
  EXPECT_EQ(Show("my_ref"), "MY_REF");
  EXPECT_EQ(Show("a+b +254712 +x"), "A ~B ~+254712 ~X");
}

TEST(Tokenizer, CommasAndDotsStayInAmountsOnly) {
  EXPECT_EQ(Show("1,500.50 x"), "1,500.50 ~X");
  EXPECT_EQ(Show("1,500"), "1,500");
  EXPECT_EQ(Show("123456.1500"), "123456 ~1500");
  EXPECT_EQ(Show("0712345678,500"), "0712345678 ~500");
  EXPECT_EQ(Show("PAY.KPLC"), "PAY ~KPLC");
  EXPECT_EQ(Show("BAL."), "BAL");
  EXPECT_EQ(Show("1500."), "1500");
  EXPECT_EQ(Show("KES1,500"), "KES1,500");
  EXPECT_EQ(Show("30.11.2024"), "30 ~11 ~2024");
  EXPECT_EQ(Show(",500"), "500");
}

TEST(Tokenizer, LookalikeLettersInNumbers) {
  EXPECT_EQ(Show("O712345678"), "0712345678");
  EXPECT_EQ(Show("5OO"), "500");
  EXPECT_EQ(Show("07l2"), "0712");
  EXPECT_EQ(Show("OIL"), "OIL");
  EXPECT_EQ(Show("L1"), "L1");
  EXPECT_EQ(Show("BOO1"), "BOO1");
  EXPECT_EQ(Show("IO1"), "IO1");
  EXPECT_EQ(Show("5OO00123456.KPLC"), "50000123456 ~KPLC");
  EXPECT_EQ(Show("1,5OO"), "1,500");
}

TEST(Tokenizer, OtherScriptsAndForms) {
  EXPECT_EQ(Show("ＰＡＹ １５００"), "PAY ~1500");
  EXPECT_EQ(Show("٠٧١٢ ۱۲۳ ४५६"), "0712 ~123 ~456");
  EXPECT_EQ(Show("\xCE\xA1\xCE\x91\xCE\xA5"), "PAY");  // Greek capitals
  EXPECT_EQ(Show("\xD0\x92\xD0\x90L"), "BAL");         // Cyrillic capitals
  EXPECT_EQ(Show("caf\xC3\xA9"), "CAFE");
  EXPECT_EQ(Show("a\xE2\x80\x8B"
                 "b"),
            "A ~B");  // zero-width space
  EXPECT_EQ(Show("a\xC2\xAD"
                 "b"),
            "AB");                                                          // soft hyphen
  EXPECT_EQ(Show("\xE1\x88\xA0\xE1\x88\xA1"), "\xE1\x88\xA0\xE1\x88\xA1");  // Ethiopic kept
  EXPECT_EQ(Show("x\xFFy"), "X ~Y");
}

TEST(Tokenizer, OriginalOffsets) {
  Tokens t;
  const std::string text = "ＰＡＹ  ١٥٠٠!";
  t.Tokenize(text, Kes());
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t.OrigBegin(0), 0u);
  EXPECT_EQ(t.OrigEnd(0), 9u);
  EXPECT_EQ(t.OrigBegin(1), 11u);
  EXPECT_EQ(t.OrigEnd(1), 19u);
  EXPECT_TRUE(t[1].digits);
}

TEST(Tokenizer, SplitToken) {
  Tokens t;
  t.Tokenize("x TOPUP100 y", Kes());
  t.SplitToken(1, 5);
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[1].text, "TOPUP");
  EXPECT_EQ(t[2].text, "100");
  EXPECT_TRUE(t[2].digits);
  EXPECT_EQ(t[3].text, "Y");
  EXPECT_EQ(t.OrigBegin(2), 7u);
}

TEST(CharFold, Table) {
  EXPECT_EQ(FoldCodePoint('a'), static_cast<uint32_t>('A'));
  EXPECT_EQ(FoldCodePoint(0xFF15), static_cast<uint32_t>('5'));  // full-width 5
  EXPECT_EQ(FoldCodePoint(0x0665), static_cast<uint32_t>('5'));  // Arabic-Indic 5
  EXPECT_EQ(FoldCodePoint(0x06F5), static_cast<uint32_t>('5'));  // Eastern Arabic-Indic 5
  EXPECT_EQ(FoldCodePoint(0x00C9), static_cast<uint32_t>('E'));  // É
  EXPECT_EQ(FoldCodePoint(0x00D8), static_cast<uint32_t>('O'));  // Ø
  EXPECT_EQ(FoldCodePoint(0x0394), kFoldKeep);                   // Δ has no Latin twin
  EXPECT_EQ(FoldCodePoint(0x2013), static_cast<uint32_t>('-'));
  EXPECT_EQ(FoldCodePoint(0x066B), static_cast<uint32_t>('.'));
  EXPECT_EQ(FoldCodePoint(0xFEFF), kFoldDrop);
  EXPECT_EQ(FoldCodePoint(0x1F600), static_cast<uint32_t>(' '));
}

TEST(Utf8, InvalidSequencesDecodeOneByteAtATime) {
  std::size_t len = 0;
  EXPECT_EQ(DecodeUtf8("\xC3\xA9", &len), 0xE9u);
  EXPECT_EQ(len, 2u);
  EXPECT_EQ(DecodeUtf8("\xC3", &len), 0xFFFDu);
  EXPECT_EQ(len, 1u);
  EXPECT_EQ(DecodeUtf8("\xC0\x80", &len), 0xFFFDu);          // overlong
  EXPECT_EQ(DecodeUtf8("\xED\xA0\x80", &len), 0xFFFDu);      // surrogate
  EXPECT_EQ(DecodeUtf8("\xF4\x90\x80\x80", &len), 0xFFFDu);  // above U+10FFFF
  EXPECT_EQ(DecodeUtf8("\xF0\x9F\x98\x80", &len), 0x1F600u);
  EXPECT_EQ(len, 4u);
}

TEST(Gsm7, Lengths) {
  EXPECT_EQ(Gsm7Length("Pay KES 1,500.00?"), 17u);
  EXPECT_EQ(Gsm7Length("{}"), 4u);
  EXPECT_EQ(Gsm7Length("\xE2\x82\xAC"), 2u);  // euro sign: extension table
  EXPECT_EQ(Gsm7Length("\xC3\xBC\xC3\xA9\xC3\xA0"), 3u);
  EXPECT_EQ(Gsm7Length("\xCE\x94"), 1u);  // Δ
  EXPECT_EQ(Gsm7Length("`"), std::nullopt);
  EXPECT_EQ(Gsm7Length("\xE2\x9C\x93"), std::nullopt);
  EXPECT_EQ(Gsm7Length("\xC3\xA1"), std::nullopt);  // á is not in GSM 03.38
}

}  // namespace
}  // namespace smsgw::parser
