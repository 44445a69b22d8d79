#include "store/clock.h"

#include <chrono>

namespace smsgw::store {

int64_t SystemClock::NowMs() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace smsgw::store
