// MakeEngine: the engine the daemon builds from gateway.yaml carries what the configuration
// says about replies.
#include <gtest/gtest.h>

#include "gateway/daemon/daemon_open.h"
#include "tests/commands/engine_fixture.h"
#include "tests/support/grammar_fixture.h"

namespace smsgw::gateway {
namespace {

// short_codes[].language: what no keyword decides goes out in the language of the short code
// the MO was sent to; a short code without one uses the grammar's default_language.
TEST(MakeEngine, RepliesToAShortCodeSpeakItsLanguage) {
  conf::GatewayConfig config;
  config.short_codes = {{"20555", {}, "sw"}, {"20556", {}, ""}};
  auto engine = MakeEngine(config, config.backend, test_support::ShippedGrammar());
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  commands::testing::FakeView view;
  commands::Inbound in;
  in.id = 1;
  in.source = "254712345678";
  in.text = "XYZZY";
  for (auto [code, start] :
       {std::pair{"20555", "Amri haijulikani."}, std::pair{"20556", "Unknown command."}}) {
    in.destination = code;
    auto fx = (*engine)->OnInbound(in, view);
    ASSERT_TRUE(fx.ok()) << fx.status().ToString();
    ASSERT_EQ(fx->replies.size(), 1u);
    EXPECT_EQ(fx->replies[0].text.rfind(start, 0), 0u) << code << ": " << fx->replies[0].text;
  }
}

}  // namespace
}  // namespace smsgw::gateway
