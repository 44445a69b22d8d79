// EsmeSession over TLS against the simulator's TLS listener, with a CA and a certificate for
// smsc.test and 127.0.0.1 made at run time (tests/support/test_pki.h): bind, MO and MT over
// TLS; an unknown CA, a name mismatch, a plain peer and a silent peer are connection failures
// (no bind, reconnect with backoff, the reason in the log); verify off connects and says so.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <optional>

#include "gateway/daemon/session_configs.h"
#include "tests/smpp_session/session_fixture.h"
#include "tests/support/test_pki.h"

namespace smsgw::smpp {
namespace {

using smsgw::test::TestPki;

class SessionTlsTest : public SessionFixture {
 protected:
  static void SetUpTestSuite() { pki_ = new TestPki("DNS:smsc.test,IP:127.0.0.1"); }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  explicit SessionTlsTest(const std::string& server_cert = "server.pem")
      : SessionFixture(TlsSim(server_cert)) {}

  void SetUp() override {
    ASSERT_TRUE(pki_->ok()) << "the openssl command could not make the test certificates";
  }

  static SmscSimConfig TlsSim(const std::string& server_cert) {
    SmscSimConfig c;
    if (pki_->ok()) {
      c.tls_cert_file = pki_->Path(server_cert);
      c.tls_key_file = pki_->Path("server.key");
    }
    return c;
  }

  // TLS to the simulator on 127.0.0.1, checked as smsc.test against the test CA.
  SessionConfig TlsConfig() {
    SessionConfig c = Config();
    c.tls.enabled = true;
    c.tls.ca_file = pki_->Path("ca.pem");
    c.tls.server_name = "smsc.test";
    return c;
  }

  // The session failed at least `n` connections and never bound; nothing reached the SMSC.
  void ExpectRefusedTimes(uint64_t n) {
    ASSERT_TRUE(RunUntil([&] { return session_->stats().tls_failures >= n; }));
    EXPECT_GE(session_->stats().connects, n);  // it reconnects after each failure
    EXPECT_EQ(session_->stats().binds, 0u);
    EXPECT_EQ(sim_.binds(), 0);
    EXPECT_TRUE(sim_.received().empty());
    EXPECT_NE(session_->state(), SessionState::kBound);
  }

  static TestPki* pki_;
};

TestPki* SessionTlsTest::pki_ = nullptr;

TEST_F(SessionTlsTest, BindMoAndMtOverTls) {
  StartSession(TlsConfig());
  ASSERT_TRUE(RunUntil([&] { return Bound(); })) << LogText();
  EXPECT_TRUE(Logged("TLS up (TLSv1.")) << LogText();
  EXPECT_TRUE(Logged("certificate verified for smsc.test"));
  sim_.PushMo(Mo("255700000001", "PAY KPLC 123456 1500"));
  ASSERT_TRUE(RunUntil([&] { return sim_.mos()[0].acked(); }));
  ASSERT_EQ(sink_.seen.size(), 1u);
  const auto& d = std::get<DeliverSm>(sink_.seen[0].pdu.body);
  EXPECT_EQ(std::string(d.short_message.begin(), d.short_message.end()), "PAY KPLC 123456 1500");
  std::optional<SubmitResult> result;
  ASSERT_TRUE(
      session_->Submit(Mt("Paid KES 1,500"), [&](const SubmitResult& r) { result = r; }).ok());
  ASSERT_TRUE(RunUntil([&] { return result.has_value(); }));
  EXPECT_EQ(result->status, 0u);
  EXPECT_FALSE(result->message_id.empty());
  ASSERT_EQ(sim_.submits().size(), 1u);
  EXPECT_EQ(sim_.connections(), 1);
  EXPECT_EQ(session_->stats().tls_failures, 0u);
}

TEST_F(SessionTlsTest, IpLiteralHostIsCheckedAgainstTheIpEntries) {
  SessionConfig c = TlsConfig();
  c.tls.server_name.clear();  // host 127.0.0.1: the certificate lists IP:127.0.0.1
  StartSession(c);
  ASSERT_TRUE(RunUntil([&] { return Bound(); })) << LogText();
  EXPECT_TRUE(Logged("certificate verified for 127.0.0.1"));
}

TEST_F(SessionTlsTest, UnknownCaIsRefusedAndRetriedWithBackoff) {
  SessionConfig c = TlsConfig();
  c.tls.ca_file = pki_->Path("other-ca.pem");
  StartSession(c);
  ExpectRefusedTimes(2);
  EXPECT_TRUE(Logged("TLS handshake with smsc.test failed: unknown CA"));
  EXPECT_GE(sim_.tls_failures(), 1);
}

TEST_F(SessionTlsTest, NameMismatchIsRefused) {
  SessionConfig c = TlsConfig();
  c.tls.server_name = "other.test";
  StartSession(c);
  ExpectRefusedTimes(2);
  EXPECT_TRUE(Logged("TLS handshake with other.test failed: name mismatch (hostname mismatch)"));
}

// The SMSC presents a certificate from the right CA with the right name, but expired.
class SessionTlsExpiredTest : public SessionTlsTest {
 protected:
  SessionTlsExpiredTest() : SessionTlsTest("expired.pem") {}
};

TEST_F(SessionTlsExpiredTest, ExpiredCertificateIsRefused) {
  StartSession(TlsConfig());
  ExpectRefusedTimes(2);
  EXPECT_TRUE(
      Logged("TLS handshake with smsc.test failed: expired or not yet valid "
             "(certificate has expired)"))
      << LogText();
}

TEST_F(SessionTlsTest, VerifyOffConnectsAndSaysSoAtEveryConnect) {
  SessionConfig c = TlsConfig();
  c.tls.ca_file = pki_->Path("other-ca.pem");  // neither the chain nor the name would pass
  c.tls.server_name = "other.test";
  c.tls.verify = false;
  StartSession(c);
  ASSERT_TRUE(RunUntil([&] { return Bound(); })) << LogText();
  EXPECT_TRUE(Logged("certificate NOT verified"));
  auto warnings = [&] {
    int n = 0;
    for (const auto& l : log_) n += l.find("verification is OFF") != std::string::npos;
    return n;
  };
  EXPECT_EQ(warnings(), 1);
  sim_.DropConnection();
  ASSERT_TRUE(RunUntil([&] { return sim_.binds() == 2 && Bound(); }));
  EXPECT_EQ(warnings(), 2);
}

TEST_F(SessionTlsTest, PlainEsmeAgainstTlsSmscFailsCleanly) {
  StartSession(Config());  // no TLS: the bind_transceiver bytes are not a TLS handshake
  ASSERT_TRUE(RunUntil([&] { return sim_.tls_failures() >= 2; }));
  EXPECT_GE(session_->stats().connects, 2u);
  EXPECT_EQ(sim_.binds(), 0);
  EXPECT_TRUE(sim_.received().empty());
  EXPECT_NE(session_->state(), SessionState::kBound);
}

TEST_F(SessionTlsTest, TlsEsmeAgainstPlainSmscFailsOnProtocol) {
  SmscSimulator plain(io_, SmscSimConfig{});
  SessionConfig c = TlsConfig();
  c.port = plain.port();
  StartSession(c);
  ASSERT_TRUE(RunUntil([&] { return session_->stats().tls_failures >= 2; }));
  EXPECT_EQ(plain.binds(), 0);
  EXPECT_TRUE(Logged("TLS handshake with smsc.test failed: protocol: "));
}

TEST_F(SessionTlsTest, SilentPeerHandshakeTimesOut) {
  using boost::asio::ip::tcp;
  tcp::acceptor silent(io_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  std::vector<std::shared_ptr<tcp::socket>> held;  // accepted, never answered
  std::function<void()> accept = [&] {
    auto s = std::make_shared<tcp::socket>(io_);
    silent.async_accept(*s, [&, s](const boost::system::error_code& ec) {
      if (ec) return;
      held.push_back(s);
      accept();
    });
  };
  accept();
  SessionConfig c = TlsConfig();
  c.port = silent.local_endpoint().port();
  c.response_timeout = Millis(100);
  StartSession(c);
  ASSERT_TRUE(RunUntil([&] { return held.size() >= 2; }));
  EXPECT_TRUE(Logged("disconnected: TLS handshake: no answer in time"));
  EXPECT_NE(session_->state(), SessionState::kBound);
  silent.close();
}

TEST_F(SessionTlsTest, MissingCaFileIsASetupFailureBeforeConnecting) {
  SessionConfig c = TlsConfig();
  c.tls.ca_file = pki_->Path("absent.pem");
  EXPECT_FALSE(MakeSessionTlsContext(c.tls).ok());
  StartSession(c);
  ASSERT_TRUE(RunUntil([&] { return session_->stats().tls_failures >= 2; }));
  EXPECT_TRUE(Logged("TLS setup: cannot load CA file " + c.tls.ca_file));
  EXPECT_EQ(sim_.connections(), 0);
}

TEST_F(SessionTlsTest, StopUnbindsThenSendsCloseNotify) {
  StartSession(TlsConfig());
  ASSERT_TRUE(RunUntil([&] { return Bound(); })) << LogText();
  bool stopped = false;
  session_->Stop([&] { stopped = true; });
  ASSERT_TRUE(RunUntil([&] { return stopped; }));
  bool unbound = false;
  for (const Pdu& p : sim_.received()) unbound |= std::holds_alternative<Unbind>(p.body);
  EXPECT_TRUE(unbound);
  EXPECT_EQ(sim_.close_notifies(), 1);
  EXPECT_EQ(session_->state(), SessionState::kStopped);
}

TEST(SessionTlsConfigTest, TheDaemonPassesTheConnectionsTlsToEveryBind) {
  conf::SmppConnection c;
  c.name = "op";
  c.bind = conf::BindMode::kTransmitterReceiver;
  c.tls = conf::TlsConfig{true, "/etc/smsgw/op-ca.pem", "smsc.op.example", false};
  const std::vector<SessionConfig> binds = gateway::SessionConfigs(c);
  ASSERT_EQ(binds.size(), 2u);
  for (const SessionConfig& s : binds) {
    EXPECT_TRUE(s.tls.enabled);
    EXPECT_EQ(s.tls.ca_file, "/etc/smsgw/op-ca.pem");
    EXPECT_EQ(s.tls.server_name, "smsc.op.example");
    EXPECT_FALSE(s.tls.verify);
  }
  EXPECT_FALSE(gateway::SessionConfigs(conf::SmppConnection{}).front().tls.enabled);
}

}  // namespace
}  // namespace smsgw::smpp
