#include "tests/support/test_pki.h"

#include <cstdlib>
#include <fstream>
#include <system_error>

namespace smsgw::test {
namespace {

bool Run(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

// Not through the shell: Run's own redirection of stdout would replace the file's.
bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  return static_cast<bool>(out.flush());
}

}  // namespace

TestPki::TestPki(const std::string& server_sans) {
  char tmpl[] = "/tmp/smsgw-tls-XXXXXX";
  char* made = mkdtemp(tmpl);
  if (made == nullptr) return;
  dir_ = made;
  const std::string d = dir_.string();
  const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
  ok_ =
      Run("openssl req -x509" + key + " -keyout " + d + "/ca.key -out " + d +
          "/ca.pem -days 2 -subj /CN=smsgw-test-ca") &&
      Run("openssl req -x509" + key + " -keyout " + d + "/other-ca.key -out " + d +
          "/other-ca.pem -days 2 -subj /CN=smsgw-other-ca") &&
      Run("openssl req" + key + " -keyout " + d + "/server.key -out " + d +
          "/server.csr -subj /CN=smsgw-test-server") &&
      WriteFile(d + "/ext.cnf",
                "subjectAltName=" + server_sans + "\nextendedKeyUsage=serverAuth\n") &&
      Run("openssl x509 -req -in " + d + "/server.csr -CA " + d + "/ca.pem -CAkey " + d +
          "/ca.key -CAcreateserial -days 2 -extfile " + d + "/ext.cnf -out " + d + "/server.pem") &&
      // Negative days: notAfter a day before notBefore, so it is already expired.
      Run("openssl x509 -req -in " + d + "/server.csr -CA " + d + "/ca.pem -CAkey " + d +
          "/ca.key -CAcreateserial -days -1 -extfile " + d + "/ext.cnf -out " + d + "/expired.pem");
}

TestPki::~TestPki() {
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

Result<std::shared_ptr<boost::asio::ssl::context>> MakeTlsServerContext(
    const std::string& cert_file, const std::string& key_file) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) return Status::InvalidArgument("TLS certificate " + cert_file + ": " + ec.message());
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) return Status::InvalidArgument("TLS key " + key_file + ": " + ec.message());
  return ctx;
}

}  // namespace smsgw::test
