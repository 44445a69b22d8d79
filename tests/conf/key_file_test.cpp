// Key files: creation (mode, format, never overwriting), reading (mode, content), and how the
// loader reports them with keys.create_missing on and off.
#include "conf/key_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "conf/config_loader.h"
#include "tests/conf/config_test_util.h"

namespace smsgw::conf {
namespace {

using testing::ErrorLines;
using testing::kHexKey;
using testing::TempDir;
using testing::WithEnv;

int ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(KeyFile, CreateWritesHexWithMode0600AndPrivateDirectories) {
  TempDir dir;
  std::string path = dir.path() + "/a/b/store.key";
  ASSERT_TRUE(CreateKeyFile(path).ok());
  EXPECT_EQ(ModeOf(path), 0600);
  EXPECT_EQ(ModeOf(dir.path() + "/a"), 0700);
  EXPECT_EQ(ModeOf(dir.path() + "/a/b"), 0700);
  std::string text = Slurp(path);
  ASSERT_EQ(text.size(), 65u);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find_first_not_of("0123456789abcdef\n"), std::string::npos) << text;
  Result<KeyBytes> key = ReadKeyFile(path, 32, 32);
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(key->size(), 32u);
}

TEST(KeyFile, TwoKeysDiffer) {
  TempDir dir;
  ASSERT_TRUE(CreateKeyFile(dir.path() + "/1").ok());
  ASSERT_TRUE(CreateKeyFile(dir.path() + "/2").ok());
  EXPECT_NE(Slurp(dir.path() + "/1"), Slurp(dir.path() + "/2"));
}

TEST(KeyFile, CreateNeverOverwrites) {
  TempDir dir;
  std::string path = dir.Write("k", kHexKey, 0600);
  Status s = CreateKeyFile(path);
  EXPECT_TRUE(s.IsAlreadyExists()) << s.ToString();
  EXPECT_EQ(Slurp(path), kHexKey);
}

TEST(KeyFile, CreateDoesNotFollowASymlinkToSomewhereElse) {
  TempDir dir;
  std::string target = dir.path() + "/elsewhere";
  std::filesystem::create_symlink(target, dir.path() + "/link");
  EXPECT_FALSE(CreateKeyFile(dir.path() + "/link").ok());
  EXPECT_FALSE(std::filesystem::exists(target));
}

TEST(KeyFile, LooseModesAreRefused) {
  TempDir dir;
  for (int mode : {0644, 0640, 0604, 0660, 0670, 0610, 0601}) {
    std::string path = dir.Write("k" + std::to_string(mode), kHexKey, mode);
    Result<KeyBytes> key = ReadKeyFile(path, 32, 32);
    ASSERT_FALSE(key.ok()) << std::oct << mode;
    EXPECT_EQ(key.status().code(), Status::Code::kFailedPrecondition);
    EXPECT_NE(key.status().message().find("chmod 600 " + path), std::string::npos)
        << key.status().message();
  }
  for (int mode : {0600, 0400, 0700}) {  // owner-only, whatever the owner's bits
    std::string path = dir.Write("ok" + std::to_string(mode), kHexKey, mode);
    EXPECT_TRUE(ReadKeyFile(path, 32, 32).ok()) << std::oct << mode;
  }
}

TEST(KeyFile, ContentMustBeHexOfTheRightLength) {
  TempDir dir;
  const std::string secretish = "correct horse battery staple correct horse battery staple 1234";
  for (const std::string& text :
       {secretish, std::string(kHexKey).substr(2), std::string(""), std::string(kHexKey) + "00"}) {
    std::string path = dir.Write("k", text, 0600);
    Result<KeyBytes> key = ReadKeyFile(path, 32, 32);
    ASSERT_FALSE(key.ok()) << text;
    EXPECT_TRUE(key.status().IsInvalidArgument());
    EXPECT_EQ(key.status().message(),
              "key file " + path + " does not hold a key of 64 hexadecimal characters");
  }
  // Surrounding whitespace is fine; a longer key within the range too.
  std::string path = dir.Write("k", "  " + std::string(kHexKey) + "\r\n", 0600);
  EXPECT_TRUE(ReadKeyFile(path, 32, 32).ok());
  path = dir.Write("k", std::string(kHexKey) + kHexKey, 0600);
  EXPECT_EQ(ReadKeyFile(path, 32, 64)->size(), 64u);
}

TEST(KeyFile, MissingAndNotRegular) {
  TempDir dir;
  EXPECT_TRUE(ReadKeyFile(dir.path() + "/none", 32, 32).status().IsNotFound());
  ::chmod(dir.path().c_str(), 0700);
  Result<KeyBytes> key = ReadKeyFile(dir.path(), 32, 32);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), Status::Code::kFailedPrecondition);
}

TEST(KeyFile, ReadKeyCreatesOnceThenReadsTheSameKey) {
  TempDir dir;
  KeySource source = KeySource::Named("SMSGW_STORE_KEY");
  source.file = dir.path() + "/keys/store.key";
  EXPECT_TRUE(ReadKey(source).status().IsNotFound());
  source.create_if_missing = true;
  Result<KeyBytes> first = ReadKey(source);
  ASSERT_TRUE(first.ok()) << first.status().message();
  Result<KeyBytes> second = ReadKey(source);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(std::equal(first->bytes().begin(), first->bytes().end(), second->bytes().begin(),
                         second->bytes().end()));
}

TEST(KeyFile, EnvironmentValueWinsOverTheFile) {
  KeySource source = KeySource::Named("SMSGW_ADMIN_TOKEN");
  source.file = "/nonexistent/admin.token";
  source.env_value = kHexKey;
  Result<KeyBytes> key = ReadKey(source);
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(key->bytes()[31], 0xff);
}

// ---- the loader's view of key files

constexpr const char* kConfig = R"(smpp:
  connections: [{name: a, host: h, port: 1, system_id: s, password: p}]
short_codes: [{code: "1"}]
backend: {type: embedded, embedded: {ledger_path: l.db, pepper_key_file: keys/pepper.key}}
store: {path: s.db, key_file: keys/store.key}
grammar: g.yaml
admin: {token_file: keys/admin.token}
)";

class LoaderKeys : public ::testing::Test {
 protected:
  void SetUp() override { dir_.Write("g.yaml", "commands: {}\n"); }
  Result<GatewayConfig> Load(const std::string& extra = "") {
    std::string file = dir_.Write("gateway.yaml", std::string(kConfig) + extra);
    return LoadGatewayConfig(file, WithEnv({}, true));
  }
  void WriteAllKeys(int mode = 0600) {
    for (const char* k : {"keys/pepper.key", "keys/store.key", "keys/admin.token"}) {
      dir_.Write(k, std::string(kHexKey) + "\n", mode);
    }
  }
  TempDir dir_;
};

TEST_F(LoaderKeys, MissingKeysAreErrorsWithoutCreateMissing) {
  Result<GatewayConfig> r = Load();
  ASSERT_FALSE(r.ok());
  std::vector<std::string> lines = ErrorLines(r.status());
  ASSERT_EQ(lines.size(), 3u) << r.status().message();
  std::string file = dir_.path() + "/gateway.yaml";
  EXPECT_EQ(lines[0],
            file + ":4:74: backend.embedded.pepper_key_file: key file not found: " + dir_.path() +
                "/keys/pepper.key; with keys.create_missing: true smsgw "
                "creates it at start");
  EXPECT_EQ(lines[1].rfind(file + ":5:31: store.key_file: key file not found", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind(file + ":7:21: admin.token_file: key file not found", 0), 0u)
      << lines[2];
}

TEST_F(LoaderKeys, MissingKeysAreFineWithCreateMissing) {
  Result<GatewayConfig> r = Load("keys: {create_missing: true}\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->store.key.create_if_missing);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/keys")) << "checking creates nothing";
}

TEST_F(LoaderKeys, ExistingKeyWithLooseModeIsAlwaysAnError) {
  WriteAllKeys();
  ::chmod((dir_.path() + "/keys/store.key").c_str(), 0644);
  Result<GatewayConfig> r = Load("keys: {create_missing: true}\n");
  ASSERT_FALSE(r.ok());
  std::string file = dir_.path() + "/gateway.yaml";
  EXPECT_EQ(r.status().message(), file + ":5:31: store.key_file: key file " + dir_.path() +
                                      "/keys/store.key has mode 0644: group and others must "
                                      "have no access (chmod 600 " +
                                      dir_.path() + "/keys/store.key)");
}

TEST_F(LoaderKeys, ExistingKeysWithMode0600Load) {
  WriteAllKeys();
  Result<GatewayConfig> r = Load();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->admin.token.file, dir_.path() + "/keys/admin.token");
  EXPECT_TRUE(ReadKey(r->admin.token).ok());
}

TEST_F(LoaderKeys, TruncatedKeyIsReportedWithoutItsContent) {
  WriteAllKeys();
  dir_.Write("keys/admin.token", "00112233", 0600);
  Result<GatewayConfig> r = Load();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("admin.token_file: key file " + dir_.path() +
                                      "/keys/admin.token does not hold a key of 64"),
            std::string::npos)
      << r.status().message();
  EXPECT_EQ(r.status().message().find("00112233"), std::string::npos);
}

TEST_F(LoaderKeys, BackendHmacKeyIsNeverCreated) {
  WriteAllKeys();
  std::string text = kConfig;
  std::size_t from = text.find("backend: {");
  text.replace(from, text.find('\n', from) - from,
               "backend: {type: http, http: {url: \"http://127.0.0.1:9/\", key_id: k, "
               "hmac_key_file: keys/hmac.key}}");
  std::string file = dir_.Write("gateway.yaml", text + "keys: {create_missing: true}\n");
  Result<GatewayConfig> r = LoadGatewayConfig(file, WithEnv({}, true));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(
      r.status().message().find("backend.http.hmac_key_file: key file not found: " + dir_.path() +
                                "/keys/hmac.key; this key is shared with the backend, so "
                                "smsgw never creates it"),
      std::string::npos)
      << r.status().message();
  r = LoadGatewayConfig(file, WithEnv({{"SMSGW_BACKEND_HMAC_KEY", kHexKey}}, true));
  EXPECT_TRUE(r.ok()) << r.status().message();
}

TEST_F(LoaderKeys, GrammarFileMustExist) {
  WriteAllKeys();
  std::filesystem::remove(dir_.path() + "/g.yaml");
  Result<GatewayConfig> r = Load();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), dir_.path() + "/gateway.yaml:6:10: grammar: file not found: " +
                                      dir_.path() + "/g.yaml");
}

}  // namespace
}  // namespace smsgw::conf
