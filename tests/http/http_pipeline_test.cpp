// HttpClient with pipeline_depth > 1: requests written back to back on one connection,
// answers matched in order, and what happens to the requests behind one whose connection fails.
#include <gtest/gtest.h>

#include "tests/http/http_client_fixture.h"

namespace smsgw::gateway {
namespace {

using smsgw::test::SimFault;
using std::chrono::milliseconds;

HttpClientOptions Pipelined(std::size_t depth) {
  HttpClientOptions o;
  o.max_connections_per_origin = 1;
  o.pipeline_depth = depth;
  return o;
}

std::string AnsweredOperation(const HttpOutcome& out) {
  if (!out.response) return "";
  auto answer = DecodeAnswer(out.response->body);
  return answer.ok() ? answer->result.value("operation", "") : "";
}

TEST_F(HttpClientTest, PipelinedAnswersAreMatchedInOrderOnOneConnection) {
  StartAll(Pipelined(8));
  std::vector<HttpClientRequest> requests;
  for (int i = 0; i < 40; ++i) {
    requests.push_back(Instruction("pl-" + std::to_string(i), true, "op-" + std::to_string(i)));
  }
  std::vector<HttpOutcome> outs = SendAll(std::move(requests));
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(outs[i].ok()) << i << " " << outs[i].error.message;
    EXPECT_EQ(AnsweredOperation(outs[i]), "op-" + std::to_string(i));
  }
  EXPECT_EQ(sim_->stats().connections, 1u);
  EXPECT_EQ(sim_->stats().applied, 40u);
  // Some requests went out behind others before their answers: the connection was shared.
  EXPECT_GT(client_->stats().reused, 0u);
}

TEST_F(HttpClientTest, RequestsBehindADroppedOneAreSentAgain) {
  StartAll(Pipelined(4));
  ASSERT_TRUE(SendAndWait(Instruction("warm")).ok());  // the connection is now a reused one
  sim_->ScriptFaults("pd-1", {SimFault::kDrop});
  std::vector<HttpClientRequest> requests;
  for (int i = 0; i < 4; ++i) requests.push_back(Instruction("pd-" + std::to_string(i)));
  std::vector<HttpOutcome> outs = SendAll(std::move(requests));
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(outs[i].ok()) << i << " " << outs[i].error.message;
  auto stats = sim_->stats();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(stats.applications["pd-" + std::to_string(i)], 1) << i;
  EXPECT_EQ(stats.attempts["pd-1"], 2);  // dropped, then sent again
  EXPECT_EQ(stats.connections, 2u);
}

TEST_F(HttpClientTest, RequestsBehindAFailureThatAreNotSafeToRepeatAreLost) {
  StartAll(Pipelined(4));
  sim_->ScriptFaults("pf-a", {SimFault::kDrop});
  std::vector<HttpClientRequest> requests;
  requests.push_back(Instruction("pf-a"));                             // dropped, fresh conn
  requests.push_back(Instruction("pf-b", /*with_key_header=*/false));  // not repeatable
  requests.push_back(Instruction("pf-c"));                             // repeatable
  std::vector<HttpOutcome> outs = SendAll(std::move(requests));
  EXPECT_EQ(outs[0].error.code, HttpErrorCode::kConnectionLost);
  EXPECT_FALSE(outs[0].stale_retried);  // a fresh connection is never stale
  EXPECT_EQ(outs[1].error.code, HttpErrorCode::kConnectionLost);
  EXPECT_TRUE(outs[2].ok()) << outs[2].error.message;
  EXPECT_TRUE(outs[2].stale_retried);
  EXPECT_EQ(sim_->stats().applications.count("pf-a"), 0u);
  EXPECT_EQ(sim_->stats().applications["pf-c"], 1);
}

TEST_F(HttpClientTest, ATimedOutRequestClosesItsConnectionAndThoseBehindMoveOn) {
  smsgw::test::BackendSimOptions s;
  s.slow_delay = milliseconds(3000);
  StartAll(Pipelined(4), s);
  sim_->ScriptFaults("pt-a", {SimFault::kSlow});
  std::vector<HttpClientRequest> requests;
  requests.push_back(Instruction("pt-a"));
  requests.back().timeout = milliseconds(200);
  requests.push_back(Instruction("pt-b"));
  requests.push_back(Instruction("pt-c"));
  std::vector<HttpOutcome> outs = SendAll(std::move(requests));
  EXPECT_EQ(outs[0].error.code, HttpErrorCode::kTimeout);
  EXPECT_TRUE(outs[1].ok()) << outs[1].error.message;
  EXPECT_TRUE(outs[2].ok()) << outs[2].error.message;
  auto stats = sim_->stats();
  EXPECT_EQ(stats.applications["pt-a"], 1);  // applied, its answer late
  EXPECT_EQ(stats.applications["pt-b"], 1);
  EXPECT_EQ(stats.applications["pt-c"], 1);
}

TEST_F(HttpClientTest, PipelineDepthBoundsRequestsPerConnection) {
  HttpClientOptions o = Pipelined(3);
  o.max_queued_per_origin = 2;
  StartAll(o);
  sim_->ScriptNext(std::vector<SimFault>(3, SimFault::kHold));
  std::vector<std::optional<HttpOutcome>> outs(6);
  for (int i = 0; i < 6; ++i) {
    client_->Send(Instruction("pb-" + std::to_string(i)),
                  [&outs, i](HttpOutcome r) { outs[i] = std::move(r); });
  }
  // Three on the connection (all held by the server), two queued, the sixth refused.
  ASSERT_TRUE(
      smsgw::test::RunUntil(io_, [&] { return sim_->stats().held == 3 && outs[5].has_value(); }));
  EXPECT_EQ(outs[5]->error.code, HttpErrorCode::kQueueFull);
  ASSERT_TRUE(smsgw::test::RunUntil(io_, [&] {
    sim_->ReleaseHeld();
    for (int i = 0; i < 5; ++i) {
      if (!outs[i]) return false;
    }
    return true;
  }));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(outs[i]->ok()) << i;
  EXPECT_EQ(sim_->stats().connections, 1u);
}

}  // namespace
}  // namespace smsgw::gateway
