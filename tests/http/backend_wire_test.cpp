#include "gateway/backend_wire.h"

#include <gtest/gtest.h>

#include "tests/http/http_test_util.h"

namespace smsgw::gateway {
namespace {

TEST(BackendWire, InstructionRoundTrip) {
  WireInstruction in = smsgw::test::MakeInstruction("ins_1", "bill.pay", "254712345678",
                                                    {{"amount", 1500}, {"biller", "KPLC"}});
  in.pin = store::SecretBytes("1234");
  auto out = DecodeInstruction(EncodeInstruction(in));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->id, "ins_1");
  EXPECT_EQ(out->operation, "bill.pay");
  EXPECT_EQ(out->msisdn, "254712345678");
  EXPECT_EQ(out->fields["amount"], 1500);
  EXPECT_EQ(out->fields["biller"], "KPLC");
  EXPECT_EQ(out->pin.view(), "1234");
  EXPECT_TRUE(out->new_pin.empty());
  EXPECT_TRUE(out->account.empty());
}

TEST(BackendWire, SecretsAreWrittenOnlyWhenSetAndEscaped) {
  WireInstruction none = smsgw::test::MakeInstruction("a", "balance", "2547");
  EXPECT_EQ(EncodeInstruction(none),
            R"({"fields":{},"id":"a","msisdn":"2547","operation":"balance"})");
  WireInstruction odd = smsgw::test::MakeInstruction("a", "account.bind", "2547");
  odd.new_pin = store::SecretBytes("9876");
  odd.account = store::SecretBytes(std::string("12\"3\\4\n", 7));
  std::string body = EncodeInstruction(odd);
  EXPECT_EQ(body, R"({"fields":{},"id":"a","msisdn":"2547","operation":"account.bind",)"
                  R"("new_pin":"9876","account":"12\"3\\4\u000a"})");
  auto back = DecodeInstruction(body);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->account.view(), std::string("12\"3\\4\n", 7));
  EXPECT_EQ(back->new_pin.view(), "9876");
}

TEST(BackendWire, InstructionWithoutFieldsHasAnEmptyObject) {
  auto out = DecodeInstruction(R"({"id":"a","operation":"balance","msisdn":"2547"})");
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->fields.is_object());
  EXPECT_TRUE(out->fields.empty());
}

TEST(BackendWire, RejectsBadInstructions) {
  for (const char* bad :
       {"", "[]", "not json", R"({"operation":"x","msisdn":"1"})",
        R"({"id":"","operation":"x","msisdn":"1"})", R"({"id":"a b","operation":"x","msisdn":"1"})",
        R"({"id":7,"operation":"x","msisdn":"1"})", R"({"id":"a","operation":"","msisdn":"1"})",
        R"({"id":"a","operation":"x","msisdn":"+2547"})",
        R"({"id":"a","operation":"x","msisdn":"1234567890123456"})",
        R"({"id":"a","operation":"x","msisdn":"1","fields":[1]})",
        R"({"id":"a","operation":"x","msisdn":"1"} trailing)"}) {
    EXPECT_FALSE(DecodeInstruction(bad).ok()) << bad;
  }
  std::string long_id(129, 'a');
  EXPECT_FALSE(
      DecodeInstruction(R"({"id":")" + long_id + R"(","operation":"x","msisdn":"1"})").ok());
}

TEST(BackendWire, ErrorsDoNotEchoValues) {
  auto r = DecodeInstruction(R"({"id":"a","operation":"x","msisdn":"SECRET-ACCOUNT-99"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find("SECRET"), std::string::npos);
}

TEST(BackendWire, Answers) {
  auto a = DecodeAnswer(
      R"({"status":"accepted","result":{"transaction_code":"TX1","balance":100},"replayed":true})");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->accepted);
  EXPECT_TRUE(a->replayed);
  EXPECT_EQ(a->result["transaction_code"], "TX1");
  auto st = DecodeAnswer(
      R"({"status":"accepted","result":{"balance":5},"statement":[{"amount":-100,"kind":"transfer"}]})");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->statement.size(), 1u);
  EXPECT_EQ(st->statement[0]["amount"], -100);
  auto r = DecodeAnswer(R"({"status":"rejected","reason":"limit_exceeded","detail":"daily"})");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->accepted);
  EXPECT_FALSE(r->replayed);
  EXPECT_EQ(r->reason, "limit_exceeded");
  EXPECT_EQ(r->detail, "daily");
  auto round = DecodeAnswer(EncodeAnswer(*r));
  ASSERT_TRUE(round.ok());
  EXPECT_EQ(round->reason, "limit_exceeded");
  EXPECT_EQ(round->detail, "daily");
  EXPECT_TRUE(round->result.empty());
  // A rejection may name fields too: a locked account's own phone on a refused bind.
  auto locked = DecodeAnswer(
      R"({"status":"rejected","reason":"account_locked","result":{"counterparty_msisdn":"254700000001"}})");
  ASSERT_TRUE(locked.ok());
  EXPECT_FALSE(locked->accepted);
  EXPECT_EQ(locked->result["counterparty_msisdn"], "254700000001");
  auto locked_round = DecodeAnswer(EncodeAnswer(*locked));
  ASSERT_TRUE(locked_round.ok());
  EXPECT_EQ(locked_round->result["counterparty_msisdn"], "254700000001");
  EXPECT_FALSE(DecodeAnswer(R"({"status":"rejected","reason":"x","result":{"a":[1]}})").ok());
  for (const char* bad :
       {"", "{}", R"({"status":"done"})", R"({"status":"rejected"})",
        R"({"status":"rejected","reason":""})", R"({"status":"rejected","reason":"x","detail":7})",
        R"({"status":"accepted","result":"x"})",
        R"({"status":"accepted","result":{"amount":10.5}})",
        R"({"status":"accepted","statement":{}})",
        R"({"status":"accepted","statement":[{"a":[1]}]})",
        R"({"status":"accepted","replayed":"yes"})", R"({"status":1})"}) {
    EXPECT_FALSE(DecodeAnswer(bad).ok()) << bad;
  }
}

TEST(BackendWire, ErrorBodies) {
  WireError e = DecodeError(EncodeError({"idempotency_conflict", "different body"}));
  EXPECT_EQ(e.code, "idempotency_conflict");
  EXPECT_EQ(e.message, "different body");
  EXPECT_EQ(DecodeError("<html>bad gateway</html>").code, "");
  EXPECT_EQ(DecodeError(R"({"error":"x"})").code, "");
}

}  // namespace
}  // namespace smsgw::gateway
