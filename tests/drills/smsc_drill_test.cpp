// Drills against a misbehaving SMSC: the link dropped mid-window, a black hole (the socket
// stays, nothing is answered), generic_nack to everything, and an unbind from the SMSC.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <set>
#include <thread>
#include <variant>

#include "tests/drills/drill_fixture.h"
#include "tests/drills/tcp_fault_proxy.h"

namespace smsgw::drills {
namespace {

using Sim = smpp::testing::SmscSimulator;

class SmscDrill : public DrillTest {
 protected:
  // Replies per phone, for phones 0..n-1.
  std::map<std::string, int> RepliesPerPhone(int n) {
    std::map<std::string, int> per;
    for (int i = 0; i < n; ++i) per[Phone(i)] = 0;
    for (const test::PhoneMessage& m : sim_->Messages()) {
      if (per.count(m.to) != 0) ++per[m.to];
    }
    return per;
  }

  bool EveryPhoneAnswered(int n) {
    for (const auto& [phone, count] : RepliesPerPhone(n)) {
      if (count == 0) return false;
    }
    return true;
  }

  size_t PdusReceived(const std::function<bool(const smpp::Pdu&)>& match) {
    size_t n = 0;
    sim_->Run([&](Sim& sim) {
      for (const smpp::Pdu& p : sim.received()) n += match(p) ? 1 : 0;
    });
    return n;
  }
};

// 200 MOs with at most 20 in flight; the SMSC drops the TCP connection (no unbind) four times
// while they flow. Every MO must end acknowledged, stored once and processed once.
TEST_F(SmscDrill, LinkDroppedMidWindowLosesNoMoAndProcessesNoneTwice) {
  constexpr int kMos = 200;
  constexpr int kRounds = 4;
  sim_->Run([](Sim& sim) { sim.config().mo_window = 20; });
  StartDaemon();
  int drops = 0;
  for (int round = 0; round < kRounds; ++round) {
    ASSERT_TRUE(test::WaitFor([&] { return sim_->bound(); }, 10s)) << "round " << round;
    const size_t acked = sim_->acked_mos();
    for (int i = round * kMos / kRounds; i < (round + 1) * kMos / kRounds; ++i) {
      // Every fourth is an instruction for the ledger; the rest get a usage reply.
      sim_->SendText(Phone(i), kShortCode, i % 4 == 3 ? "LOCK" : "HELP");
    }
    // Mid-window: some of this round acknowledged, the rest in flight or waiting.
    test::WaitFor([&] { return sim_->acked_mos() >= acked + 5; }, 10s);
    sim_->Run([](Sim& sim) { sim.DropConnection(); });
    ++drops;
  }
  ASSERT_TRUE(test::WaitFor([&] { return sim_->acked_mos() == kMos; }, 60s))
      << sim_->acked_mos() << " of " << kMos << " acknowledged";
  ASSERT_TRUE(test::WaitFor([&] { return EveryPhoneAnswered(kMos); }, 60s));
  // The last drop may come after everything was answered: its new bind is waited for, not
  // raced by the daemon's stop.
  EXPECT_TRUE(test::WaitFor([&] { return sim_->binds() >= 1 + drops; }, 10s))
      << "a new bind after every drop: " << sim_->binds() << " binds, " << drops << " drops";
  EXPECT_EQ(StopDaemon(), 0);

  int extra_replies = 0;
  for (const auto& [phone, count] : RepliesPerPhone(kMos)) extra_replies += count - 1;
  const store::StoreStats stats = StoreStats();
  EXPECT_EQ(Total(stats.inbound), kMos) << "each MO stored once, redeliveries included";
  EXPECT_EQ(Count(stats.inbound, "new"), 0) << "and each processed";
  EXPECT_EQ(Total(stats.instructions), kMos / 4) << "one instruction per LOCK, none doubled";
  EXPECT_EQ(Count(stats.instructions, "pending") + Count(stats.instructions, "in_flight"), 0);
  std::cout << "[drill] " << drops << " drops, " << sim_->binds() << " binds, "
            << sim_->redelivered_mos() << " MOs redelivered, " << extra_replies
            << " replies sent twice (submit outcome unknown at the drop)\n";
}

// The SMSC keeps the socket and stops answering (enquire_link and submit_sm). The
// enquire_link timer and the response deadline find it; the daemon reconnects, and once the
// SMSC answers again a subscriber is served.
TEST_F(SmscDrill, BlackHoleIsFoundByEnquireLinkAndTheDaemonReconnects) {
  StartDaemon();
  EXPECT_FALSE(Has(Say(Phone(0), "HELP"), "<no")) << "served before the fault";
  const int binds = sim_->binds();
  sim_->Run([](Sim& sim) {
    sim.config().answer_enquire_link = false;
    sim.config().answer_submits = false;
  });
  // enquire_link every 1 s, 500 ms to answer: the link is given up within about 1.5 s.
  ASSERT_TRUE(test::WaitFor([&] { return Has(Log(), "no enquire_link_resp in time"); }, 10s))
      << "the dead link was not noticed";
  ASSERT_TRUE(test::WaitFor([&] { return sim_->binds() > binds; }, 10s)) << "no reconnect";

  sim_->Run([](Sim& sim) {
    sim.config().answer_enquire_link = true;
    sim.config().answer_submits = true;
  });
  const int binds_after = sim_->binds();
  EXPECT_FALSE(Has(Say(Phone(1), "HELP"), "<no")) << "served after the fault";
  // Once answering, the link holds: a few enquire_link periods without a new bind.
  std::this_thread::sleep_for(3s);
  EXPECT_LE(sim_->binds(), binds_after + 1) << "the link kept dropping after the SMSC recovered";
  EXPECT_EQ(StopDaemon(), 0);
  std::cout << "[drill] binds: " << binds << " before the black hole, " << sim_->binds()
            << " at the end\n";
}

// The SMSC answers every request after bind with generic_nack (ESME_RINVCMDID): MOs still
// come in and are acknowledged and stored; replies are not lost: once the SMSC answers
// properly they are sent.
class GenericNackDrill : public SmscDrill {
 protected:
  std::string ConfigText() override {
    proxy_ = std::make_unique<TcpFaultProxy>(sim_->port());
    return Replaced(SmscDrill::ConfigText(), "port: " + std::to_string(sim_->port()),
                    "port: " + std::to_string(proxy_->port()));
  }
  void TearDown() override {
    SmscDrill::TearDown();
    proxy_.reset();
  }
  std::unique_ptr<TcpFaultProxy> proxy_;
};

TEST_F(GenericNackDrill, GenericNackToEverythingLosesNoMoAndNoReply) {
  constexpr int kMos = 10;
  StartDaemon();
  proxy_->set_mode(TcpFaultProxy::Mode::kSmppNack);
  for (int i = 0; i < kMos; ++i) sim_->SendText(Phone(i), kShortCode, "HELP");
  ASSERT_TRUE(test::WaitFor([&] { return sim_->acked_mos() == kMos; }, 20s))
      << sim_->acked_mos() << " of " << kMos << " acknowledged while submits were nacked";
  // Each reply tried at least once and nacked; none reached the SMSC.
  ASSERT_TRUE(test::WaitFor([&] { return proxy_->nacks() >= kMos; }, 20s));
  EXPECT_TRUE(sim_->Messages().empty());
  std::this_thread::sleep_for(2s);  // a few enquire_links and reply retries, all nacked
  const uint64_t nacks = proxy_->nacks();

  proxy_->set_mode(TcpFaultProxy::Mode::kPass);
  EXPECT_TRUE(test::WaitFor([&] { return EveryPhoneAnswered(kMos); }, 30s))
      << "replies nacked by the SMSC were not sent again";
  EXPECT_EQ(StopDaemon(), 0);
  const store::StoreStats stats = StoreStats();
  EXPECT_EQ(Total(stats.inbound), kMos);
  EXPECT_EQ(Count(stats.replies, "dead") + Count(stats.replies, "failed"), 0);
  std::cout << "[drill] " << nacks << " generic_nack answered during the fault, " << sim_->binds()
            << " binds\n";
}

// The SMSC sends unbind: the daemon answers unbind_resp, closes, and binds again after its
// backoff; traffic goes on.
TEST_F(SmscDrill, UnbindFromTheSmscIsAnsweredAndTheDaemonBindsAgain) {
  StartDaemon();
  const int binds = sim_->binds();
  sim_->Run([](Sim& sim) { sim.SendUnbind(); });
  ASSERT_TRUE(test::WaitFor(
      [&] {
        return PdusReceived([](const smpp::Pdu& p) {
                 return std::holds_alternative<smpp::UnbindResp>(p.body);
               }) == 1;
      },
      5s))
      << "no unbind_resp";
  ASSERT_TRUE(test::WaitFor([&] { return sim_->binds() > binds; }, 10s)) << "no new bind";
  EXPECT_TRUE(Has(Log(), "the SMSC unbound"));
  EXPECT_FALSE(Has(Say(Phone(0), "HELP"), "<no")) << "served after the new bind";
  EXPECT_EQ(StopDaemon(), 0);
}

}  // namespace
}  // namespace smsgw::drills
