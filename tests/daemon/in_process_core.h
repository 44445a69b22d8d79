// What the tests that run the core in process start from: a store opened through the fault
// VFS (so a test can fail its writes or syncs) and the shipped grammar's engine, on the
// store's clock.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "commands/engine.h"
#include "tests/support/fault_vfs.h"
#include "tests/support/grammar_fixture.h"
#include "tests/support/store_fixture.h"

namespace smsgw::gateway::testing {

class InProcessCoreTest : public store::testing::StoreTest {
 protected:
  void SetUp() override {
    store::testing::FaultVfs::Get();  // registers the VFS with SQLite before the store names it
    Open(OptionsWithVfs());
    commands::EngineDeps deps;
    deps.now_ms = [clock = clock_] { return clock->NowMs(); };
    auto engine = commands::Engine::Create(test_support::ShippedGrammar(), {}, std::move(deps));
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
  }

  virtual store::Options OptionsWithVfs() {
    store::Options o = MakeOptions();
    o.vfs = store::testing::FaultVfs::kName;
    return o;
  }

  std::shared_ptr<const commands::Engine> engine_;
};

}  // namespace smsgw::gateway::testing
