// The prepared contexts of store/crypto: HmacKey and Sealer give what the one-shot functions
// give, and a Sealer or a RandomPool never hands a forked child the bytes its parent will use.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <set>

#include "store/crypto.h"

namespace smsgw::store {
namespace {

std::shared_ptr<const KeyRing> Ring(char fill) {
  return std::make_shared<const KeyRing>(
      std::move(Key::FromBytes(std::string(kKeySize, fill)).value()));
}

// The hex nonce of a sealed value ("v1:<id>:<24 hex digits of nonce>...").
std::string NonceOf(const std::string& sealed) {
  return sealed.substr(12, 24);
}

TEST(HmacKey, MatchesTheOneShotHmac) {
  HmacKey key("Jefe");
  EXPECT_EQ(ToHex(key.Compute("what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const std::string long_key(100, 'k');
  HmacKey k2(long_key);
  for (std::string data : {"", "a", "some longer message of a few words", "\0\1\2"}) {
    EXPECT_EQ(k2.Compute(data), HmacSha256(long_key, data)) << data;
    EXPECT_EQ(k2.Compute(data), HmacSha256(long_key, data)) << "second use";
  }
}

TEST(Sealer, OutputOpensWithOpenAndNoncesAreFresh) {
  auto ring = Ring('s');
  Sealer sealer(ring);
  std::set<std::string> nonces;
  for (int i = 0; i < 600; ++i) {  // more than one block of nonces
    const std::string text = "message " + std::to_string(i);
    auto sealed = sealer.Seal(text, "row:" + std::to_string(i));
    ASSERT_TRUE(sealed.ok());
    EXPECT_TRUE(nonces.insert(NonceOf(*sealed)).second) << "nonce reused at " << i;
    auto opened = Open(*ring, *sealed, "row:" + std::to_string(i));
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    EXPECT_EQ(opened->view(), text);
    EXPECT_FALSE(Open(*ring, *sealed, "row:x").ok());
  }
}

TEST(Sealer, AForkedChildDoesNotReuseTheParentsNonces) {
  auto ring = Ring('s');
  Sealer sealer(ring);
  ASSERT_TRUE(sealer.Seal("warm up", "a").ok());  // a block of nonces is now buffered
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    auto sealed = sealer.Seal("child", "a");
    std::string nonce = sealed.ok() ? NonceOf(*sealed) : "";
    (void)!::write(fds[1], nonce.data(), nonce.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  char buf[64] = {};
  ssize_t n = ::read(fds[0], buf, sizeof buf);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_EQ(n, 24);
  auto parent = sealer.Seal("parent", "a");
  ASSERT_TRUE(parent.ok());
  EXPECT_NE(NonceOf(*parent), std::string(buf, 24));
}

TEST(RandomPool, DrawsDoNotRepeatAcrossRefills) {
  RandomPool pool(64);  // a refill every two draws, leaving 12 bytes behind each time
  std::set<std::string> seen;
  for (int i = 0; i < 300; ++i) {
    std::array<uint8_t, 26> draw{};
    ASSERT_TRUE(pool.Fill(draw).ok());
    EXPECT_TRUE(seen.insert(std::string(draw.begin(), draw.end())).second) << "repeat at " << i;
  }
  std::array<uint8_t, 100> large{};  // more than a block: drawn directly
  ASSERT_TRUE(pool.Fill(large).ok());
  EXPECT_NE(std::count(large.begin(), large.end(), 0), 100);
}

TEST(RandomPool, AForkedChildDoesNotTakeTheParentsBytes) {
  RandomPool pool(1024);
  std::array<uint8_t, 16> first{};
  ASSERT_TRUE(pool.Fill(first).ok());  // the rest of the block is now buffered
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    std::array<uint8_t, 16> child{};
    if (pool.Fill(child).ok()) (void)!::write(fds[1], child.data(), child.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::array<uint8_t, 16> child{};
  ssize_t n = ::read(fds[0], child.data(), child.size());
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_EQ(n, 16);
  std::array<uint8_t, 16> parent{};
  ASSERT_TRUE(pool.Fill(parent).ok());
  EXPECT_NE(parent, child);
}

}  // namespace
}  // namespace smsgw::store
