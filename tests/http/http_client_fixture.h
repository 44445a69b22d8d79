// The fixture of the HttpClient tests: a backend simulator without a key (signing is
// BackendExchange's business) and a client on the test's io_context.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "gateway/backend_wire.h"
#include "gateway/http_client.h"
#include "tests/http/http_test_util.h"

namespace smsgw::gateway {

class HttpClientTest : public ::testing::Test {
 protected:
  void StartAll(HttpClientOptions client_options = {},
                smsgw::test::BackendSimOptions sim_options = {}) {
    sim_ = smsgw::test::StartSim(std::move(sim_options));
    ASSERT_NE(sim_, nullptr);
    auto client = HttpClient::Create(io_, std::move(client_options));
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(*client);
  }

  void TearDown() override {
    if (client_) smsgw::test::StopClient(io_, *client_);
    client_.reset();
    if (sim_) sim_->Stop();
  }

  Url SimUrl(const std::string& target) {
    auto url = ParseUrl("http://127.0.0.1:" + std::to_string(sim_->port()) + target);
    EXPECT_TRUE(url.ok());
    return *url;
  }

  // A POST /v1/instructions for `key` (the simulator needs no signature here).
  // The simulator echoes `operation` in its answer, so a test can match answers to requests.
  HttpClientRequest Instruction(const std::string& key, bool with_key_header = true,
                                const std::string& operation = "balance") {
    HttpClientRequest r;
    r.url = SimUrl("/v1/instructions");
    r.body = EncodeInstruction(smsgw::test::MakeInstruction(key, operation, "254700000001"));
    r.headers.emplace_back("Content-Type", "application/json");
    if (with_key_header) r.headers.emplace_back("Idempotency-Key", key);
    return r;
  }

  // Sends and runs the loop until the outcome arrives.
  HttpOutcome SendAndWait(HttpClientRequest request) {
    std::optional<HttpOutcome> out;
    client_->Send(std::move(request), [&out](HttpOutcome o) { out = std::move(o); });
    EXPECT_TRUE(smsgw::test::RunUntil(io_, [&] { return out.has_value(); }));
    return out.value_or(HttpOutcome{});
  }

  // Sends all at once (pipelined when the client allows) and waits for every outcome.
  std::vector<HttpOutcome> SendAll(std::vector<HttpClientRequest> requests) {
    std::vector<std::optional<HttpOutcome>> outs(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
      client_->Send(std::move(requests[i]), [&outs, i](HttpOutcome o) { outs[i] = std::move(o); });
    }
    EXPECT_TRUE(smsgw::test::RunUntil(io_, [&] {
      return std::all_of(outs.begin(), outs.end(), [](const auto& o) { return o.has_value(); });
    }));
    std::vector<HttpOutcome> result;
    for (auto& o : outs) result.push_back(o.value_or(HttpOutcome{}));
    return result;
  }

  boost::asio::io_context io_;
  std::unique_ptr<smsgw::test::BackendSim> sim_;
  std::unique_ptr<HttpClient> client_;
};

}  // namespace smsgw::gateway
