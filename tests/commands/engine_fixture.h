// A fake StoreView, deterministic time and randomness, and the shipped grammar, for the
// commands engine's tests.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "commands/engine.h"
#include "commands/request.h"
#include "store/audit.h"
#include "store/ids.h"
#include "tests/support/grammar_fixture.h"

namespace smsgw::commands::testing {

inline constexpr int64_t kNow = 1'700'000'000'000;
inline constexpr char kSub[] = "254712345678";
inline constexpr char kShortCode[] = "4040";

struct FakeChallenge {
  int64_t id = 0;
  store::ChallengeState state = store::ChallengeState::kPending;
  std::string operation;
  std::string payload;
  std::string secret;
  std::string reference;
  int attempts_left = 3;
  int64_t created_at = kNow;
  int64_t expires_at = kNow + 300'000;
};

class FakeView : public StoreView {
 public:
  Result<std::optional<store::Challenge>> FindChallenge(std::string_view msisdn,
                                                        std::string_view code) override {
    auto it = challenges.find({std::string(msisdn), std::string(code)});
    if (it == challenges.end()) return std::optional<store::Challenge>();
    const FakeChallenge& f = it->second;
    store::Challenge c;
    c.id = f.id;
    c.msisdn = std::string(msisdn);
    c.operation = f.operation;
    c.payload = f.payload;
    if (f.state == store::ChallengeState::kPending) c.secret = store::SecretBytes(f.secret);
    c.reference = f.reference;
    c.state = f.state;
    c.attempts_left = f.attempts_left;
    c.created_at = f.created_at;
    c.expires_at = f.expires_at;
    return std::optional<store::Challenge>(std::move(c));
  }
  Result<int64_t> CountEvents(std::string_view, std::string_view event, int64_t) override {
    auto it = events.find(std::string(event));
    return it == events.end() ? 0 : it->second;
  }
  Result<int64_t> LockedUntil(std::string_view) override { return locked_until; }
  Result<bool> NoticesStopped(std::string_view msisdn) override {
    return stopped.contains(std::string(msisdn));
  }
  Result<std::optional<store::ResendMatch>> FindResend(std::string_view, std::string_view command,
                                                       int64_t) override {
    last_resend_key = std::string(command);
    return resend;
  }
  Result<bool> ReferenceTaken(std::string_view reference) override {
    return taken_references.contains(std::string(reference));
  }

  std::map<std::pair<std::string, std::string>, FakeChallenge> challenges;
  std::map<std::string, int64_t> events;
  int64_t locked_until = 0;
  std::set<std::string> stopped;
  std::optional<store::ResendMatch> resend;
  std::string last_resend_key;
  std::set<std::string> taken_references;
};

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() { Remake(); }

  // (Re)builds the engine with options_ and `grammar`.
  void Remake(std::shared_ptr<const parser::Grammar> grammar = test_support::ShippedGrammar()) {
    EngineDeps deps;
    deps.now_ms = [this] { return now_; };
    deps.random_below = [this](uint32_t bound) -> smsgw::Result<uint32_t> {
      EXPECT_EQ(bound, 10'000u);
      uint32_t v = codes_.empty() ? 1111 : codes_.front();
      if (!codes_.empty()) codes_.pop_front();
      return v;
    };
    // Ids lead with their time, as minted ones do (the engine reads it back); then a count.
    deps.mint_keys = [this](int64_t now) -> smsgw::Result<store::InstructionKeys> {
      ++minted_;
      std::string n = std::to_string(minted_);
      std::string time = store::MintInstructionKeys(now).value().id.substr(0, 10);
      return store::InstructionKeys{time + std::string(16 - n.size(), '0') + n,
                                    "REF" + std::string(7 - n.size(), '0') + n};
    };
    auto e = Engine::Create(std::move(grammar), options_, std::move(deps));
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
  }

  store::Effects Mo(const std::string& text, const std::string& from = kSub,
                    const std::string& to = kShortCode,
                    std::optional<store::AddressType> from_type = std::nullopt) {
    Inbound in;
    in.id = ++inbound_id_;
    in.received_at = now_;
    in.connection = "smsc1";
    in.source = from;
    in.source_type = from_type;
    in.destination = to;
    in.text = text;
    auto fx = engine_->OnInbound(in, view_);
    EXPECT_TRUE(fx.ok()) << fx.status().ToString();
    return fx.ok() ? std::move(*fx) : store::Effects{};
  }

  // A pending challenge as StartChallenge would have stored it, for `text`.
  void Pending(const std::string& text, const std::string& code, FakeChallenge base = {}) {
    codes_.push_front(static_cast<uint32_t>(std::stoi(code)));
    store::Effects fx = Mo(text);
    ASSERT_EQ(fx.challenges.size(), 1u);
    base.id = ++challenge_id_;
    base.operation = fx.challenges[0].operation;
    base.payload = fx.challenges[0].payload;
    base.secret = fx.challenges[0].secret;
    base.reference = fx.challenges[0].reference.value_or("");
    view_.challenges[{kSub, code}] = base;
  }

  store::Effects Answer(const store::NewInstruction& ins, const BackendResult& r, int attempt = 1) {
    store::ClaimedInstruction c;
    c.id = ins.id;
    c.reference = ins.reference;
    c.msisdn = ins.msisdn;
    c.operation = ins.operation;
    c.payload = ins.payload;
    c.secret = store::SecretBytes(ins.secret);
    c.attempt = attempt;
    auto fx = engine_->OnResult(c, r, view_);
    EXPECT_TRUE(fx.ok()) << fx.status().ToString();
    return fx.ok() ? std::move(*fx) : store::Effects{};
  }

  // The instruction a confirmed `text` becomes.
  store::NewInstruction Confirmed(const std::string& text, const std::string& code = "4821") {
    Pending(text, code);
    store::Effects fx = Mo(code + " 1234");
    EXPECT_EQ(fx.instructions.size(), 1u);
    return fx.instructions.empty() ? store::NewInstruction{} : fx.instructions[0];
  }

  int64_t now_ = kNow;
  std::deque<uint32_t> codes_;
  int minted_ = 0;
  int64_t inbound_id_ = 0;
  int64_t challenge_id_ = 0;
  EngineOptions options_;
  FakeView view_;
  std::unique_ptr<Engine> engine_;
};

inline std::string OnlyReply(const store::Effects& fx) {
  EXPECT_EQ(fx.replies.size(), 1u);
  return fx.replies.empty() ? std::string() : fx.replies[0].text;
}

}  // namespace smsgw::commands::testing
