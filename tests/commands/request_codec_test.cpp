// The stored request and its secrets (commands/request.h) and the JSON they are written in
// (commands/json_text.h): the text is what nlohmann::json wrote before, byte for byte, so the
// payloads already stored read back and the same request still makes the same payload; what
// that writer could not have written is refused.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "commands/json_text.h"
#include "commands/request.h"

namespace smsgw::commands {
namespace {

using nlohmann::json;

// The encoders as they were, on nlohmann::json: the reference.
std::string ReferenceEncode(const Request& r) {
  json show = json::object();
  for (const parser::TemplateValue& v : r.show) show[v.name] = v.value;
  json args = json::object();
  for (const auto& [name, value] : r.args) {
    if (const int64_t* i = std::get_if<int64_t>(&value)) {
      args[name] = *i;
    } else {
      args[name] = std::get<std::string>(value);
    }
  }
  json j = {{"v", 1},
            {"cmd", r.command},
            {"lang", r.language},
            {"sc", r.short_code},
            {"conn", r.connection},
            {"step", r.step},
            {"tries", r.tries},
            {"show", show},
            {"args", args}};
  return j.dump();
}

std::string ReferenceEncode(const Secrets& s) {
  json j = json::object();
  if (!s.pin.empty()) j["pin"] = s.pin;
  if (!s.new_pin.empty()) j["new_pin"] = s.new_pin;
  if (!s.account.empty()) j["account"] = s.account;
  if (!s.code.empty()) j["code"] = s.code;
  return j.dump();
}

Request Sample() {
  Request r;
  r.command = "pay";
  r.language = "sw";
  r.short_code = "4444";
  r.connection = "smsc1";
  r.step = 1;
  r.tries = 3;
  r.show = {{"amount", "1,500.00"}, {"account", "****7890"}, {"to", "Jane \"JJ\" Doe"}};
  r.args = {{"amount", int64_t{150000}},
            {"bill", std::string("8801234567")},
            {"note", std::string("line1\nline2\ttab \\ back / slash \x01\x1f")},
            {"neg", int64_t{-42}},
            {"max", std::numeric_limits<int64_t>::max()},
            {"min", std::numeric_limits<int64_t>::min()}};
  return r;
}

void ExpectSame(const Request& a, const Request& b) {
  EXPECT_EQ(a.command, b.command);
  EXPECT_EQ(a.language, b.language);
  EXPECT_EQ(a.short_code, b.short_code);
  EXPECT_EQ(a.connection, b.connection);
  EXPECT_EQ(a.step, b.step);
  EXPECT_EQ(a.tries, b.tries);
  EXPECT_EQ(a.args, b.args);
  ASSERT_EQ(a.show.size(), b.show.size());
  for (size_t i = 0; i < a.show.size(); ++i) {
    EXPECT_EQ(a.show[i].name, b.show[i].name);
    EXPECT_EQ(a.show[i].value, b.show[i].value);
  }
}

TEST(RequestCodecTest, WritesWhatTheJsonLibraryWrote) {
  Request r = Sample();
  EXPECT_EQ(EncodeRequest(r), ReferenceEncode(r));
  r.show.push_back({"amount", "2,000.00"});  // a repeated name: the last wins, as before
  r.show.push_back({"\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xb0", "\x7f"});
  EXPECT_EQ(EncodeRequest(r), ReferenceEncode(r));
  Request empty;
  EXPECT_EQ(EncodeRequest(empty), ReferenceEncode(empty));
}

// A request of random texts, each up to `max_pieces` of `pieces`, and random numbers; show
// may repeat a name.
Request RandomRequest(std::mt19937_64& rng, const std::vector<std::string>& pieces,
                      int max_pieces) {
  auto text = [&] {
    std::string s;
    for (int n = static_cast<int>(rng() % max_pieces); n > 0; --n) {
      s += pieces[rng() % pieces.size()];
    }
    return s;
  };
  Request r;
  r.command = text();
  r.language = text();
  r.short_code = text();
  r.connection = text();
  r.step = static_cast<int>(rng());
  r.tries = static_cast<int>(rng() % 10);
  for (int n = static_cast<int>(rng() % 4); n > 0; --n) r.show.push_back({text(), text()});
  for (int n = static_cast<int>(rng() % 4); n > 0; --n) {
    if (rng() % 2) {
      r.args.insert_or_assign(text(), static_cast<int64_t>(rng()));
    } else {
      r.args.insert_or_assign(text(), text());
    }
  }
  return r;
}

// Random texts of printable, control and multi-byte characters, random numbers.
TEST(RequestCodecTest, WritesWhatTheJsonLibraryWroteForRandomRequests) {
  std::mt19937_64 rng(20261127);
  const std::vector<std::string> pieces = {"a",
                                           "Z",
                                           " ",
                                           "\"",
                                           "\\",
                                           "/",
                                           "\n",
                                           "\t",
                                           "\b",
                                           "\f",
                                           "\r",
                                           "\x01",
                                           "\x1f",
                                           "\x7f",
                                           "\xc3\xa9",
                                           "\xe2\x82\xac",
                                           "\xf0\x9f\x92\xb0",
                                           "{",
                                           "}",
                                           ":"};
  for (int round = 0; round < 500; ++round) {
    const Request r = RandomRequest(rng, pieces, 12);
    const std::string payload = EncodeRequest(r);
    ASSERT_EQ(payload, ReferenceEncode(r)) << "round " << round;
    auto back = DecodeRequest(payload);
    ASSERT_TRUE(back.ok()) << payload;
    EXPECT_EQ(EncodeRequest(*back), payload);
  }
}

// SetRequest keeps the request as the instruction's parsed form, which ToBackend takes instead
// of the payload: it must be what the payload reads back as, whatever the texts hold (bytes
// that are not UTF-8 are written as U+FFFD) and however show repeats a name.
TEST(RequestCodecTest, SetRequestKeepsWhatThePayloadReadsBackAs) {
  std::mt19937_64 rng(20261128);
  const std::vector<std::string> pieces = {"a",        "b",    " ",    "\"",      "\n",
                                           "\xc3\xa9", "\x80", "\xff", "\xe2\x82"};
  for (int round = 0; round < 300; ++round) {
    const Request r = RandomRequest(rng, pieces, 4);
    store::NewInstruction ins;
    SetRequest(ins, r);
    ASSERT_EQ(ins.payload, EncodeRequest(r)) << "round " << round;
    auto back = DecodeRequest(ins.payload);
    ASSERT_TRUE(back.ok()) << ins.payload;
    ASSERT_NE(ins.parsed, nullptr);
    SCOPED_TRACE("round " + std::to_string(round));
    ExpectSame(*std::static_pointer_cast<const Request>(ins.parsed), *back);
  }
}

// The same for a challenge, whose answer takes the kept form (ChallengeRequest) when the
// store hands it back, and reads the payload when it does not.
TEST(RequestCodecTest, ChallengeRequestIsWhatThePayloadReadsBackAs) {
  std::mt19937_64 rng(20261129);
  const std::vector<std::string> pieces = {"a", "\"", "\xc3\xa9", "\x80", "\xe2\x82"};
  for (int round = 0; round < 200; ++round) {
    const Request r = RandomRequest(rng, pieces, 4);
    store::NewChallenge made;
    SetRequest(made, r);
    ASSERT_EQ(made.payload, EncodeRequest(r)) << "round " << round;
    ASSERT_NE(made.parsed, nullptr);
    auto back = DecodeRequest(made.payload);
    ASSERT_TRUE(back.ok()) << made.payload;
    store::Challenge kept;  // as FindChallenge returns it while the store keeps the form
    kept.payload = made.payload;
    kept.parsed = made.parsed;
    store::Challenge read;  // and once it no longer does
    read.payload = made.payload;
    SCOPED_TRACE("round " + std::to_string(round));
    auto from_kept = ChallengeRequest(kept);
    auto from_read = ChallengeRequest(read);
    ASSERT_TRUE(from_kept.ok() && from_read.ok());
    ExpectSame(*from_kept, *back);
    ExpectSame(*from_read, *back);
  }
  store::Challenge broken;
  broken.payload = "not json";
  EXPECT_TRUE(ChallengeRequest(broken).status().IsInvalidArgument());
}

TEST(RequestCodecTest, ReadsBackWhatItWrote) {
  const Request r = Sample();
  auto back = DecodeRequest(EncodeRequest(r));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  Request sorted = r;  // show comes back in name order, as it did from the JSON library
  std::sort(sorted.show.begin(), sorted.show.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  ExpectSame(*back, sorted);
}

// The TON/NPI of a source kept as it came: written only when the request has them, in the
// members' sorted order, and read back; a payload written without them reads as none, one
// with half of them or an impossible value is refused.
TEST(RequestCodecTest, KeepsTheSourceAddressTypeWhenThereIsOne) {
  Request r = Sample();
  const std::string without = EncodeRequest(r);
  r.source_type = store::AddressType{5, 0};
  const std::string with = EncodeRequest(r);
  EXPECT_NE(with.find(R"("src_npi":0,"src_ton":5,)"), std::string::npos) << with;
  EXPECT_EQ(json::parse(with).dump(), with);
  auto back = DecodeRequest(with);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->source_type, r.source_type);
  auto old = DecodeRequest(without);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->source_type, std::nullopt);
  for (const auto& [from, to] :
       std::vector<std::pair<std::string, std::string>>{{R"("src_npi":0,)", ""},
                                                        {R"("src_ton":5,)", ""},
                                                        {R"("src_ton":5)", R"("src_ton":256)"},
                                                        {R"("src_npi":0)", R"("src_npi":-1)"},
                                                        {R"("src_ton":5)", R"("src_ton":"5")"}}) {
    std::string bad = with;
    bad.replace(bad.find(from), from.size(), to);
    EXPECT_TRUE(DecodeRequest(bad).status().IsInvalidArgument()) << bad;
  }
}

// Payloads as another writer could lay them out: whitespace, escapes the writer does not use,
// members in another order, members this version does not know.
TEST(RequestCodecTest, ReadsAnyLayoutOfTheSameJson) {
  const Request r = Sample();
  const std::string pretty = json::parse(ReferenceEncode(r)).dump(2);
  auto a = DecodeRequest(pretty);
  ASSERT_TRUE(a.ok()) << pretty;
  EXPECT_EQ(EncodeRequest(*a), ReferenceEncode(r));

  const std::string escaped =
      R"( { "v":1, "unknown":[1,2.5e3,{"x":[true,false,null]},"s"], "tries":0, "step":0,
          "show":{"b":"\u00e9\ud83d\udcb0\/"}, "args":{"n":-7}, "conn":"c", "sc":"1",
          "lang":"en", "cmd":"x" } )";
  auto b = DecodeRequest(escaped);
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->show.size(), 1u);
  EXPECT_EQ(b->show[0].value, "\xc3\xa9\xf0\x9f\x92\xb0/");
  EXPECT_EQ(std::get<int64_t>(b->args.at("n")), -7);
  EXPECT_EQ(b->command, "x");
}

TEST(RequestCodecTest, RefusesWhatItCouldNotHaveWritten) {
  const std::string good = EncodeRequest(Sample());
  ASSERT_TRUE(DecodeRequest(good).ok());
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  const std::vector<std::string> bad = {
      "",
      "[]",
      "null",
      good + " x",
      good.substr(0, good.size() - 1),
      replaced("\"v\":1", "\"v\":2"),
      replaced("\"v\":1", "\"v\":\"1\""),
      replaced("\"cmd\":\"pay\",", ""),
      replaced("\"tries\":3", "\"tries\":\"3\""),
      replaced("\"tries\":3", "\"tries\":3.0"),
      replaced("\"tries\":3", "\"tries\":03"),
      replaced("\"step\":1", "\"step\":2147483648"),
      replaced("\"amount\":150000", "\"amount\":1.5e5"),
      replaced("\"amount\":150000", "\"amount\":9223372036854775808"),
      replaced("\"amount\":150000", "\"amount\":true"),
      replaced("\"account\":\"****7890\"", "\"account\":7890"),
      replaced("\"sc\":\"4444\"",
               "\"sc\":\"44\x01"
               "44\""),
      replaced("\"sc\":\"4444\"",
               "\"sc\":\"44\xff"
               "44\""),
      replaced("\"sc\":\"4444\"", "\"sc\":\"\\ud800\""),
      replaced("\"sc\":\"4444\"", "\"sc\":\"\\udc00\\ud800\""),
      replaced("\"sc\":\"4444\"", "\"sc\":\"\\x41\""),
      replaced("\"sc\":\"4444\"", "\"sc\":\"\\u12\""),
      replaced("\"sc\":\"4444\"", "\"sc\":'4444'"),
      replaced("\"sc\":\"4444\"", "\"sc\":\"4444\",,"),
      replaced("\"sc\":\"4444\"", "\"sc\" \"4444\""),
      std::string(100, '[') + std::string(100, ']'),
      // The library's lexer stops at a NUL and skips a byte order mark: refused before it.
      good + std::string("\0{}", 3),
      "\xEF\xBB\xBF" + good,
  };
  for (const std::string& payload : bad) {
    EXPECT_FALSE(DecodeRequest(payload).ok()) << payload;
  }
  // Nesting past the bound in a member that is skipped is refused, not recursed into.
  std::string deep = good;
  deep.insert(1, "\"deep\":" + std::string(40, '[') + std::string(40, ']') + ",");
  EXPECT_FALSE(DecodeRequest(deep).ok());
  std::string shallow = good;
  shallow.insert(1, "\"deep\":" + std::string(8, '[') + std::string(8, ']') + ",");
  EXPECT_TRUE(DecodeRequest(shallow).ok());
}

TEST(RequestCodecTest, SecretsAreWrittenAsBeforeAndReadBack) {
  Secrets s;
  s.pin = "4821";
  s.account = "0123456789 \"x\"\\";
  s.code = "K7Q2";
  store::SecretBytes sealed = EncodeSecrets(s);
  EXPECT_EQ(sealed.view(), ReferenceEncode(s));
  auto back = DecodeSecrets(sealed.view());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->pin, "4821");
  EXPECT_EQ(back->new_pin, "");
  EXPECT_EQ(back->account, s.account);
  EXPECT_EQ(back->code, "K7Q2");
  EXPECT_TRUE(EncodeSecrets(Secrets()).view().empty());
  ASSERT_TRUE(DecodeSecrets("").ok());
  // Members of no use, or not strings, are passed over as before.
  auto other = DecodeSecrets(R"({"pin":1234,"new_pin":"9999","extra":{"a":[1]}})");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->pin, "");
  EXPECT_EQ(other->new_pin, "9999");
  EXPECT_FALSE(DecodeSecrets("[\"4821\"]").ok());
  EXPECT_FALSE(DecodeSecrets("{\"pin\":\"4821\"").ok());
}

TEST(JsonTextTest, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  std::string out;
  json_text::AppendString(out,
                          "a\xff"
                          "b\xc3"
                          "c\xed\xa0\x80"
                          "d\xf4\x90\x80\x80");
  EXPECT_EQ(out,
            "\"a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD"
            "c\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
            "d\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  json_text::Reader in(out);
  std::string back;
  ASSERT_TRUE(in.ReadString(back));
  EXPECT_TRUE(in.AtEnd());
}

}  // namespace
}  // namespace smsgw::commands
