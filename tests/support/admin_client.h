// A plain HTTP GET against the daemon's admin endpoint (/healthz, /metrics), for tests and the
// load benchmark. Loopback only; one connection per call.
#pragma once

#include <optional>
#include <string>

namespace smsgw::test {

struct AdminAnswer {
  int status = 0;  // 0: no answer (nothing listening, connection dropped)
  std::string body;
};

// GET `target` from 127.0.0.1:`port`, with `token` as the bearer token unless it is empty.
AdminAnswer AdminGet(int port, const std::string& target, const std::string& token);

// The value of the sample `name` (with its labels, exactly as the text shows them) in a
// Prometheus text exposition; nothing when it is missing.
std::optional<double> MetricValue(const std::string& exposition, const std::string& name);

}  // namespace smsgw::test
