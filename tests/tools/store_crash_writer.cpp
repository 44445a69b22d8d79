// The child of the store's crash test: accepts deterministic batches in a loop and writes the
// number of each batch to stdout once Accept has returned OK for it, until it is killed.
//
//   store_crash_writer DB KEY_FILE FIRST_BATCH
//
// Batch b holds CrashBatchSize(b) messages whose texts are "crash b=<b> i=<i>", so a parent can
// send the same batch again (a redelivery) and check what is stored.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "store/store.h"

namespace {

int CrashBatchSize(long b) {
  return 1 + static_cast<int>((b * 7919) % 37);
}

bool WriteAll(const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(STDOUT_FILENO, s.data() + off, s.size() - off);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace smsgw::store;
  if (argc != 4) {
    std::fprintf(stderr, "usage: store_crash_writer DB KEY_FILE FIRST_BATCH\n");
    return 2;
  }
  auto key = LoadKeyFile(argv[2]);
  if (!key.ok()) {
    std::fprintf(stderr, "%s\n", key.status().ToString().c_str());
    return 1;
  }
  Options options;
  options.path = argv[1];
  options.keys = std::make_shared<const KeyRing>(std::move(*key));
  auto store = Store::Open(options);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  const long first = std::strtol(argv[3], nullptr, 10);
  for (long b = first; b < first + 1'000'000; ++b) {
    std::vector<InboundMessage> batch;
    for (int i = 0; i < CrashBatchSize(b); ++i) {
      InboundMessage m;
      m.connection = "smsc1";
      m.source = "2547" + std::to_string(10'000'000 + (b * 37 + i) % 1'000'000);
      m.destination = "4040";
      m.text = "crash b=" + std::to_string(b) + " i=" + std::to_string(i);
      if (i % 2 == 0) m.smsc_message_id = std::to_string(b) + "-" + std::to_string(i);
      batch.push_back(std::move(m));
    }
    auto r = (*store)->Accept(batch);
    if (!r.ok()) {
      std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
      return 1;
    }
    if (!WriteAll(std::to_string(b) + " " + std::to_string(batch.size()) + "\n")) return 1;
  }
  return 0;
}
