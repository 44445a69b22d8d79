// HTTPS to the backend simulator with a CA and a server certificate made by the test (the
// openssl command, into a temporary directory): the right name passes; a wrong name, an IP the
// certificate does not list, and an untrusted CA fail the handshake before anything is sent.
#include <gtest/gtest.h>

#include <optional>

#include "gateway/backend_wire.h"
#include "gateway/http_client.h"
#include "tests/http/http_test_util.h"
#include "tests/support/test_pki.h"

namespace smsgw::gateway {
namespace {

using smsgw::test::BackendSim;
using smsgw::test::RunUntil;
using smsgw::test::TestPki;

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new TestPki(); }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(pki_->ok()) << "the openssl command could not make the test certificates";
    smsgw::test::BackendSimOptions o;
    o.tls_cert_file = pki_->Path("server.pem");
    o.tls_key_file = pki_->Path("server.key");
    sim_ = smsgw::test::StartSim(o);
    ASSERT_NE(sim_, nullptr);
  }

  void TearDown() override {
    if (client_) smsgw::test::StopClient(io_, *client_);
    client_.reset();
    sim_->Stop();
  }

  void MakeClient(const std::string& ca_file) {
    HttpClientOptions o;
    o.tls.ca_file = ca_file;
    // The names resolve to the simulator on loopback; SNI and the check still use the name.
    o.host_overrides = {{"bank.test", "127.0.0.1"}, {"wrong.test", "127.0.0.1"}};
    auto client = HttpClient::Create(io_, o);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(*client);
  }

  HttpOutcome Post(const std::string& host, const std::string& key) {
    HttpClientRequest r;
    auto url =
        ParseUrl("https://" + host + ":" + std::to_string(sim_->port()) + "/v1/instructions");
    EXPECT_TRUE(url.ok());
    r.url = *url;
    r.headers = {{"Idempotency-Key", key}};
    r.body = EncodeInstruction(smsgw::test::MakeInstruction(key, "balance", "254700000001"));
    std::optional<HttpOutcome> out;
    client_->Send(std::move(r), [&](HttpOutcome o) { out = std::move(o); });
    EXPECT_TRUE(RunUntil(io_, [&] { return out.has_value(); }));
    return out.value_or(HttpOutcome{});
  }

  static TestPki* pki_;
  boost::asio::io_context io_;
  std::unique_ptr<BackendSim> sim_;
  std::unique_ptr<HttpClient> client_;
};

TestPki* TlsTest::pki_ = nullptr;

TEST_F(TlsTest, TrustedCaAndMatchingNamePass) {
  MakeClient(pki_->Path("ca.pem"));
  HttpOutcome first = Post("bank.test", "tls-1");
  ASSERT_TRUE(first.ok()) << first.error.message;
  EXPECT_EQ(first.response->status, 200);
  // Keep-alive holds over TLS too.
  HttpOutcome second = Post("bank.test", "tls-2");
  ASSERT_TRUE(second.ok()) << second.error.message;
  EXPECT_TRUE(second.reused_connection);
  EXPECT_EQ(sim_->stats().connections, 1u);
}

TEST_F(TlsTest, WrongHostNameFails) {
  MakeClient(pki_->Path("ca.pem"));
  HttpOutcome out = Post("wrong.test", "tls-3");
  EXPECT_EQ(out.error.code, HttpErrorCode::kTlsFailed);
  EXPECT_TRUE(out.error.temporary);
  EXPECT_NE(out.error.message.find("hostname mismatch"), std::string::npos) << out.error.message;
  EXPECT_EQ(sim_->stats().requests, 0u);
}

TEST_F(TlsTest, IpAddressNotInTheCertificateFails) {
  MakeClient(pki_->Path("ca.pem"));
  HttpOutcome out = Post("127.0.0.1", "tls-4");
  EXPECT_EQ(out.error.code, HttpErrorCode::kTlsFailed);
  EXPECT_NE(out.error.message.find("IP address mismatch"), std::string::npos) << out.error.message;
  EXPECT_EQ(sim_->stats().requests, 0u);
}

TEST_F(TlsTest, UntrustedCaFails) {
  MakeClient(pki_->Path("other-ca.pem"));
  HttpOutcome out = Post("bank.test", "tls-5");
  EXPECT_EQ(out.error.code, HttpErrorCode::kTlsFailed);
  EXPECT_NE(out.error.message.find("local issuer"), std::string::npos) << out.error.message;
  EXPECT_EQ(sim_->stats().requests, 0u);
}

TEST_F(TlsTest, SystemStoreDoesNotTrustATestCa) {
  MakeClient("");
  HttpOutcome out = Post("bank.test", "tls-6");
  EXPECT_EQ(out.error.code, HttpErrorCode::kTlsFailed);
  EXPECT_EQ(sim_->stats().requests, 0u);
}

TEST(TlsClientContext, UnreadableFilesAreReportedAtCreation) {
  boost::asio::io_context io;
  HttpClientOptions o;
  o.tls.ca_file = "/nonexistent/ca.pem";
  auto client = HttpClient::Create(io, o);
  ASSERT_FALSE(client.ok());
  EXPECT_TRUE(client.status().IsInvalidArgument());
  EXPECT_NE(client.status().message().find("/nonexistent/ca.pem"), std::string::npos);
  HttpClientOptions half;
  half.tls.cert_file = "/nonexistent/client.pem";
  EXPECT_FALSE(HttpClient::Create(io, half).ok());
}

}  // namespace
}  // namespace smsgw::gateway
