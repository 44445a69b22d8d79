// What the session's bind says to the SMSC.
#include <gtest/gtest.h>

#include "gateway/daemon/session_configs.h"
#include "tests/smpp_session/session_fixture.h"

namespace smsgw::smpp {
namespace {

class SessionBindTest : public SessionFixture {
 protected:
  const BindRequest* FirstBind() const {
    for (const Pdu& pdu : sim_.received()) {
      if (const auto* bind = std::get_if<BindRequest>(&pdu.body)) return bind;
    }
    return nullptr;
  }
};

TEST_F(SessionBindTest, BindCarriesTheConfiguredInterfaceVersion) {
  SessionConfig c = Config();
  c.interface_version = 0x33;
  StartSession(c);
  ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  const BindRequest* bind = FirstBind();
  ASSERT_NE(bind, nullptr);
  EXPECT_EQ(bind->interface_version, 0x33);
}

TEST_F(SessionBindTest, BindSays34ByDefault) {
  StartSession(Config());
  ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  const BindRequest* bind = FirstBind();
  ASSERT_NE(bind, nullptr);
  EXPECT_EQ(bind->interface_version, kInterfaceVersion34);
}

// A generic_nack to the bind is a refusal, even with status 0: the SMSC did not take it.
TEST_F(SessionBindTest, GenericNackToTheBindIsNoBind) {
  sim_.config().nack_binds = true;
  StartSession(Config());
  ASSERT_TRUE(RunUntil([&] {
    return session_->stats().bind_refusals >= 1 || session_->state() == SessionState::kBound;
  }));
  EXPECT_NE(session_->state(), SessionState::kBound);
  EXPECT_EQ(session_->stats().binds, 0u);
  EXPECT_TRUE(Logged("bind refused with generic_nack")) << LogText();
}

// on_bound runs on every successful bind, the first and each after a drop, once kBound.
TEST_F(SessionBindTest, OnBoundRunsOnEveryBind) {
  SessionConfig c = Config();
  int bound = 0;
  c.on_bound = [&] {
    EXPECT_EQ(session_->state(), SessionState::kBound);
    ++bound;
  };
  StartSession(c);
  ASSERT_TRUE(RunUntil([&] { return bound == 1 && Bound(); }));
  sim_.DropConnection();
  ASSERT_TRUE(RunUntil([&] { return sim_.binds() == 2 && Bound(); }));
  Settle();
  EXPECT_EQ(bound, 2);
}

// smpp.connections[].interface_version reaches every bind of the connection.
TEST(SessionConfigsTest, CarryTheConnectionsInterfaceVersion) {
  conf::SmppConnection c;
  EXPECT_EQ(gateway::SessionConfigs(c).front().interface_version, kInterfaceVersion34);
  c.interface_version = 0x33;
  c.bind = conf::BindMode::kTransmitterReceiver;
  const std::vector<SessionConfig> binds = gateway::SessionConfigs(c);
  ASSERT_EQ(binds.size(), 2u);
  for (const SessionConfig& s : binds) EXPECT_EQ(s.interface_version, 0x33);
}

// smpp.connections[].stop_timeout bounds each bind's Stop().
TEST(SessionConfigsTest, CarryTheConnectionsStopTimeout) {
  conf::SmppConnection c;
  c.response_timeout = std::chrono::seconds(20);
  c.stop_timeout = std::chrono::seconds(25);
  c.bind = conf::BindMode::kTransmitterReceiver;
  for (const SessionConfig& s : gateway::SessionConfigs(c))
    EXPECT_EQ(s.stop_timeout, Millis(25000));
}

}  // namespace
}  // namespace smsgw::smpp
