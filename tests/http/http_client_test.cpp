// HttpClient against the backend simulator on 127.0.0.1 (its own thread): keep-alive, the pool
// cap and queue, deadlines, stale connections, limits and shutdown. The simulator runs
// without a key here; signing is BackendExchange's business (backend_exchange_test.cpp).
#include "gateway/http_client.h"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>

#include "gateway/backend_wire.h"
#include "tests/http/http_client_fixture.h"

namespace smsgw::gateway {
namespace {

using smsgw::test::BackendSimOptions;
using smsgw::test::RunUntil;
using smsgw::test::SimFault;
using std::chrono::milliseconds;

TEST_F(HttpClientTest, SequentialRequestsShareOneKeptAliveConnection) {
  StartAll();
  for (int i = 0; i < 10; ++i) {
    HttpOutcome out = SendAndWait(Instruction("seq-" + std::to_string(i)));
    ASSERT_TRUE(out.ok()) << out.error.message;
    ASSERT_TRUE(out.response.has_value());
    EXPECT_EQ(out.response->status, 200);
    EXPECT_EQ(out.reused_connection, i > 0);
    auto answer = DecodeAnswer(out.response->body);
    ASSERT_TRUE(answer.ok());
    EXPECT_TRUE(answer->accepted);
  }
  EXPECT_EQ(sim_->stats().connections, 1u);
  EXPECT_EQ(client_->stats().connections_opened, 1u);
  EXPECT_EQ(client_->stats().reused, 9u);
  EXPECT_EQ(client_->stats().open_connections, 1);
}

TEST_F(HttpClientTest, PoolCapQueuesAndBoundedQueueRefuses) {
  HttpClientOptions o;
  o.max_connections_per_origin = 2;
  o.max_queued_per_origin = 3;
  StartAll(o);
  // Every answer is held until released, so the first two requests keep both connections busy.
  sim_->ScriptNext(std::vector<SimFault>(5, SimFault::kHold));
  std::vector<std::optional<HttpOutcome>> outs(6);
  for (int i = 0; i < 6; ++i) {
    client_->Send(Instruction("cap-" + std::to_string(i)),
                  [&outs, i](HttpOutcome o) { outs[i] = std::move(o); });
  }
  // Two in flight, three queued, the sixth refused at once.
  ASSERT_TRUE(RunUntil(io_, [&] { return sim_->stats().held == 2 && outs[5].has_value(); }));
  EXPECT_EQ(outs[5]->error.code, HttpErrorCode::kQueueFull);
  EXPECT_TRUE(outs[5]->error.temporary);
  EXPECT_EQ(client_->stats().queue_full, 1u);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(outs[i].has_value()) << i;

  auto all_done = [&] {
    for (int i = 0; i < 5; ++i) {
      if (!outs[i]) return false;
    }
    return true;
  };
  ASSERT_TRUE(RunUntil(io_, [&] {
    sim_->ReleaseHeld();
    return all_done();
  }));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(outs[i]->ok()) << i << " " << outs[i]->error.message;
  EXPECT_EQ(sim_->stats().connections, 2u);
  EXPECT_EQ(sim_->stats().peak_open_connections, 2);
  EXPECT_EQ(client_->stats().connections_opened, 2u);
}

TEST_F(HttpClientTest, QueuedRequestTimesOutWithoutAConnection) {
  HttpClientOptions o;
  o.max_connections_per_origin = 1;
  StartAll(o);
  sim_->ScriptNext({SimFault::kHold});
  std::optional<HttpOutcome> first, second;
  client_->Send(Instruction("q-1"), [&](HttpOutcome r) { first = std::move(r); });
  HttpClientRequest waiting = Instruction("q-2");
  waiting.timeout = milliseconds(100);
  client_->Send(std::move(waiting), [&](HttpOutcome r) { second = std::move(r); });
  ASSERT_TRUE(RunUntil(io_, [&] { return second.has_value(); }));
  EXPECT_EQ(second->error.code, HttpErrorCode::kTimeout);
  EXPECT_TRUE(second->error.temporary);
  EXPECT_FALSE(first.has_value());
  ASSERT_TRUE(RunUntil(io_, [&] {
    sim_->ReleaseHeld();
    return first.has_value();
  }));
  EXPECT_TRUE(first->ok());
  EXPECT_EQ(sim_->stats().attempts.count("q-2"), 0u);  // never sent
}

TEST_F(HttpClientTest, SlowAnswerTimesOutAndClosesTheConnection) {
  BackendSimOptions s;
  s.slow_delay = milliseconds(3000);
  HttpClientOptions o;
  o.request_timeout = milliseconds(200);
  StartAll(o, s);
  sim_->ScriptFaults("slow-1", {SimFault::kSlow});
  HttpOutcome out = SendAndWait(Instruction("slow-1"));
  EXPECT_EQ(out.error.code, HttpErrorCode::kTimeout);
  EXPECT_TRUE(out.error.temporary);
  EXPECT_FALSE(out.response.has_value());
  EXPECT_EQ(client_->stats().open_connections, 0);  // a late answer can never be misread
  EXPECT_EQ(client_->stats().timeouts, 1u);
  // The retry gets the answer stored when the first copy was applied.
  HttpOutcome retry = SendAndWait(Instruction("slow-1"));
  EXPECT_TRUE(retry.ok()) << retry.error.message;
  EXPECT_EQ(sim_->stats().applications["slow-1"], 1);
  EXPECT_EQ(sim_->stats().replayed, 1u);
}

TEST_F(HttpClientTest, StaleKeptAliveConnectionIsRetriedOnceOnAFreshOne) {
  StartAll();
  ASSERT_TRUE(SendAndWait(Instruction("stale-1")).ok());
  // The server closes the reused connection on receiving the next request, without answering:
  // to the client this is exactly a keep-alive connection closed under its feet.
  sim_->ScriptFaults("stale-2", {SimFault::kDrop});
  HttpOutcome out = SendAndWait(Instruction("stale-2"));
  EXPECT_TRUE(out.ok()) << out.error.message;
  EXPECT_TRUE(out.stale_retried);
  EXPECT_FALSE(out.reused_connection);
  EXPECT_EQ(client_->stats().stale_retries, 1u);
  EXPECT_EQ(sim_->stats().connections, 2u);
  EXPECT_EQ(sim_->stats().attempts["stale-2"], 2);
  EXPECT_EQ(sim_->stats().applications["stale-2"], 1);
}

TEST_F(HttpClientTest, StaleRetryHappensOnlyOnce) {
  StartAll();
  ASSERT_TRUE(SendAndWait(Instruction("once-1")).ok());
  sim_->ScriptFaults("once-2", {SimFault::kDrop, SimFault::kDrop});
  HttpOutcome out = SendAndWait(Instruction("once-2"));
  EXPECT_EQ(out.error.code, HttpErrorCode::kConnectionLost);
  EXPECT_TRUE(out.error.temporary);
  EXPECT_TRUE(out.stale_retried);
  EXPECT_EQ(sim_->stats().attempts["once-2"], 2);
}

TEST_F(HttpClientTest, NoStaleRetryForARequestThatIsNotSafeToRepeat) {
  StartAll();
  ASSERT_TRUE(SendAndWait(Instruction("plain-1")).ok());
  sim_->ScriptNext({SimFault::kDrop});
  HttpOutcome out = SendAndWait(Instruction("plain-2", /*with_key_header=*/false));
  EXPECT_EQ(out.error.code, HttpErrorCode::kConnectionLost);
  EXPECT_TRUE(out.reused_connection);
  EXPECT_FALSE(out.stale_retried);
  EXPECT_EQ(client_->stats().stale_retries, 0u);
}

TEST_F(HttpClientTest, NoStaleRetryOnAFreshConnection) {
  StartAll();
  sim_->ScriptFaults("fresh-1", {SimFault::kReset});
  HttpOutcome out = SendAndWait(Instruction("fresh-1"));
  EXPECT_EQ(out.error.code, HttpErrorCode::kConnectionLost);
  EXPECT_FALSE(out.reused_connection);
  EXPECT_FALSE(out.stale_retried);
  EXPECT_EQ(sim_->stats().attempts["fresh-1"], 1);
  EXPECT_EQ(sim_->stats().applications.count("fresh-1"), 0u);
}

TEST_F(HttpClientTest, IdleConnectionClosedByTheServerIsNotUsed) {
  StartAll();
  sim_->ScriptFaults("closing-1", {SimFault::kClose});
  ASSERT_TRUE(SendAndWait(Instruction("closing-1")).ok());
  // Whether the client sees the close before sending (most often) or on the stale retry, the
  // request succeeds on a second connection and is applied once.
  HttpOutcome out = SendAndWait(Instruction("closing-2"));
  EXPECT_TRUE(out.ok()) << out.error.message;
  EXPECT_EQ(sim_->stats().connections, 2u);
  EXPECT_EQ(sim_->stats().applications["closing-2"], 1);
}

TEST_F(HttpClientTest, StatusCodesAreClassified) {
  StartAll();
  sim_->ScriptFaults("c-500", {SimFault::kError500});
  sim_->ScriptFaults("c-503", {SimFault::kError503});
  sim_->ScriptFaults("c-429", {SimFault::kTooMany429});
  sim_->ScriptFaults("c-400", {SimFault::kBadRequest400});
  HttpOutcome e500 = SendAndWait(Instruction("c-500"));
  EXPECT_EQ(e500.error.code, HttpErrorCode::kHttpStatus);
  EXPECT_TRUE(e500.error.temporary);
  ASSERT_TRUE(e500.response.has_value());
  EXPECT_EQ(e500.response->status, 500);
  EXPECT_EQ(DecodeError(e500.response->body).code, "internal");

  HttpOutcome e503 = SendAndWait(Instruction("c-503"));
  EXPECT_TRUE(e503.error.temporary);
  EXPECT_EQ(e503.error.retry_after, std::chrono::seconds(1));
  HttpOutcome e429 = SendAndWait(Instruction("c-429"));
  EXPECT_TRUE(e429.error.temporary);
  EXPECT_EQ(e429.error.retry_after, std::chrono::seconds(1));

  HttpOutcome e400 = SendAndWait(Instruction("c-400"));
  EXPECT_EQ(e400.error.code, HttpErrorCode::kHttpStatus);
  EXPECT_FALSE(e400.error.temporary);
  EXPECT_EQ(e400.response->status, 400);
  // Error answers keep the connection alive.
  EXPECT_EQ(sim_->stats().connections, 1u);
}

TEST_F(HttpClientTest, ResponseBodyOverTheLimitIsRefused) {
  HttpClientOptions o;
  o.response_body_limit = 16;
  StartAll(o);
  HttpOutcome out = SendAndWait(Instruction("big-1"));
  EXPECT_EQ(out.error.code, HttpErrorCode::kResponseTooLarge);
  EXPECT_TRUE(out.error.temporary);  // it may have been applied: only a retry can tell
}

TEST_F(HttpClientTest, ConnectionRefusedIsTemporary) {
  StartAll();
  uint16_t closed_port;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    closed_port = a.local_endpoint().port();
  }
  HttpClientRequest r = Instruction("refused-1");
  r.url.port = closed_port;
  HttpOutcome out = SendAndWait(std::move(r));
  EXPECT_EQ(out.error.code, HttpErrorCode::kConnectFailed);
  EXPECT_TRUE(out.error.temporary);
  EXPECT_EQ(client_->stats().open_connections, 0);
}

// A listening socket that never accepts: the kernel completes the TCP handshake, but the TLS
// handshake gets no answer. The connect timeout ends it long before the request's deadline.
TEST_F(HttpClientTest, ConnectTimeoutCoversTheTlsHandshake) {
  HttpClientOptions o;
  o.connect_timeout = std::chrono::milliseconds(50);
  o.request_timeout = std::chrono::seconds(20);
  StartAll(o);
  boost::asio::ip::tcp::acceptor silent(io_, {boost::asio::ip::make_address("127.0.0.1"), 0});
  silent.listen();
  HttpClientRequest r = Instruction("slow-tls-1");
  r.url.scheme = "https";
  r.url.port = silent.local_endpoint().port();
  HttpOutcome out = SendAndWait(std::move(r));
  EXPECT_EQ(out.error.code, HttpErrorCode::kTlsFailed);
  EXPECT_TRUE(out.error.temporary);
  EXPECT_NE(out.error.message.find("timed out"), std::string::npos) << out.error.message;
  EXPECT_EQ(client_->stats().open_connections, 0);
}

TEST_F(HttpClientTest, InvalidRequestsAreNeverSent) {
  StartAll();
  HttpClientRequest bad_method = Instruction("inv-1");
  bad_method.method = "FETCH ME";
  HttpOutcome a = SendAndWait(std::move(bad_method));
  EXPECT_EQ(a.error.code, HttpErrorCode::kInvalidRequest);
  EXPECT_FALSE(a.error.temporary);
  HttpClientRequest injected = Instruction("inv-2");
  injected.headers.emplace_back("X-Note", "a\r\nIdempotency-Key: other");
  EXPECT_EQ(SendAndWait(std::move(injected)).error.code, HttpErrorCode::kInvalidRequest);
  HttpClientRequest no_origin = Instruction("inv-3");
  no_origin.url = Url{};
  EXPECT_EQ(SendAndWait(std::move(no_origin)).error.code, HttpErrorCode::kInvalidRequest);
  EXPECT_EQ(sim_->stats().requests, 0u);
}

TEST_F(HttpClientTest, StopFailsInFlightAndLaterRequests) {
  StartAll();
  sim_->ScriptNext({SimFault::kHold});
  std::optional<HttpOutcome> held;
  client_->Send(Instruction("stop-1"), [&](HttpOutcome o) { held = std::move(o); });
  ASSERT_TRUE(RunUntil(io_, [&] { return sim_->stats().held == 1; }));
  client_->Stop();
  ASSERT_TRUE(RunUntil(io_, [&] { return held.has_value(); }));
  EXPECT_EQ(held->error.code, HttpErrorCode::kShutdown);
  HttpOutcome later = SendAndWait(Instruction("stop-2"));
  EXPECT_EQ(later.error.code, HttpErrorCode::kShutdown);
  EXPECT_EQ(client_->stats().open_connections, 0);
  sim_->ReleaseHeld();
}

TEST_F(HttpClientTest, HeadersAreLowerCasedAndFound) {
  StartAll();
  HttpOutcome out = SendAndWait(Instruction("hdr-1"));
  ASSERT_TRUE(out.response.has_value());
  EXPECT_EQ(out.response->Header("content-type"), "application/json");
  EXPECT_EQ(out.response->Header("x-absent"), "");
}

}  // namespace
}  // namespace smsgw::gateway
