// The capped file reader behind the configuration and grammar loaders: whole files up to the
// cap, and a refusal after cap + 1 bytes for anything larger, endless devices included.
#include "conf/text_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "conf/config_loader.h"
#include "gateway/grammar_file.h"
#include "tests/conf/config_test_util.h"

namespace smsgw::conf {
namespace {

using testing::TempDir;

TEST(TextFile, ReadsAFileUpToTheCapWhole) {
  TempDir dir;
  const std::string path = dir.Write("a.yaml", std::string(1024, 'a'));
  Result<std::string> r = ReadTextFile(path, 1024);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, std::string(1024, 'a'));
}

TEST(TextFile, RefusesOneByteOverTheCap) {
  TempDir dir;
  Result<std::string> r = ReadTextFile(dir.Write("a.yaml", std::string(1025, 'a')), 1024);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_EQ(r.status().message(), "larger than 1 KiB");
}

TEST(TextFile, AnEndlessDeviceIsRefusedNotReadForever) {
  Result<std::string> r = ReadTextFile("/dev/zero", 4 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "larger than 4 MiB");
}

TEST(TextFile, AFifoWithoutAWriterReadsAsEmpty) {
  TempDir dir;
  const std::string path = dir.path() + "/fifo";
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  Result<std::string> r = ReadTextFile(path, 1024);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "");
}

TEST(TextFile, MissingAndDirectoryAreSaidSo) {
  TempDir dir;
  Result<std::string> missing = ReadTextFile(dir.path() + "/none", 10);
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_EQ(missing.status().message(), "cannot read: No such file or directory");
  Result<std::string> directory = ReadTextFile(dir.path(), 10);
  EXPECT_TRUE(directory.status().IsIOError());
  EXPECT_EQ(directory.status().message(), "cannot read: it is a directory");
}

TEST(TextFile, TheLoadersRefuseOversizedFilesWithTheirPath) {
  TempDir dir;
  const std::string big = dir.Write("big.yaml", std::string((4 << 20) + 1, '#'));
  Result<GatewayConfig> config = LoadGatewayConfig(big, testing::WithEnv({}));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(), big + ": larger than 4 MiB; not a configuration file");
  EXPECT_EQ(LoadGatewayConfig("/dev/zero", testing::WithEnv({})).status().message(),
            "/dev/zero: larger than 4 MiB; not a configuration file");
  const auto grammar = gateway::CheckGrammarFile("/dev/zero");
  ASSERT_EQ(grammar.size(), 1u);
  EXPECT_EQ(grammar[0].message, "larger than 4 MiB; not a grammar");
}

}  // namespace
}  // namespace smsgw::conf
