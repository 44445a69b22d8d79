// Disk full while MOs come in: the store sits on a small tmpfs the test mounts and fills. An MO
// that cannot be stored is answered ESME_RX_T_APPN (the SMSC keeps it and tries again), nothing
// is acknowledged that is not stored, and once space returns the daemon takes MOs again by
// itself, without a restart. Needs root (mount); without it the drill is skipped, and the store
// layer's SQLITE_FULL tests (tests/store/fault_test.cpp, through tests/support/fault_vfs.h)
// remain the only cover.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "gateway/smpp/command_status.h"
#include "tests/drills/drill_fixture.h"

namespace smsgw::drills {
namespace {

using Sim = smpp::testing::SmscSimulator;
constexpr uint32_t kRxTAppn = 0x00000064;

class DiskFullDrill : public DrillTest {
 protected:
  void SetUp() override {
    small_ = dir_.File("small");
    std::filesystem::create_directories(small_);
    if (::mount("tmpfs", small_.c_str(), "tmpfs", 0, "size=4m,mode=0700") != 0) {
      GTEST_SKIP() << "cannot mount a 4 MB tmpfs for the store (" << std::strerror(errno)
                   << "; needs root or CAP_SYS_ADMIN): the disk-full drill did not run";
    }
    mounted_ = true;
    DrillTest::SetUp();
  }
  void TearDown() override {
    if (mounted_) {
      DrillTest::TearDown();
      ::umount2(small_.c_str(), MNT_DETACH);
    }
  }
  std::string ConfigText() override {
    return Replaced(DrillTest::ConfigText(), "path: var/smsgw.db", "path: small/smsgw.db");
  }
  std::string StorePath() override { return small_ + "/smsgw.db"; }

  // Writes a file until the file system is full; its size.
  size_t Fill() {
    std::ofstream f(small_ + "/filler", std::ios::binary);
    const std::string chunk(4096, 'F');
    size_t written = 0;
    while (written < (64u << 20) && f.write(chunk.data(), chunk.size()) && f.flush()) {
      written += chunk.size();
    }
    return written;
  }

  // Statuses of the last deliver_sm_resp of every MO pushed so far.
  std::vector<uint32_t> LastStatuses() {
    std::vector<uint32_t> out;
    sim_->Run([&](Sim& sim) {
      for (const Sim::Mo& mo : sim.mos()) out.push_back(mo.last_status);
    });
    return out;
  }

  std::string small_;
  bool mounted_ = false;
};

TEST_F(DiskFullDrill, DiskFullAnswersTemporaryErrorAndTheDaemonRecoversWhenSpaceReturns) {
  StartDaemon();
  EXPECT_FALSE(Has(Say(Phone(0), "HELP"), "<no"));
  const size_t filler = Fill();
  ASSERT_GT(filler, 0u);

  // MOs until some are refused: the WAL's space already allocated may take a few first.
  int sent = 1;
  size_t refused = 0;
  for (int batch = 0; batch < 20 && refused == 0; ++batch) {
    for (int i = 0; i < 20; ++i) sim_->SendText(Phone(sent++), kShortCode, "HELP");
    test::WaitFor(
        [&] {
          for (uint32_t s : LastStatuses()) {
            if (s == 0xFFFFFFFF) return false;
          }
          return true;
        },
        10s);
    refused = 0;
    for (uint32_t s : LastStatuses()) refused += s == kRxTAppn ? 1 : 0;
  }
  ASSERT_GT(refused, 0u) << "the full disk never refused an MO";
  const size_t acked_while_full = sim_->acked_mos();
  for (uint32_t s : LastStatuses()) {
    EXPECT_TRUE(s == 0 || s == kRxTAppn) << "status " << s;
  }
  EXPECT_TRUE(Has(Log(), "event=store.accept_failed"));

  // Space returns; no restart. New MOs are stored, and the refused ones when the SMSC sends
  // them again (the simulator does on a new bind, so the link is dropped to make it).
  std::filesystem::remove(small_ + "/filler");
  sim_->SendText(Phone(sent++), kShortCode, "HELP");
  ASSERT_TRUE(test::WaitFor([&] { return sim_->acked_mos() == acked_while_full + 1; }, 20s))
      << "a new MO was not taken after space returned";
  sim_->Run([](Sim& sim) { sim.DropConnection(); });
  ASSERT_TRUE(test::WaitFor([&] { return sim_->all_acked(); }, 30s))
      << sim_->acked_mos() << " of " << sim_->mos() << " acknowledged after space returned";
  for (int i = 0; i < sent; ++i) {
    EXPECT_GE(sim_->WaitMessagesTo(Phone(i), 1, 30s).size(), 1u) << Phone(i) << " got no reply";
  }
  EXPECT_EQ(StopDaemon(), 0);
  EXPECT_EQ(CountLines(Log(), "event=mo.failed"), 0u) << "an MO was given up during the fault";
  const store::StoreStats stats = StoreStats();
  EXPECT_EQ(Total(stats.inbound), sent) << "each MO stored once";
  EXPECT_EQ(Count(stats.inbound, "new"), 0);
  std::cout << "[drill] filler " << filler / 1024 << " KiB; " << sent << " MOs, " << refused
            << " answered ESME_RX_T_APPN while the disk was full, " << acked_while_full - 1
            << " stored in space SQLite had already; "
            << CountLines(Log(), "event=store.accept_failed") << " failed commits\n";
}

}  // namespace
}  // namespace smsgw::drills
