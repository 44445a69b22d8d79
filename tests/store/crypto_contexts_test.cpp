// The prepared contexts of store/crypto: HmacKey and Sealer give what the one-shot functions
// give, and a Sealer never hands a forked child the nonces its parent will use.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace smsgw::store
