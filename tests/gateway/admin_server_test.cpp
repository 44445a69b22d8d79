#include "gateway/admin_server.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

namespace smsgw::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Runs the server on its own io thread; requests are made with a blocking Beast client.
class AdminServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AdminServerOptions o;
    o.token = "s3cret-token";
    o.body_limit = 1024;
    server_ = std::make_unique<AdminServer>(io_, o);
    server_->Route("GET", "/metrics", true, [](const HttpRequest&, HttpRespond respond) {
      respond(HttpResponse::Text(200, "smsgw_up 1\n"));
    });
    server_->Route("POST", "/push", false, [this](const HttpRequest& req, HttpRespond respond) {
      // Answers from another thread, as a store-backed handler would.
      workers_.emplace_back(
          [req, respond] { respond(HttpResponse::Json(202, "{\"got\":" + req.body + "}")); });
    });
    ASSERT_TRUE(server_->Start().ok());
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    for (auto& w : workers_) w.join();
    asio::post(io_, [this] { server_->Stop(); });
    thread_.join();
  }

  http::response<http::string_body> Request(http::verb verb, const std::string& target,
                                            const std::string& token,
                                            const std::string& body = "") {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "localhost");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    req.body() = body;
    req.prepare_payload();
    http::write(socket, req);
    beast::flat_buffer buf;
    http::response<http::string_body> resp;
    beast::error_code ec;
    http::read(socket, buf, resp, ec);
    return resp;
  }

  asio::io_context io_;
  std::unique_ptr<AdminServer> server_;
  std::thread thread_;
  std::vector<std::thread> workers_;  // touched on the io thread only, joined before it stops
};

TEST_F(AdminServerTest, TokenRouteNeedsTheRightToken) {
  EXPECT_EQ(Request(http::verb::get, "/metrics", "").result_int(), 401u);
  EXPECT_EQ(Request(http::verb::get, "/metrics", "s3cret-tokeN").result_int(), 401u);
  auto ok = Request(http::verb::get, "/metrics?x=1", "s3cret-token");
  EXPECT_EQ(ok.result_int(), 200u);
  EXPECT_EQ(ok.body(), "smsgw_up 1\n");
}

TEST_F(AdminServerTest, UnknownPathAndWrongMethod) {
  EXPECT_EQ(Request(http::verb::get, "/nope", "s3cret-token").result_int(), 404u);
  EXPECT_EQ(Request(http::verb::post, "/metrics", "s3cret-token").result_int(), 405u);
}

TEST_F(AdminServerTest, AsyncHandlerAnswersFromAnotherThread) {
  auto r = Request(http::verb::post, "/push", "", "42");
  EXPECT_EQ(r.result_int(), 202u);
  EXPECT_EQ(r.body(), "{\"got\":42}");
}

TEST_F(AdminServerTest, OversizedBodyIs413) {
  EXPECT_EQ(Request(http::verb::post, "/push", "", std::string(5000, 'x')).result_int(), 413u);
}

TEST(AdminServer, BindFailureIsAValue) {
  asio::io_context io;
  AdminServerOptions o;
  o.address = "not-an-address";
  AdminServer s(io, o);
  EXPECT_TRUE(s.Start().IsInvalidArgument());
}

}  // namespace
}  // namespace smsgw::gateway
