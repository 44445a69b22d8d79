#include "gateway/request_signing.h"

#include <gtest/gtest.h>

#include "tests/http/http_test_util.h"

#include "gateway/backend_wire.h"

namespace smsgw::gateway {
namespace {

// The worked example of docs/backend-api.md ("Wire format and signing"). The expected values
// were computed with the openssl command line, independently of this code:
//   printf 'smsgw-hmac-sha256-v1\nPOST\n/v1/instructions\n-\n1700000000\nins_01HF8Y5K3M2Q\n<h>' |
//     openssl dgst -sha256 -mac HMAC -macopt hexkey:000102...1f
constexpr char kKeyHex[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr char kKeyId[] = "e9d71352";
constexpr char kRequestBody[] =
    R"({"fields":{"amount":150000,"recipient":"254798765432"},"id":"ins_01HF8Y5K3M2Q",)"
    R"("msisdn":"254712345678","operation":"transfer","pin":"4821"})";
constexpr char kRequestBodySha256[] =
    "6a9783c802a4bd73691c1cb82db4515c3fb76be3d5b305366b817060d6b23971";
constexpr char kRequestSig[] = "81ca508f64bae2de1e949ca63782085bd5170c67c0d84ca865099c5575aa0c43";
constexpr char kAnswerBody[] = R"({"result":{"amount":150000,"balance":2350000,"fee":3300,)"
                               R"("transaction_code":"QK7AB3XYZ2"},"status":"accepted"})";
constexpr char kAnswerSig[] = "652b58a83cdeed6e8ebef2749cb4409bd6e49574d4779ba76a52cf48a1df4dac";

store::Key VectorKey() {
  std::string bytes;
  for (int i = 0; i < 32; ++i) bytes.push_back(static_cast<char>(i));
  return std::move(store::Key::FromBytes(bytes).value());
}

SignedParts RequestParts() {
  return {"POST", "/v1/instructions", 0, "ins_01HF8Y5K3M2Q", kRequestBody};
}

SignedParts AnswerParts() {
  return {"POST", "/v1/instructions", 200, "ins_01HF8Y5K3M2Q", kAnswerBody};
}

TEST(RequestSigning, WorkedExampleRequest) {
  store::Key key = VectorKey();
  EXPECT_EQ(key.id(), kKeyId);
  EXPECT_EQ(store::ToHex(std::span(reinterpret_cast<const uint8_t*>(key.bytes().data()), 32)),
            kKeyHex);
  EXPECT_EQ(CanonicalString(RequestParts(), 1700000000),
            std::string("smsgw-hmac-sha256-v1\nPOST\n/v1/instructions\n-\n1700000000\n"
                        "ins_01HF8Y5K3M2Q\n") +
                kRequestBodySha256);
  RequestSigner signer = RequestSigner::FromKey(key);
  EXPECT_EQ(signer.Sign(RequestParts(), 1700000000),
            std::string("keyId=e9d71352,ts=1700000000,sig=") + kRequestSig);
}

TEST(RequestSigning, WorkedExampleAnswer) {
  RequestSigner signer = RequestSigner::FromKey(VectorKey());
  EXPECT_EQ(signer.Sign(AnswerParts(), 1700000001),
            std::string("keyId=e9d71352,ts=1700000001,sig=") + kAnswerSig);
}

TEST(RequestSigning, ExampleBodyIsWhatTheEncoderProduces) {
  WireInstruction in =
      smsgw::test::MakeInstruction("ins_01HF8Y5K3M2Q", "transfer", "254712345678",
                                   {{"amount", 150000}, {"recipient", "254798765432"}});
  in.pin = store::SecretBytes("4821");
  EXPECT_EQ(EncodeInstruction(in), kRequestBody);
  WireAnswer answer;
  answer.accepted = true;
  answer.result = {
      {"transaction_code", "QK7AB3XYZ2"}, {"amount", 150000}, {"fee", 3300}, {"balance", 2350000}};
  EXPECT_EQ(EncodeAnswer(answer), kAnswerBody);
}

TEST(RequestSigning, VerifierAcceptsTheExampleWithinSkew) {
  SignatureVerifier v;
  v.AddKey(VectorKey());
  std::string header = std::string("keyId=e9d71352,ts=1700000000,sig=") + kRequestSig;
  EXPECT_EQ(v.Verify(header, RequestParts(), 1700000000), SignatureCheck::kValid);
  EXPECT_EQ(v.Verify(header, RequestParts(), 1700000000 + 300), SignatureCheck::kValid);
  EXPECT_EQ(v.Verify(header, RequestParts(), 1700000000 - 300), SignatureCheck::kValid);
  EXPECT_EQ(v.Verify(header, RequestParts(), 1700000000 + 301), SignatureCheck::kStale);
  EXPECT_EQ(v.Verify(header, RequestParts(), 1700000000 - 301), SignatureCheck::kStale);
  // Fields in another order, with spaces, are the same header.
  std::string reordered = std::string("sig=") + kRequestSig + " , ts=1700000000, keyId=e9d71352";
  EXPECT_EQ(v.Verify(reordered, RequestParts(), 1700000000), SignatureCheck::kValid);
}

TEST(RequestSigning, SkewIsConfigurable) {
  SignatureVerifier v(std::chrono::seconds(10));
  v.AddKey(VectorKey());
  std::string header = std::string("keyId=e9d71352,ts=1700000000,sig=") + kRequestSig;
  EXPECT_EQ(v.Verify(header, RequestParts(), 1700000010), SignatureCheck::kValid);
  EXPECT_EQ(v.Verify(header, RequestParts(), 1700000011), SignatureCheck::kStale);
}

TEST(RequestSigning, EveryCoveredPartMatters) {
  SignatureVerifier v;
  v.AddKey(VectorKey());
  std::string header = std::string("keyId=e9d71352,ts=1700000000,sig=") + kRequestSig;
  std::string other_body = std::string(kRequestBody);
  other_body[other_body.find("150000")] = '9';
  std::vector<SignedParts> altered = {
      {"PUT", "/v1/instructions", 0, "ins_01HF8Y5K3M2Q", kRequestBody},
      {"POST", "/v1/instructions?x", 0, "ins_01HF8Y5K3M2Q", kRequestBody},
      {"POST", "/v1/instructions", 200, "ins_01HF8Y5K3M2Q", kRequestBody},
      {"POST", "/v1/instructions", 0, "ins_01HF8Y5K3M2R", kRequestBody},
      {"POST", "/v1/instructions", 0, "ins_01HF8Y5K3M2Q", other_body},
  };
  for (const auto& parts : altered) {
    EXPECT_EQ(v.Verify(header, parts, 1700000000), SignatureCheck::kMismatch) << parts.target;
  }
  // A signed 200 cannot be passed off as a 201 or a 500.
  std::string answer = std::string("keyId=e9d71352,ts=1700000001,sig=") + kAnswerSig;
  EXPECT_EQ(v.Verify(answer, AnswerParts(), 1700000001), SignatureCheck::kValid);
  SignedParts as_500 = AnswerParts();
  as_500.status = 500;
  EXPECT_EQ(v.Verify(answer, as_500, 1700000001), SignatureCheck::kMismatch);
  // Timestamp covered: the same sig with another ts fails.
  std::string moved = std::string("keyId=e9d71352,ts=1700000002,sig=") + kAnswerSig;
  EXPECT_EQ(v.Verify(moved, AnswerParts(), 1700000001), SignatureCheck::kMismatch);
}

TEST(RequestSigning, WrongKeyAndUnknownKey) {
  SignatureVerifier v;
  v.AddKey("e9d71352", store::SecretBytes(std::string(32, 'x')));  // same id, other secret
  std::string header = std::string("keyId=e9d71352,ts=1700000000,sig=") + kRequestSig;
  EXPECT_EQ(v.Verify(header, RequestParts(), 1700000000), SignatureCheck::kMismatch);
  std::string other_id = std::string("keyId=aaaa0000,ts=1700000000,sig=") + kRequestSig;
  EXPECT_EQ(v.Verify(other_id, RequestParts(), 1700000000), SignatureCheck::kUnknownKey);
}

TEST(RequestSigning, RotationAcceptsBothKeys) {
  store::Key old_key = VectorKey();
  auto new_key = store::Key::FromBytes(std::string(32, '\x42'));
  ASSERT_TRUE(new_key.ok());
  SignatureVerifier v;
  v.AddKey(old_key);
  v.AddKey(*new_key);
  RequestSigner old_signer = RequestSigner::FromKey(old_key);
  RequestSigner new_signer = RequestSigner::FromKey(*new_key);
  EXPECT_NE(old_signer.key_id(), new_signer.key_id());
  EXPECT_EQ(v.Verify(old_signer.Sign(RequestParts(), 5000), RequestParts(), 5000),
            SignatureCheck::kValid);
  EXPECT_EQ(v.Verify(new_signer.Sign(RequestParts(), 5000), RequestParts(), 5000),
            SignatureCheck::kValid);
}

TEST(RequestSigning, MalformedHeadersAreRejected) {
  SignatureVerifier v;
  v.AddKey(VectorKey());
  std::string sig(64, 'a');
  EXPECT_EQ(v.Verify("", RequestParts(), 1), SignatureCheck::kMissing);
  EXPECT_EQ(v.Verify("   ", RequestParts(), 1), SignatureCheck::kMissing);
  const std::vector<std::string> bad = {
      "keyId=e9d71352,ts=1",                                 // no sig
      "keyId=e9d71352,sig=" + sig,                           // no ts
      "ts=1,sig=" + sig,                                     // no key id
      "keyId=e9d71352,ts=1,sig=" + sig + ",extra=1",         // unknown field
      "keyId=e9d71352,keyId=x,ts=1,sig=" + sig,              // repeated field
      "keyId=e9d71352,ts=-1,sig=" + sig,                     // negative time
      "keyId=e9d71352,ts=1x,sig=" + sig,                     // not a number
      "keyId=e9d71352,ts=99999999999999999999,sig=" + sig,   // overflows int64
      "keyId=e9d71352,ts=1,sig=" + sig.substr(1),            // 63 digits
      "keyId=e9d71352,ts=1,sig=" + std::string(64, 'A'),     // upper case
      "keyId=e9d71352,ts=1,sig=" + std::string(64, 'g'),     // not hex
      "keyId=e9d7 1352,ts=1,sig=" + sig,                     // space in id
      "keyId=,ts=1,sig=" + sig,                              // empty id
      "keyId=" + std::string(65, 'k') + ",ts=1,sig=" + sig,  // id too long
      "keyId=e9d71352;ts=1;sig=" + sig,                      // wrong separator
      "keyId=e9d71352,ts=1,sig",                             // no '='
  };
  for (const auto& h : bad) {
    EXPECT_EQ(v.Verify(h, RequestParts(), 1), SignatureCheck::kMalformed) << h;
  }
}

TEST(RequestSigning, HeaderRoundTrip) {
  SignatureHeader h{"k.1_a-B", 42, std::string(64, 'f')};
  auto parsed = ParseSignatureHeader(FormatSignatureHeader(h));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->key_id, h.key_id);
  EXPECT_EQ(parsed->timestamp, 42);
  EXPECT_EQ(parsed->sig_hex, h.sig_hex);
}

TEST(RequestSigning, CheckNamesAreTheDocumentedErrorCodes) {
  EXPECT_EQ(SignatureCheckName(SignatureCheck::kStale), "stale_timestamp");
  EXPECT_EQ(SignatureCheckName(SignatureCheck::kMismatch), "bad_signature");
  EXPECT_EQ(SignatureCheckName(SignatureCheck::kMissing), "missing_signature");
  EXPECT_EQ(SignatureCheckName(SignatureCheck::kUnknownKey), "unknown_key");
  EXPECT_EQ(SignatureCheckName(SignatureCheck::kMalformed), "malformed_signature");
}

}  // namespace
}  // namespace smsgw::gateway
