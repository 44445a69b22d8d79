#include "gateway/backend_wire.h"

#include <gtest/gtest.h>

namespace smsgw::gateway {
namespace {

TEST(BackendWire, InstructionRoundTrip) {
  WireInstruction in{"ins_1", "bill.pay", "254712345678", {{"amount", 1500}, {"biller", "KPLC"}}};
  auto out = DecodeInstruction(EncodeInstruction(in));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->id, "ins_1");
  EXPECT_EQ(out->operation, "bill.pay");
  EXPECT_EQ(out->msisdn, "254712345678");
  EXPECT_EQ(out->fields["amount"], 1500);
  EXPECT_EQ(out->fields["biller"], "KPLC");
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
  auto a = DecodeAnswer(R"({"status":"accepted","result":{"reference":"TX1","balance":100}})");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->accepted);
  EXPECT_EQ(a->result["reference"], "TX1");
  auto r = DecodeAnswer(R"({"status":"rejected","reason":"insufficient_funds"})");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->accepted);
  EXPECT_EQ(r->reason, "insufficient_funds");
  auto round = DecodeAnswer(EncodeAnswer(*r));
  ASSERT_TRUE(round.ok());
  EXPECT_EQ(round->reason, "insufficient_funds");
  for (const char* bad : {"", "{}", R"({"status":"done"})", R"({"status":"rejected"})",
                          R"({"status":"rejected","reason":""})",
                          R"({"status":"accepted","result":"x"})", R"({"status":1})"}) {
    EXPECT_FALSE(DecodeAnswer(bad).ok()) << bad;
  }
}

TEST(BackendWire, ErrorBodies) {
  WireError e = DecodeError(EncodeError({"idempotency_key_reused", "different body"}));
  EXPECT_EQ(e.code, "idempotency_key_reused");
  EXPECT_EQ(e.message, "different body");
  EXPECT_EQ(DecodeError("<html>bad gateway</html>").code, "");
  EXPECT_EQ(DecodeError(R"({"error":"x"})").code, "");
}

}  // namespace
}  // namespace smsgw::gateway
