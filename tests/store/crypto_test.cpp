#include "store/crypto.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>

namespace smsgw::store {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("smsgw-crypto-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

Key TestKey(char fill) {
  return std::move(Key::FromBytes(std::string(kKeySize, fill)).value());
}

TEST(Crypto, HmacSha256MatchesRfc4231Case2) {
  Digest d = HmacSha256("Jefe", "what do ya want for nothing?");
  EXPECT_EQ(ToHex(d), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, ConstantTimeEqual) {
  EXPECT_TRUE(ConstantTimeEqual("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abcd"));
  EXPECT_TRUE(ConstantTimeEqual("", ""));
}

TEST(Crypto, RandomBelowStaysInRangeAndVaries) {
  std::set<uint32_t> seen;
  for (int i = 0; i < 200; ++i) {
    auto v = RandomBelow(10);
    ASSERT_TRUE(v.ok());
    ASSERT_LT(*v, 10u);
    seen.insert(*v);
  }
  EXPECT_GT(seen.size(), 5u);
  EXPECT_FALSE(RandomBelow(0).ok());
}

TEST(Crypto, SealOpenRoundTrip) {
  KeyRing ring(TestKey('k'));
  auto sealed = Seal(ring, "1234", "challenge:42");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->find("1234"), std::string::npos);
  EXPECT_EQ(sealed->rfind("v1:" + ring.current().id() + ":", 0), 0u);
  auto opened = Open(ring, *sealed, "challenge:42");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->view(), "1234");
}

TEST(Crypto, FreshNoncePerRecord) {
  KeyRing ring(TestKey('k'));
  EXPECT_NE(Seal(ring, "same", "a").value(), Seal(ring, "same", "a").value());
}

TEST(Crypto, TamperingIsDetected) {
  KeyRing ring(TestKey('k'));
  std::string sealed = Seal(ring, "secret PIN", "row:1").value();
  for (std::size_t pos : {sealed.size() - 1, sealed.size() - 40, sealed.find(':', 3) + 3}) {
    std::string bad = sealed;
    bad[pos] = bad[pos] == '0' ? '1' : '0';
    auto r = Open(ring, bad, "row:1");
    ASSERT_FALSE(r.ok()) << pos;
    EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
  }
  EXPECT_TRUE(Open(ring, sealed, "row:2").status().IsCorruption());
  EXPECT_TRUE(Open(ring, "garbage", "row:1").status().IsCorruption());
}

TEST(Crypto, RotationKeepsOldRecordsReadable) {
  KeyRing old_ring(TestKey('a'));
  std::string sealed = Seal(old_ring, "old", "x").value();
  KeyRing new_ring(TestKey('b'));
  EXPECT_TRUE(Open(new_ring, sealed, "x").status().IsNotFound());
  new_ring.AddOld(TestKey('a'));
  EXPECT_EQ(Open(new_ring, sealed, "x").value().view(), "old");
  EXPECT_EQ(Seal(new_ring, "n", "x").value().substr(3, 8), new_ring.current().id());
}

TEST(KeyFile, CreateThenLoad) {
  TempDir dir;
  std::string path = dir.File("keys/store.key");
  ASSERT_TRUE(CreateKeyFile(path).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto key = LoadKeyFile(path);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->bytes().size(), kKeySize);
  EXPECT_TRUE(CreateKeyFile(path).IsAlreadyExists());
}

TEST(KeyFile, LooseModeIsRefused) {
  TempDir dir;
  std::string path = dir.File("loose.key");
  ASSERT_TRUE(CreateKeyFile(path).ok());
  ::chmod(path.c_str(), 0640);
  auto key = LoadKeyFile(path);
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.status().message().find("mode 0640"), std::string::npos) << key.status().message();
}

TEST(KeyFile, WrongSizeAndMissing) {
  TempDir dir;
  std::string path = dir.File("short.key");
  { std::ofstream(path) << "abcd\n"; }
  ::chmod(path.c_str(), 0600);
  EXPECT_TRUE(LoadKeyFile(path).status().IsInvalidArgument());
  EXPECT_TRUE(LoadKeyFile(dir.File("none.key")).status().IsNotFound());
  EXPECT_FALSE(LoadOrCreateKeyFile(dir.File("none.key"), false).ok());
  EXPECT_TRUE(LoadOrCreateKeyFile(dir.File("new.key"), true).ok());
}

}  // namespace
}  // namespace smsgw::store
