#include "gateway/url.h"

#include <gtest/gtest.h>

#include "gateway/http_error.h"

namespace smsgw::gateway {
namespace {

TEST(Url, ParsesTheUsualForms) {
  auto u = ParseUrl("https://Bank.Example/api/v1?x=1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "bank.example");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->target, "/api/v1?x=1");
  EXPECT_TRUE(u->tls());
  EXPECT_EQ(u->Origin(), "https://bank.example:443");
  EXPECT_EQ(u->HostHeader(), "bank.example");

  auto p = ParseUrl("http://127.0.0.1:8080");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->port, 8080);
  EXPECT_EQ(p->target, "/");
  EXPECT_FALSE(p->tls());
  EXPECT_EQ(p->HostHeader(), "127.0.0.1:8080");

  auto q = ParseUrl("http://h?a=b");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->target, "/?a=b");

  auto v6 = ParseUrl("https://[::1]:8443/x");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 8443);
  EXPECT_EQ(v6->HostHeader(), "[::1]:8443");
  EXPECT_EQ(v6->Origin(), "https://[::1]:8443");
}

TEST(Url, RejectsWhatDoesNotBelong) {
  for (const char* bad : {"", "bank.example/x", "ftp://h/", "https://user:pw@h/", "https://h/#frag",
                          "https://h:0/", "https://h:65536/", "https://h:/", "https://h:8x/",
                          "https:///x", "https://h /x", "https://h/x\r\nX: y", "https://[::1/",
                          "https://[zz]/", "https://[::1]x/", "https://h%00/"}) {
    EXPECT_FALSE(ParseUrl(bad).ok()) << bad;
  }
}

TEST(Url, IpLiterals) {
  EXPECT_TRUE(IsIpLiteral("127.0.0.1"));
  EXPECT_TRUE(IsIpLiteral("::1"));
  EXPECT_FALSE(IsIpLiteral("localhost"));
  EXPECT_FALSE(IsIpLiteral("1.2.3"));
}

TEST(HttpError, StatusClasses) {
  EXPECT_TRUE(IsSuccessStatus(200));
  EXPECT_TRUE(IsSuccessStatus(204));
  EXPECT_FALSE(IsSuccessStatus(301));
  for (int s : {408, 425, 429, 500, 502, 503, 504, 599}) EXPECT_TRUE(IsTemporaryStatus(s)) << s;
  for (int s : {400, 401, 403, 404, 409, 413, 422, 301}) EXPECT_FALSE(IsTemporaryStatus(s)) << s;
}

TEST(HttpError, OnlyInvalidRequestIsPermanentAmongTransportFailures) {
  EXPECT_FALSE(IsTemporaryCode(HttpErrorCode::kInvalidRequest));
  for (auto c : {HttpErrorCode::kQueueFull, HttpErrorCode::kTimeout, HttpErrorCode::kConnectFailed,
                 HttpErrorCode::kConnectionLost, HttpErrorCode::kTlsFailed,
                 HttpErrorCode::kBadResponse, HttpErrorCode::kResponseTooLarge,
                 HttpErrorCode::kResolveFailed, HttpErrorCode::kShutdown}) {
    EXPECT_TRUE(IsTemporaryCode(c)) << HttpErrorCodeName(c);
  }
}

TEST(HttpError, RetryAfter) {
  auto now = std::chrono::system_clock::from_time_t(1445412480);  // Wed, 21 Oct 2015 07:28:00
  EXPECT_EQ(ParseRetryAfter("120", now), std::chrono::seconds(120));
  EXPECT_EQ(ParseRetryAfter(" 0 ", now), std::chrono::seconds(0));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now), std::chrono::seconds(30));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now), std::chrono::seconds(0));
  for (const char* bad :
       {"", "-1", "1.5", "soon", "Wed, 21 Oct 2015 07:28:30", "12abc", "99999999999999999999999"}) {
    EXPECT_FALSE(ParseRetryAfter(bad, now).has_value()) << bad;
  }
}

}  // namespace
}  // namespace smsgw::gateway
