#include "tests/support/admin_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdlib>

namespace smsgw::test {

namespace http = boost::beast::http;

AdminAnswer AdminGet(int port, const std::string& target, const std::string& token) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)}, ec);
  if (ec) return {};
  http::request<http::string_body> req(http::verb::get, target, 11);
  req.set(http::field::host, "127.0.0.1");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  http::write(socket, req, ec);
  if (ec) return {};
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res, ec);
  if (ec) return {};
  return {static_cast<int>(res.result_int()), res.body()};
}

std::optional<double> MetricValue(const std::string& exposition, const std::string& name) {
  const std::string prefix = name + " ";
  for (size_t at = 0; at < exposition.size();) {
    size_t end = exposition.find('\n', at);
    if (end == std::string::npos) end = exposition.size();
    if (exposition.compare(at, prefix.size(), prefix) == 0) {
      return std::strtod(exposition.c_str() + at + prefix.size(), nullptr);
    }
    at = end + 1;
  }
  return std::nullopt;
}

}  // namespace smsgw::test
