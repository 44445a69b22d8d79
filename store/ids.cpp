#include "store/ids.h"

#include <array>
#include <string>

#include "store/crypto.h"

namespace smsgw::store {
namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr int kRandomIdDigits = 16;        // 80 bits
constexpr int kReferenceTimeDigits = 4;    // 20 bits of 8 ms ticks
constexpr int kReferenceRandomDigits = 6;  // 30 bits

}  // namespace

Result<InstructionKeys> MintInstructionKeys(int64_t now_ms) {
  // Per thread: the daemon mints on its core thread, for every instruction.
  thread_local RandomPool pool(1024);
  // One random byte per digit: 256 is a multiple of 32, so `byte & 31` is uniform.
  std::array<uint8_t, kRandomIdDigits + kReferenceRandomDigits> random{};
  if (Status s = pool.Fill(random); !s.ok()) return s;
  InstructionKeys keys;
  const uint64_t time = static_cast<uint64_t>(now_ms) & ((1ULL << 48) - 1);
  for (int i = 9; i >= 0; --i) keys.id.push_back(kCrockford[(time >> (5 * i)) & 31]);
  for (int i = 0; i < kRandomIdDigits; ++i) keys.id.push_back(kCrockford[random[i] & 31]);
  const uint64_t tick = static_cast<uint64_t>(now_ms) >> 3;
  for (int i = kReferenceTimeDigits - 1; i >= 0; --i) {
    keys.reference.push_back(kCrockford[(tick >> (5 * i)) & 31]);
  }
  for (int i = 0; i < kReferenceRandomDigits; ++i) {
    keys.reference.push_back(kCrockford[random[kRandomIdDigits + i] & 31]);
  }
  return keys;
}

std::optional<int64_t> InstructionIdTime(std::string_view id) {
  constexpr size_t kTimeDigits = 10;
  if (id.size() < kTimeDigits) return std::nullopt;
  uint64_t time = 0;
  for (size_t i = 0; i < kTimeDigits; ++i) {
    const char* digit = std::char_traits<char>::find(kCrockford, 32, id[i]);
    if (digit == nullptr) return std::nullopt;
    time = (time << 5) | static_cast<uint64_t>(digit - kCrockford);
  }
  // Ten digits carry 50 bits; a minted id's top two are zero.
  if (time >> 48 != 0) return std::nullopt;
  return static_cast<int64_t>(time);
}

}  // namespace smsgw::store
