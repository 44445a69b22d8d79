// build/tools/phone_console as a process, driven the way scripts drive it: stdin through a
// pipe, the transcript read from stdout, and a gateway stand-in bound to it (the project's
// EsmeSession with a sink that answers every MO). Ports are chosen at run time (--port 0);
// waits are bounded and nothing asserts on durations.
#include <signal.h>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "gateway/smpp/command_status.h"
#include "gateway/smpp/delivery_receipt.h"
#include "gateway/smpp/reassembler.h"
#include "gateway/smpp/segmenter.h"
#include "gateway/smpp/session.h"
#include "gateway/smpp/user_data.h"
#include "gateway/smpp/ussd.h"
#include "tests/support/tool_process.h"

namespace smsgw::console {
namespace {

using smsgw::test::ToolProcess;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Answers every MO the way a gateway would, minus the payments: "echo: <text>" back to the
// sender, or "TO <msisdn> <text>" delivered to that phone. Long replies go out concatenated.
// Receipts are counted, acknowledged and not answered.
class EchoSink : public smpp::MoSink {
 public:
  void Deliver(std::vector<smpp::InboundMo> batch, Ack ack) override {
    std::vector<uint32_t> statuses;
    for (const smpp::InboundMo& mo : batch) {
      statuses.push_back(Handle(std::get<smpp::DeliverSm>(mo.pdu.body)));
    }
    ack(statuses);  // after the replies: they reach the SMSC first
  }

  std::shared_ptr<smpp::EsmeSession> session;
  std::vector<std::pair<std::string, std::string>> mos;  // sender, text
  std::vector<std::string> ussd;                         // "open *384#", "answer 1", "abort"
  int receipts = 0;
  int mt_parts = 0;

 private:
  // A one-question USSD menu: "*384#" opens it, "1" ends it with the balance, anything else is
  // asked again; "*999#" is refused as a gateway with no USSD handling does.
  uint32_t HandleUssd(const smpp::DeliverSm& d) {
    auto m = smpp::ReadUssd(d, conf::UssdDialogue::kItsSessionInfo);
    EXPECT_TRUE(m.ok());
    if (!m.ok()) return smpp::ToWire(smpp::CommandStatus::kRxPAppn);
    const std::string text(m->text.begin(), m->text.end());
    ussd.push_back(std::string(smpp::UssdKindName(m->kind)) +
                   (m->kind == smpp::UssdKind::kAbort ? "" : " " + text));
    if (text == "*999#") return smpp::ToWire(smpp::CommandStatus::kRxTAppn);
    if (m->kind == smpp::UssdKind::kAbort) return 0;
    const bool end = m->kind == smpp::UssdKind::kAnswer && text == "1";
    auto sm =
        smpp::MakeUssdSubmit({d.source.value, d.destination.value, m->dialogue,
                              end ? "Balance: KES 10,000.00" : "Habari\n1. Balance\n2. Exit", end},
                             conf::UssdDialogue::kItsSessionInfo);
    EXPECT_TRUE(sm.ok());
    EXPECT_TRUE(session->Submit(std::move(*sm), [](const smpp::SubmitResult&) {}).ok());
    return 0;
  }

  uint32_t Handle(const smpp::DeliverSm& d) {
    if (smpp::IsUssd(d)) return HandleUssd(d);
    if ((d.esm_class & smpp::kEsmMessageTypeMask) == smpp::kEsmDeliveryReceipt) {
      ++receipts;
      return 0;
    }
    auto data = smpp::ExtractUserData(d);
    EXPECT_TRUE(data.ok());
    if (!data.ok()) return 0;
    auto added = reassembler_.Add("sim", d.source.value, d.destination.value, std::move(*data),
                                  Clock::now());
    if (!added.message) return 0;
    auto text = smpp::JoinedText(*added.message);
    EXPECT_TRUE(text.ok());
    if (!text.ok()) return 0;
    mos.emplace_back(d.source.value, *text);
    std::string to = d.source.value;
    std::string reply = "echo: " + *text;
    static const std::regex kTo("TO (\\d+) (.*)");
    if (std::smatch m; std::regex_match(*text, m, kTo)) {
      to = m[1];
      reply = m[2];
    }
    Reply(d.destination.value, to, reply);
    return 0;
  }
  void Reply(const std::string& from, const std::string& to, const std::string& text) {
    auto segmented = smpp::SegmentText(text, next_reference_++);
    ASSERT_TRUE(segmented.ok());
    for (auto& part : segmented->parts) {
      smpp::SubmitSm sm;
      sm.source = {3, 0, from};
      sm.destination = {1, 1, to};
      sm.esm_class = segmented->esm_class;
      sm.data_coding = segmented->data_coding;
      sm.registered_delivery = 1;
      sm.short_message = std::move(part);
      ASSERT_TRUE(session->Submit(std::move(sm), [](const smpp::SubmitResult&) {}).ok());
      ++mt_parts;
    }
  }

  smpp::Reassembler reassembler_;
  uint8_t next_reference_ = 200;
};

class ConsoleProcessTest : public ::testing::Test {
 protected:
  // Runs the loop and reads the console until `done` holds or 20 s pass; returns done().
  bool RunUntil(const std::function<bool()>& done) {
    const auto limit = Clock::now() + seconds(20);
    while (!done() && Clock::now() < limit) {
      io_.restart();
      io_.run_for(milliseconds(5));
      if (console_) console_->Drain();
    }
    return done();
  }
  // Starts the console and returns the port it listens on, from its "waiting" line.
  uint16_t StartConsole(std::vector<std::string> args) {
    console_ = std::make_unique<ToolProcess>("phone_console", std::move(args));
    if (!console_->started()) return 0;
    static const std::regex kWaiting("waiting for the gateway to bind on 127\\.0\\.0\\.1:(\\d+)");
    std::smatch m;
    if (!RunUntil([&] { return std::regex_search(console_->out(), m, kWaiting); })) return 0;
    return static_cast<uint16_t>(std::stoi(m[1]));
  }
  void Bind(uint16_t port) {
    smpp::SessionConfig c;
    c.name = "console";
    c.port = port;
    c.system_id = "smsgw";
    c.password = "secret";
    c.reconnect_min = milliseconds(10);
    c.reconnect_max = milliseconds(100);
    c.stop_timeout = milliseconds(500);
    sink_.session = smpp::EsmeSession::Create(io_, c, sink_);
    sink_.session->Start();
  }
  // Waits for the exit status (-1 if none within the limit), draining the pipes.
  int Exit() {
    int status = -1;
    RunUntil([&] { return (status = console_->TryWait()) >= 0; });
    console_->Drain();
    return status;
  }
  void TearDown() override {
    if (sink_.session) {
      bool stopped = false;
      sink_.session->Stop([&] { stopped = true; });
      RunUntil([&] { return stopped; });
    }
  }

  boost::asio::io_context io_;
  EchoSink sink_;
  std::unique_ptr<ToolProcess> console_;
};

TEST_F(ConsoleProcessTest, ScriptedSessionReadsLikeATranscript) {
  const uint16_t port = StartConsole({"--port", "0", "--reply-wait", "300ms"});
  ASSERT_NE(port, 0) << console_->out() << console_->err();
  EXPECT_NE(console_->out().find("254700000001  AMINA WANJIKU"), std::string::npos);
  const std::string long_text(200, 'x');  // two MO parts, and a two-part echo
  ASSERT_TRUE(
      console_->Write("BAL\n/as 254700000002\nPAY KPLC 123456 1500\nTO 254700000003 hello\n" +
                      long_text + "\nHabari 😀\n\n/nope\n"));
  console_->CloseStdin();
  Bind(port);
  ASSERT_EQ(Exit(), 0) << console_->out() << console_->err();

  const std::string out = console_->out();
  const size_t bound = out.find("gateway bound (system_id smsgw)\n");
  ASSERT_NE(bound, std::string::npos) << out;
  EXPECT_EQ(out.substr(bound),
            "gateway bound (system_id smsgw)\n"
            "phone 254700000001> BAL\n"
            "  <- 20555: echo: BAL\n"
            "phone 254700000001> /as 254700000002\n"
            "  now typing as 254700000002 (BRIAN OTIENO)\n"
            "phone 254700000002> PAY KPLC 123456 1500\n"
            "  <- 20555: echo: PAY KPLC 123456 1500\n"
            "phone 254700000002> TO 254700000003 hello\n"
            "  <- 20555 to 254700000003: hello\n"
            "phone 254700000002> " +
                long_text +
                "\n"
                "  <- 20555: echo: " +
                long_text +
                "\n"
                "phone 254700000002> Habari 😀\n"
                "  <- 20555: echo: Habari 😀\n"
                "phone 254700000002> \n"
                "phone 254700000002> /nope\n"
                "  unknown console command /nope; /help lists them\n");
  EXPECT_EQ(console_->err(), "");

  // What the gateway received: the right senders, texts decoded (UCS-2, two-part MO).
  using Mo = std::pair<std::string, std::string>;
  EXPECT_EQ(sink_.mos, (std::vector<Mo>{{"254700000001", "BAL"},
                                        {"254700000002", "PAY KPLC 123456 1500"},
                                        {"254700000002", "TO 254700000003 hello"},
                                        {"254700000002", long_text},
                                        {"254700000002", "Habari 😀"}}));
  // Every MT part asked for a receipt and got one.
  EXPECT_TRUE(RunUntil([&] { return sink_.receipts == sink_.mt_parts; }))
      << sink_.receipts << " of " << sink_.mt_parts;
}

TEST_F(ConsoleProcessTest, UssdDialogueAnsweredUntilTheGatewayEndsIt) {
  const uint16_t port = StartConsole({"--port", "0", "--reply-wait", "300ms"});
  ASSERT_NE(port, 0) << console_->out() << console_->err();
  ASSERT_TRUE(console_->Write("*384#\n7\n1\nBAL\n*384#\n/cancel\n*999#\n/ussd 384\n"));
  console_->CloseStdin();
  Bind(port);
  ASSERT_EQ(Exit(), 0) << console_->out() << console_->err();

  const std::string out = console_->out();
  const size_t bound = out.find("gateway bound (system_id smsgw)\n");
  ASSERT_NE(bound, std::string::npos) << out;
  EXPECT_EQ(out.substr(bound),
            "gateway bound (system_id smsgw)\n"
            "phone 254700000001> *384#\n"
            "  [USSD 384] Habari\n"
            "             1. Balance\n"
            "             2. Exit\n"
            "phone 254700000001> 7\n"
            "  [USSD 384] Habari\n"
            "             1. Balance\n"
            "             2. Exit\n"
            "phone 254700000001> 1\n"
            "  [USSD 384] Balance: KES 10,000.00\n"
            "  [USSD session ended]\n"
            "phone 254700000001> BAL\n"  // the session is over: an SMS again
            "  <- 20555: echo: BAL\n"
            "phone 254700000001> *384#\n"
            "  [USSD 384] Habari\n"
            "             1. Balance\n"
            "             2. Exit\n"
            "phone 254700000001> /cancel\n"
            "  [USSD session ended]\n"
            "phone 254700000001> *999#\n"
            "  [USSD] connection problem or invalid MMI code (the gateway answered "
            "ESME_RX_T_APPN)\n"
            "phone 254700000001> /ussd 384\n"
            "  /ussd needs a USSD code such as *384# or *384*12#\n");
  EXPECT_EQ(sink_.ussd, (std::vector<std::string>{"open *384#", "answer 7", "answer 1",
                                                  "open *384#", "abort", "open *999#"}));
}

TEST_F(ConsoleProcessTest, LinesWaitForTheBind) {
  const uint16_t port = StartConsole({"--port", "0", "--reply-wait", "300ms"});
  ASSERT_NE(port, 0) << console_->err();
  ASSERT_TRUE(console_->Write("BAL\n"));
  console_->CloseStdin();
  // Nothing is echoed while no gateway is bound; the line is sent once one binds.
  for (int i = 0; i < 20; ++i) {
    io_.run_for(milliseconds(5));
    console_->Drain();
  }
  EXPECT_EQ(console_->out().find("phone 254700000001> BAL"), std::string::npos);
  Bind(port);
  ASSERT_EQ(Exit(), 0) << console_->err();
  EXPECT_NE(console_->out().find("phone 254700000001> BAL\n  <- 20555: echo: BAL\n"),
            std::string::npos)
      << console_->out();
}

TEST_F(ConsoleProcessTest, NoBindWithinTheLimitExitsOne) {
  ASSERT_NE(StartConsole({"--port", "0", "--wait-bind", "200ms"}), 0);
  ASSERT_EQ(Exit(), 1);
  EXPECT_NE(console_->err().find("the gateway did not bind to 127.0.0.1:"), std::string::npos)
      << console_->err();
  EXPECT_NE(console_->err().find(" within 200ms"), std::string::npos) << console_->err();
}

TEST_F(ConsoleProcessTest, QuitStopsWithoutWaiting) {
  const uint16_t port = StartConsole({"--port", "0", "--reply-wait", "300ms"});
  ASSERT_NE(port, 0);
  Bind(port);
  ASSERT_TRUE(console_->Write("/quit\nBAL\n"));  // stdin left open: /quit alone ends it
  ASSERT_EQ(Exit(), 0) << console_->err();
  EXPECT_EQ(console_->out().find("BAL\n"), std::string::npos);
  EXPECT_TRUE(sink_.mos.empty());
}

TEST_F(ConsoleProcessTest, SigtermEndsIt) {
  ASSERT_NE(StartConsole({"--port", "0"}), 0);
  console_->Signal(SIGTERM);
  EXPECT_EQ(Exit(), 128 + SIGTERM);
}

TEST_F(ConsoleProcessTest, TakenPortIsReported) {
  const uint16_t port = StartConsole({"--port", "0"});
  ASSERT_NE(port, 0);
  ToolProcess second("phone_console", {"--port", std::to_string(port)});
  ASSERT_TRUE(second.started());
  int status = -1;
  RunUntil([&] {
    second.Drain();
    return (status = second.TryWait()) >= 0;
  });
  second.Drain();
  EXPECT_EQ(status, 1);
  EXPECT_NE(second.err().find("cannot listen on 127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << second.err();
}

TEST_F(ConsoleProcessTest, BadCommandLineExitsTwo) {
  console_ =
      std::make_unique<ToolProcess>("phone_console", std::vector<std::string>{"--reply-wait", "2"});
  ASSERT_EQ(Exit(), 2);
  EXPECT_NE(console_->err().find("--reply-wait"), std::string::npos);
}

}  // namespace
}  // namespace smsgw::console
