#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <sstream>

#include "gateway/ctl_format.h"
#include "gateway/subcommand.h"
#include "store/ids.h"
#include "store/schema.h"
#include "tests/support/gateway_config_file.h"
#include "tests/support/store_fixture.h"

namespace smsgw::gateway {
namespace {

using store::testing::TempDir;

struct CtlRun {
  int code;
  std::string out, err;
};

CtlRun Ctl(std::vector<std::string> args) {
  args.insert(args.begin(), {"smsgw", "ctl"});
  std::ostringstream out, err;
  int code = Dispatch(args, out, err);
  return {code, out.str(), err.str()};
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class CtlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.File("store.db");
    key_file_ = dir_.File("store.key");
    ASSERT_TRUE(store::CreateKeyFile(key_file_).ok());
    store::Options o;
    o.path = db_;
    o.keys = std::make_shared<const store::KeyRing>(store::LoadKeyFile(key_file_).value());
    o.instruction_retry = {1, 1, 1};  // the first failure kills an instruction
    auto s = store::Store::Open(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    auto& st = **s;
    auto accepted = st.Accept(std::vector{store::testing::Mo(kMsisdn, "SEND 0712 500")});
    ASSERT_TRUE(accepted.ok());
    auto keys = store::MintInstructionKeys(st.now());
    ASSERT_TRUE(keys.ok());
    id_ = keys->id;
    reference_ = keys->reference;
    store::Effects e;
    e.consume = store::ConsumeInbound{(*accepted)[0].id, "instruction", "SEND 0712 500", reference_,
                                      std::nullopt};
    e.instructions.push_back(
        {id_, reference_, kMsisdn, "transfer", "{}", "pin=1234", std::nullopt, std::nullopt, {}});
    ASSERT_TRUE(st.Apply(e).ok());
    ASSERT_EQ(st.ClaimInstructions(10)->size(), 1u);
    store::Effects failed;
    failed.outcomes.push_back({id_, store::InstructionOutcome::Kind::kRetry, "backend timeout"});
    ASSERT_TRUE(st.Apply(failed).ok());
  }

  static constexpr char kMsisdn[] = "254700000001";
  TempDir dir_;
  std::string db_, key_file_, id_, reference_;
};

TEST_F(CtlTest, StatusCountsRowsPerState) {
  CtlRun r = Ctl({"status", "--db", db_});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_TRUE(Contains(r.out, "processed 1")) << r.out;
  EXPECT_TRUE(Contains(r.out, "dead 1")) << r.out;
  EXPECT_TRUE(Contains(r.out, "schema " + std::to_string(store::kSchemaVersion))) << r.out;
}

TEST_F(CtlTest, OutboxListAndRetryOfADeadInstruction) {
  CtlRun dead = Ctl({"outbox", "list", "--state", "dead", "--db", db_});
  ASSERT_EQ(dead.code, kExitOk) << dead.err;
  EXPECT_TRUE(Contains(dead.out, id_)) << dead.out;
  EXPECT_TRUE(Contains(dead.out, "backend timeout")) << dead.out;
  EXPECT_TRUE(Contains(dead.out, "1 item(s)")) << dead.out;
  EXPECT_FALSE(Contains(dead.out, "pin=1234"));

  CtlRun retry = Ctl({"outbox", "retry", reference_, "--db", db_});
  ASSERT_EQ(retry.code, kExitOk) << retry.err;
  CtlRun pending = Ctl({"outbox", "list", "--state", "pending", "--db", db_});
  EXPECT_TRUE(Contains(pending.out, id_)) << pending.out;
  CtlRun again = Ctl({"outbox", "retry", id_, "--db", db_});
  EXPECT_EQ(again.code, kExitInvalid);
  EXPECT_TRUE(Contains(again.err, "only dead items are re-queued")) << again.err;
  EXPECT_EQ(Ctl({"outbox", "retry", "mt-77", "--db", db_}).code, kExitInvalid);
  EXPECT_EQ(Ctl({"outbox", "list", "--state", "lost", "--db", db_}).code, kExitUsage);
}

TEST_F(CtlTest, AuditShowsOneSubscribersTrail) {
  CtlRun r = Ctl({"audit", "--msisdn", kMsisdn, "--db", db_});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  for (const char* event :
       {"inbound.processed", "instruction.created", "instruction.claimed", "instruction.dead"}) {
    EXPECT_TRUE(Contains(r.out, event)) << event << "\n" << r.out;
  }
  EXPECT_FALSE(Contains(r.out, "pin=1234"));
  EXPECT_TRUE(Contains(Ctl({"audit", "--msisdn", "254799999999", "--db", db_}).out, "0 event"));
  EXPECT_EQ(Ctl({"audit", "--db", db_}).code, kExitUsage);
}

TEST_F(CtlTest, PurgeRefusesToForgetTheDedupWindow) {
  CtlRun shortp = Ctl({"purge", "--older-than", "1h", "--db", db_});
  EXPECT_EQ(shortp.code, kExitUsage);
  EXPECT_TRUE(Contains(shortp.err, "redelivery window")) << shortp.err;
  CtlRun r = Ctl({"purge", "--older-than", "90d", "--db", db_});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_TRUE(Contains(r.out, "purged 0 inbound")) << r.out;
  EXPECT_EQ(Ctl({"purge", "--older-than", "90", "--db", db_}).code, kExitUsage);
}

TEST_F(CtlTest, BackupIsAConsistentPrivateCopy) {
  const std::string copy = dir_.File("copy.db");
  CtlRun r = Ctl({"backup", copy, "--db", db_});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  struct stat st {};
  ASSERT_EQ(::stat(copy.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  CtlRun check = Ctl({"check", "--db", copy, "--key-file", key_file_});
  EXPECT_EQ(check.code, kExitOk) << check.out << check.err;
  CtlRun status = Ctl({"status", "--db", copy});
  EXPECT_TRUE(Contains(status.out, "dead 1")) << status.out;
  EXPECT_EQ(Ctl({"backup", copy, "--db", db_}).code, kExitFailure);  // never overwritten
}

TEST_F(CtlTest, CheckVerifiesIntegritySchemaAndKeyFile) {
  CtlRun r = Ctl({"check", "--db", db_, "--key-file", key_file_});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_TRUE(Contains(r.out, "integrity     ok")) << r.out;
  EXPECT_TRUE(Contains(r.out, "version " + std::to_string(store::kSchemaVersion))) << r.out;
  EXPECT_TRUE(Contains(r.out, "the key file opens the store")) << r.out;
  const std::string other_key = dir_.File("other.key");
  ASSERT_TRUE(store::CreateKeyFile(other_key).ok());
  CtlRun wrong = Ctl({"check", "--db", db_, "--key-file", other_key});
  EXPECT_EQ(wrong.code, kExitInvalid);
  EXPECT_TRUE(Contains(wrong.out, "does NOT open")) << wrong.out;
  chmod(other_key.c_str(), 0644);
  EXPECT_EQ(Ctl({"check", "--db", db_, "--key-file", other_key}).code, kExitFailure);
}

TEST_F(CtlTest, TheConfigurationNamesTheStoreAndItsKey) {
  const std::string config = test_support::WriteGatewayConfig(
      dir_.path(), db_, key_file_, dir_.File("ledger.db"), dir_.File("pepper.key"));
  CtlRun status = Ctl({"status", "--config", config});
  ASSERT_EQ(status.code, kExitOk) << status.err;
  EXPECT_TRUE(Contains(status.out, "dead 1")) << status.out;
  CtlRun check = Ctl({"check", "--config", config});
  ASSERT_EQ(check.code, kExitOk) << check.out << check.err;
  EXPECT_TRUE(Contains(check.out, "the key file opens the store")) << check.out;
  // The configuration's windows apply: 36h of network dedup, so a 24h purge is refused.
  CtlRun purge = Ctl({"purge", "--older-than", "24h", "--config", config});
  EXPECT_EQ(purge.code, kExitUsage) << purge.err;
  EXPECT_TRUE(Contains(purge.err, "redelivery window")) << purge.err;
  EXPECT_EQ(Ctl({"purge", "--older-than", "24h", "--db", db_}).code, kExitOk);  // 24h default
}

TEST_F(CtlTest, ExplicitFlagsWinOverTheConfiguration) {
  const std::string other_key = dir_.File("other.key");
  ASSERT_TRUE(store::CreateKeyFile(other_key).ok());
  const std::string config = test_support::WriteGatewayConfig(
      dir_.path(), dir_.File("elsewhere.db"), other_key, dir_.File("l.db"), dir_.File("p.key"));
  CtlRun check = Ctl({"check", "--config", config, "--db", db_, "--key-file", key_file_});
  ASSERT_EQ(check.code, kExitOk) << check.out << check.err;
  EXPECT_TRUE(Contains(check.out, "the key file opens the store")) << check.out;
  CtlRun config_key = Ctl({"check", "--config", config, "--db", db_});
  EXPECT_EQ(config_key.code, kExitInvalid);
  EXPECT_TRUE(Contains(config_key.out, "does NOT open")) << config_key.out;
  EXPECT_FALSE(std::filesystem::exists(dir_.File("elsewhere.db")));
}

TEST_F(CtlTest, UsageErrors) {
  EXPECT_EQ(Ctl({}).code, kExitUsage);
  EXPECT_EQ(Ctl({"status"}).code, kExitUsage);
  CtlRun config = Ctl({"status", "--config", dir_.File("none.yaml")});
  EXPECT_EQ(config.code, kExitInvalid);
  EXPECT_TRUE(Contains(config.err, "none.yaml")) << config.err;
  EXPECT_EQ(Ctl({"stats", "--db", db_}).code, kExitUsage);
  EXPECT_EQ(Ctl({"outbox", "--db", db_}).code, kExitUsage);
  EXPECT_EQ(Ctl({"outbox", "retry", "--db", db_}).code, kExitUsage);
  EXPECT_EQ(Ctl({"backup", "--db", db_}).code, kExitUsage);
  CtlRun missing = Ctl({"status", "--db", dir_.File("none.db")});
  EXPECT_EQ(missing.code, kExitFailure);
  EXPECT_FALSE(std::filesystem::exists(dir_.File("none.db")));
}

TEST(CtlFormat, Durations) {
  EXPECT_EQ(ParseDurationMs("90d").value_or(0), 90 * 86'400'000LL);
  EXPECT_EQ(ParseDurationMs("12h").value_or(0), 12 * 3'600'000LL);
  EXPECT_EQ(ParseDurationMs("30m").value_or(0), 30 * 60'000LL);
  EXPECT_EQ(ParseDurationMs("45s").value_or(0), 45'000);
  EXPECT_EQ(ParseDurationMs("500ms").value_or(0), 500);
  for (const char* bad : {"", "90", "d", "-1d", "0d", "1y", "1.5d", "99999999999999999d"}) {
    EXPECT_TRUE(ParseDurationMs(bad).status().IsInvalidArgument()) << bad;
  }
}

TEST(CtlFormat, UtcTimes) {
  EXPECT_EQ(FormatUtc(1'700'000'000'000), "2023-11-14T22:13:20Z");
  EXPECT_EQ(FormatUtc(0), "1970-01-01T00:00:00Z");
}

}  // namespace
}  // namespace smsgw::gateway
