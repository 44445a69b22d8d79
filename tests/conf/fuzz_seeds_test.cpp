// The shipped configuration and grammar seed the config and grammar fuzz targets as they are
// (tests/fuzz/shipped_seeds.txt, read by run_fuzzers.sh and run_tests.sh), not as copies in
// the corpus, which went stale as the files grew.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "tests/conf/config_test_util.h"

namespace smsgw::conf {
namespace {

namespace fs = std::filesystem;

// target -> the files of the tree that seed it.
std::map<std::string, std::set<std::string>> ShippedSeeds() {
  std::map<std::string, std::set<std::string>> seeds;
  std::ifstream in(testing::SourceDir() + "/tests/fuzz/shipped_seeds.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string target, file, extra;
    words >> target >> file;
    EXPECT_FALSE(file.empty() || (words >> extra)) << "not <target> <file>: " << line;
    seeds[target].insert(file);
  }
  return seeds;
}

TEST(FuzzSeeds, TheShippedFilesSeedTheirTargets) {
  const auto seeds = ShippedSeeds();
  ASSERT_EQ(seeds.count("config"), 1u) << "tests/fuzz/shipped_seeds.txt missing or incomplete";
  EXPECT_EQ(seeds.at("config").count("conf/gateway.yaml"), 1u);
  ASSERT_EQ(seeds.count("grammar"), 1u);
  EXPECT_EQ(seeds.at("grammar").count("conf/grammar.yaml"), 1u);
  const std::string root = testing::SourceDir();
  for (const auto& [target, files] : seeds) {
    EXPECT_TRUE(fs::exists(root + "/tests/fuzz/" + target + "_fuzz.cpp")) << target;
    EXPECT_TRUE(fs::is_directory(root + "/tests/fuzz/corpus/" + target)) << target;
    for (const std::string& file : files)
      EXPECT_TRUE(fs::is_regular_file(root + "/" + file)) << file;
  }
}

// A copy would be replayed and fuzzed in place of the file as it is now.
TEST(FuzzSeeds, TheCorpusHoldsNoCopyOfAShippedFile) {
  const std::string root = testing::SourceDir();
  for (const auto& [target, files] : ShippedSeeds()) {
    std::set<std::string> names = {"shipped.yaml"};
    for (const std::string& file : files) names.insert(fs::path(file).filename().string());
    for (const auto& e : fs::directory_iterator(root + "/tests/fuzz/corpus/" + target)) {
      EXPECT_EQ(names.count(e.path().filename().string()), 0u)
          << e.path() << " copies a shipped file; tests/fuzz/shipped_seeds.txt seeds it instead";
    }
  }
}

}  // namespace
}  // namespace smsgw::conf
