// The daemon with backend.type http against the test backend on loopback: payments over the
// signed API, a backend that fails and recovers, SIGKILL with instructions in flight (each
// still applied exactly once, counted by Idempotency-Key), and the signed push endpoint.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "gateway/request_signing.h"
#include "store/crypto.h"
#include "tests/daemon/daemon_fixture.h"
#include "tests/support/backend_sim.h"

namespace smsgw::daemon_test {
namespace {

namespace http = boost::beast::http;

const std::string kKey(32, 'K');  // the shared key's raw bytes

// The test backend names a key by its own id (store::Key::id); so does the daemon's config.
std::string KeyId() {
  return store::Key::FromBytes(kKey)->id();
}

std::string Hex(const std::string& bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

class HttpBackendTest : public DaemonTest {
 protected:
  void SetUp() override {
    test::BackendSimOptions options;
    options.key = kKey;
    ConfigureBackend(options);
    backend_ = std::make_unique<test::BackendSim>(options);
    ASSERT_TRUE(backend_->Start().ok());
    const std::string key_file = dir_.File("backend-hmac.key");
    std::ofstream(key_file) << Hex(kKey) << "\n";
    ::chmod(key_file.c_str(), 0600);
    DaemonTest::SetUp();
  }
  void TearDown() override {
    DaemonTest::TearDown();
    backend_->Stop();
  }

  virtual void ConfigureBackend(test::BackendSimOptions&) {}

  std::string ConfigText() override {
    std::string text = DaemonTest::ConfigText();
    const size_t from = text.find("backend:\n");
    const size_t to = text.find("store:\n");
    text.replace(from, to - from,
                 "backend:\n"
                 "  type: http\n"
                 "  http:\n"
                 "    url: http://127.0.0.1:" +
                     std::to_string(backend_->port()) +
                     "\n"
                     "    key_id: " +
                     KeyId() +
                     "\n"
                     "    hmac_key_file: backend-hmac.key\n"
                     "    request_timeout: 1s\n"
                     "    backoff_min: 100ms\n"
                     "    backoff_max: 500ms\n"
                     "    circuit_breaker_threshold: 50\n");
    return text;
  }

  // POSTs a signed push to the daemon's admin port; the HTTP status.
  int Push(const std::string& id, const std::string& body, const std::string& key = kKey) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    boost::system::error_code ec;
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(admin_port_)},
                   ec);
    if (ec) return 0;
    http::request<http::string_body> req(http::verb::post, "/v1/push", 11);
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/json");
    req.set("Idempotency-Key", id);
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    gateway::RequestSigner signer(KeyId(), store::SecretBytes(std::string(key)));
    req.set("X-Smsgw-Signature", signer.Sign({"POST", "/v1/push", 0, id, body}, now));
    req.body() = body;
    req.prepare_payload();
    http::write(socket, req, ec);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(socket, buffer, res, ec);
    return ec ? 0 : static_cast<int>(res.result_int());
  }

  std::unique_ptr<test::BackendSim> backend_;
};

TEST_F(HttpBackendTest, APaymentGoesToTheBankOnceAndTheConfirmationComesBack) {
  StartDaemon();
  const std::string challenge = Say(kAmina, "PAY KPLC 123456 1500");
  const std::string code = CodeIn(challenge);
  ASSERT_FALSE(code.empty()) << challenge;
  const std::string done = Say(kAmina, code + " " + kDemoPin);
  EXPECT_TRUE(Has(done, "KPLC")) << done;
  EXPECT_EQ(StopDaemon(), 0);
  const test::BackendSimStats stats = backend_->stats();
  EXPECT_EQ(stats.applied, 1u);
  ASSERT_EQ(stats.applications.size(), 1u);
  EXPECT_EQ(stats.applications.begin()->second, 1);
  EXPECT_EQ(stats.auth_failures, 0u) << "every request was signed with the shared key";
  EXPECT_FALSE(Has(Log(), " 1234")) << "the PIN went to the bank, not to the log";
}

TEST_F(HttpBackendTest, EveryShippedCommandTravelsToTheBankAndBackAsAnSms) {
  StartDaemon();
  // Challenged commands: the text, then "<code> <PIN>"; each ends with one instruction.
  const std::vector<std::pair<std::string, std::string>> challenged = {
      {kAmina, "PAY KPLC 123456 1500"},
      {kAmina, "SEND 0700000002 500"},
      {kAmina, "WITHDRAW 123456 1000"},
      {kAmina, "TOPUP 100"},
      {kAmina, "BAL"},
      {kAmina, "MINI"},
      {kDavid, "REG 1000000004"},
      {kBrian, "LIPA KPLC 654321 200"},
  };
  for (const auto& [from, text] : challenged) {
    const std::string reply = WithPin(from, text);
    EXPECT_FALSE(Has(reply, "<no")) << text << ": " << reply;
  }
  // PIN change: old and new PIN each in answer to their own challenge; one instruction.
  const std::string old_code = CodeIn(Say(kBrian, "PIN"));
  ASSERT_FALSE(old_code.empty());
  const std::string new_code = CodeIn(Say(kBrian, old_code + " " + kDemoPin));
  ASSERT_FALSE(new_code.empty());
  EXPECT_FALSE(Has(Say(kBrian, new_code + " 9731"), "<no"));
  // LOCK goes to the bank without a PIN; HELP, STOP and CANCEL never reach it.
  EXPECT_FALSE(Has(Say("254700000003", "LOCK"), "<no"));
  EXPECT_FALSE(Has(Say(kAmina, "HELP"), "<no"));
  const std::string cancel_code = CodeIn(Say(kAmina, "PAY KPLC 777 100"));
  ASSERT_FALSE(cancel_code.empty());
  EXPECT_FALSE(Has(Say(kAmina, "CANCEL " + cancel_code), "<no"));
  EXPECT_FALSE(Has(Say(kAmina, "STOP"), "<no"));
  EXPECT_EQ(StopDaemon(), 0);

  const test::BackendSimStats stats = backend_->stats();
  EXPECT_EQ(stats.applications.size(), challenged.size() + 2) << "one instruction per command";
  for (const auto& [key, times] : stats.applications) EXPECT_EQ(times, 1) << key;
  const std::string log = Log();
  EXPECT_FALSE(
      std::regex_search(log, std::regex("(^|[^0-9A-Za-z])(1234|9731|1000000004)($|[^0-9A-Za-z])")))
      << "a PIN or an account number reached the log";
  EXPECT_FALSE(Has(log, Hex(kKey))) << "the HMAC key reached the log";
}

class FailingBackendTest : public HttpBackendTest {
 protected:
  void ConfigureBackend(test::BackendSimOptions& options) override {
    options.fail_rate = 0.4;
    options.fail_mode = test::SimFault::kResetAfterApply;  // applied, answer lost
    options.seed = 7;
  }
};

TEST_F(FailingBackendTest, LostAnswersAreRetriedWithTheSameKeyAndAppliedOnce) {
  StartDaemon();
  constexpr int kPhones = 12;
  for (int i = 0; i < kPhones; ++i)
    sim_->SendText("2547005000" + std::to_string(10 + i), kShortCode, "LOCK");
  for (int i = 0; i < kPhones; ++i) {
    EXPECT_EQ(sim_->WaitMessagesTo("2547005000" + std::to_string(10 + i), 1, 30s).size(), 1u) << i;
  }
  EXPECT_EQ(StopDaemon(), 0);
  const test::BackendSimStats stats = backend_->stats();
  EXPECT_EQ(stats.applications.size(), static_cast<size_t>(kPhones));
  int retried = 0;
  for (const auto& [key, times] : stats.applications) {
    EXPECT_EQ(times, 1) << key;
    retried += stats.attempts.at(key) > 1 ? 1 : 0;
  }
  EXPECT_GT(retried, 0) << "the fault rate should have forced retries";
}

// The store's instruction retry policy is built at start: a reload that raises max_attempts
// waits for a restart, and the engine goes on counting as the store does, so the instruction
// the store dead-letters at the running count gets its reply.
class ReloadedAttemptsTest : public HttpBackendTest {
 protected:
  std::string ConfigText() override {
    std::string text = HttpBackendTest::ConfigText();
    const std::string at = "    circuit_breaker_threshold: 50\n";
    text.replace(text.find(at), at.size(), at + "    max_attempts: " + attempts_ + "\n");
    return text;
  }
  std::string attempts_ = "2";
};

TEST_F(ReloadedAttemptsTest, MoreAttemptsByReloadWaitForARestartAndTheDeadLetterIsAnswered) {
  StartDaemon();
  attempts_ = "5";
  std::ofstream(config_) << ConfigText();
  daemon_->Signal(SIGHUP);
  ASSERT_TRUE(test::WaitFor([&] { return Has(Log(), "event=reload.done"); }, 20s));
  EXPECT_TRUE(Has(Log(), "event=reload.needs_restart key=backend.http.max_attempts")) << Log();

  backend_->ScriptNext(std::vector<test::SimFault>(10, test::SimFault::kError500));
  const std::string phone = "254700700010";
  sim_->SendText(phone, kShortCode, "LOCK");
  auto got = sim_->WaitMessagesTo(phone, 1, 20s);
  ASSERT_EQ(got.size(), 1u) << "the store gave up after 2 attempts: the subscriber is told";
  EXPECT_TRUE(Has(got[0].text, "delayed")) << got[0].text;
  EXPECT_EQ(StopDaemon(), 0);
  const test::BackendSimStats stats = backend_->stats();
  ASSERT_EQ(stats.attempts.size(), 1u);
  EXPECT_EQ(stats.attempts.begin()->second, 2) << "the running max_attempts";
}

TEST_F(HttpBackendTest, SigkillWithInstructionsInFlightAppliesEachExactlyOnce) {
  StartDaemon();
  constexpr int kPhones = 8;
  backend_->ScriptNext(std::vector<test::SimFault>(kPhones, test::SimFault::kHold));
  for (int i = 0; i < kPhones; ++i)
    sim_->SendText("2547006000" + std::to_string(10 + i), kShortCode, "LOCK");
  ASSERT_TRUE(test::WaitFor([&] { return backend_->stats().held == kPhones; }, 30s))
      << "held: " << backend_->stats().held;
  daemon_->Kill();  // every instruction applied at the bank, none answered
  backend_->ReleaseHeld();
  const int binds = sim_->binds();
  daemon_ = std::make_unique<test::ChildProcess>(
      SmsgwBin(), std::vector<std::string>{"run", "--config", config_}, log_);
  ASSERT_TRUE(test::WaitFor([&] { return sim_->binds() > binds; }, 30s));
  for (int i = 0; i < kPhones; ++i) {
    EXPECT_EQ(sim_->WaitMessagesTo("2547006000" + std::to_string(10 + i), 1, 30s).size(), 1u) << i;
  }
  EXPECT_EQ(StopDaemon(), 0);
  const test::BackendSimStats stats = backend_->stats();
  ASSERT_EQ(stats.applications.size(), static_cast<size_t>(kPhones));
  for (const auto& [key, times] : stats.applications) {
    EXPECT_EQ(times, 1) << key;
    EXPECT_GE(stats.attempts.at(key), 2) << key << " was sent again after the restart";
  }
  EXPECT_EQ(stats.replayed, static_cast<uint64_t>(kPhones))
      << "the second sends got the stored answers";
}

TEST_F(HttpBackendTest, ASignedBillNoticeBecomesOneSmsAndABadSignatureIsRefused) {
  StartDaemon();
  const std::string body =
      R"({"type":"bill_notice","notice_id":"N-2026-11-0001","msisdn":")" + std::string(kBrian) +
      R"(","biller":"KPLC","bill_ref":"123456","amount":150000,"due":"30 Nov"})";
  EXPECT_EQ(Push("N-2026-11-0001", body, std::string(32, 'X')), 401);
  EXPECT_EQ(Push("N-2026-11-0001", body), 200);
  auto got = sim_->WaitMessagesTo(kBrian, 1, 20s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(Has(got[0].text, "KPLC")) << got[0].text;
  EXPECT_TRUE(Has(got[0].text, "1,500.00")) << got[0].text;
  EXPECT_EQ(Push("N-2026-11-0001", body), 200) << "a repeat is answered, not queued again";
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(sim_->MessagesTo(kBrian).size(), 1u);
  EXPECT_EQ(Push("N-bad", "{not json"), 400);
  EXPECT_EQ(StopDaemon(), 0);
  const std::string log = Log();
  EXPECT_FALSE(std::regex_search(log, std::regex("(^|[^0-9A-Za-z])123456($|[^0-9A-Za-z])")))
      << "the bill reference (an account at the biller) reached the log";
  EXPECT_FALSE(Has(log, Hex(kKey)) || Has(log, Hex(std::string(32, 'X'))) || Has(log, "sig="))
      << "a key or a signature reached the log";
}

// STOP reaches the store: a bill notice pushed afterwards is recorded but sent to nobody who
// stopped, and still sent to whoever did not.
TEST_F(HttpBackendTest, NoBillNoticeReachesASubscriberWhoSentStop) {
  StartDaemon();
  EXPECT_FALSE(Has(Say(kAmina, "STOP"), "<no"));
  auto notice = [](const std::string& id, const std::string& msisdn) {
    return R"({"type":"bill_notice","notice_id":")" + id + R"(","msisdn":")" + msisdn +
           R"(","biller":"KPLC","bill_ref":"123456","amount":150000,"due":"30 Nov"})";
  };
  const size_t before = sim_->MessagesTo(kAmina).size();
  EXPECT_EQ(Push("N-stop-1", notice("N-stop-1", kAmina)), 200);
  EXPECT_EQ(Push("N-stop-2", notice("N-stop-2", kBrian)), 200);
  ASSERT_EQ(sim_->WaitMessagesTo(kBrian, 1, 20s).size(), 1u);
  std::this_thread::sleep_for(500ms);  // the stopped subscriber's notice was handled first
  EXPECT_EQ(sim_->MessagesTo(kAmina).size(), before);
  EXPECT_EQ(StopDaemon(), 0);
}

}  // namespace
}  // namespace smsgw::daemon_test
