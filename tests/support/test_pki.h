// Certificates made at run time for TLS tests, with the openssl command, in a temporary
// directory removed on destruction: a CA, a second unrelated CA, and a server certificate
// signed by the first for the subjectAltName entries given.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "conf/status.h"

namespace smsgw::test {

class TestPki {
 public:
  // Files: ca.pem, other-ca.pem, server.pem, server.key, and expired.pem (the same server
  // key and names, signed by the CA, already expired). `server_sans` is an openssl
  // subjectAltName value such as "DNS:bank.test" or "DNS:smsc.test,IP:127.0.0.1".
  explicit TestPki(const std::string& server_sans = "DNS:bank.test");
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  // False when the openssl command failed (or is missing).
  bool ok() const { return ok_; }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  std::filesystem::path dir_;
  bool ok_ = false;
};

// A TLS server context presenting `cert_file` (PEM chain) with `key_file`. InvalidArgument
// naming the problem when either does not load.
Result<std::shared_ptr<boost::asio::ssl::context>> MakeTlsServerContext(
    const std::string& cert_file, const std::string& key_file);

}  // namespace smsgw::test
