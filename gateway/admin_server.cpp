#include "gateway/admin_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <set>

#include "store/crypto.h"

namespace smsgw::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string HttpRequest::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpResponse HttpResponse::Text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

namespace {

struct RouteEntry {
  bool require_token;
  HttpHandler handler;
};

class Connection;

}  // namespace

class AdminServer::Impl : public std::enable_shared_from_this<AdminServer::Impl> {
 public:
  Impl(asio::io_context& io, AdminServerOptions options)
      : io_(io), options_(std::move(options)), acceptor_(io) {}

  Status Start();
  void Stop();
  void DoAccept();
  void Dispatch(HttpRequest req, HttpRespond respond) const;
  void Forget(Connection* c) { connections_.erase(c); }

  asio::io_context& io_;
  AdminServerOptions options_;
  tcp::acceptor acceptor_;
  std::map<std::string, std::map<std::string, RouteEntry>> routes_;  // path -> method -> entry
  std::set<Connection*> connections_;                                // io thread only
  bool stopped_ = false;
};

namespace {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, std::shared_ptr<AdminServer::Impl> server)
      : stream_(std::move(socket)), server_(std::move(server)) {}

  ~Connection() { server_->Forget(this); }

  void Start() { DoRead(); }
  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

 private:
  void DoRead() {
    parser_.emplace();
    parser_->body_limit(server_->options_.body_limit);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(server_->options_.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Connection::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == beast::error::timeout) {
      return Finish();
    }
    if (ec == http::error::body_limit) {
      return Send(HttpResponse::Text(413, "request body too large\n"), false);
    }
    if (ec) return Send(HttpResponse::Text(400, "malformed request\n"), false);

    auto msg = parser_->release();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    std::string target(msg.target());
    auto q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = target.substr(q + 1);
    for (const auto& h : msg) {
      std::string name(h.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers[name] = std::string(h.value());
    }
    req.body = std::move(msg.body());
    keep_alive_ = msg.keep_alive();

    // The handler may answer from another thread; hop back to the io thread to write.
    auto self = shared_from_this();
    server_->Dispatch(std::move(req), [self](HttpResponse resp) {
      asio::post(self->stream_.get_executor(), [self, resp = std::move(resp)]() mutable {
        self->Send(std::move(resp), self->keep_alive_);
      });
    });
  }

  void Send(HttpResponse resp, bool keep_alive) {
    auto msg = std::make_shared<http::response<http::string_body>>();
    msg->version(11);
    msg->result(static_cast<unsigned>(resp.status));
    msg->set(http::field::server, "smsgw");
    msg->set(http::field::content_type, resp.content_type);
    for (const auto& [k, v] : resp.headers) msg->set(k, v);
    msg->body() = std::move(resp.body);
    msg->keep_alive(keep_alive);
    msg->prepare_payload();
    stream_.expires_after(server_->options_.read_timeout);
    http::async_write(
        stream_, *msg,
        [self = shared_from_this(), msg, keep_alive](beast::error_code ec, std::size_t) {
          if (ec || !keep_alive) return self->Finish();
          self->DoRead();
        });
  }

  void Finish() { Close(); }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<AdminServer::Impl> server_;
  bool keep_alive_ = false;
};

}  // namespace

Status AdminServer::Impl::Start() {
  beast::error_code ec;
  auto address = asio::ip::make_address(options_.address, ec);
  if (ec)
    return Status::InvalidArgument("admin listen address " + options_.address + " is invalid");
  tcp::endpoint ep(address, options_.port);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable("admin endpoint cannot listen on " + options_.address + ":" +
                               std::to_string(options_.port) + ": " + ec.message());
  }
  DoAccept();
  return Status::OK();
}

void AdminServer::Impl::DoAccept() {
  acceptor_.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (self->stopped_ || ec == asio::error::operation_aborted) return;
    if (!ec) {
      if (self->connections_.size() >= self->options_.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        auto c = std::make_shared<Connection>(std::move(socket), self);
        self->connections_.insert(c.get());
        c->Start();
      }
    }
    self->DoAccept();
  });
}

void AdminServer::Impl::Stop() {
  if (stopped_) return;
  stopped_ = true;
  beast::error_code ec;
  acceptor_.close(ec);
  for (Connection* c : std::set<Connection*>(connections_)) c->Close();
}

void AdminServer::Impl::Dispatch(HttpRequest req, HttpRespond respond) const {
  auto path_it = routes_.find(req.path);
  if (path_it == routes_.end()) return respond(HttpResponse::Text(404, "not found\n"));
  auto method_it = path_it->second.find(req.method);
  if (method_it == path_it->second.end()) {
    return respond(HttpResponse::Text(405, "method not allowed\n"));
  }
  const RouteEntry& route = method_it->second;
  if (route.require_token) {
    if (options_.token.empty()) {
      return respond(HttpResponse::Text(503, "admin token not configured\n"));
    }
    std::string auth = req.Header("authorization");
    const std::string prefix = "Bearer ";
    std::string given = auth.rfind(prefix, 0) == 0 ? auth.substr(prefix.size()) : std::string();
    if (!store::ConstantTimeEqual(given, options_.token)) {
      HttpResponse r = HttpResponse::Text(401, "missing or wrong token\n");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return respond(std::move(r));
    }
  }
  route.handler(req, std::move(respond));
}

AdminServer::AdminServer(asio::io_context& io, AdminServerOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {}

AdminServer::~AdminServer() {
  impl_->Stop();
}

void AdminServer::Route(const std::string& method, const std::string& path, bool require_token,
                        HttpHandler handler) {
  impl_->routes_[path][method] = RouteEntry{require_token, std::move(handler)};
}

Status AdminServer::Start() {
  return impl_->Start();
}

uint16_t AdminServer::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor_.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void AdminServer::Stop() {
  impl_->Stop();
}

}  // namespace smsgw::gateway
