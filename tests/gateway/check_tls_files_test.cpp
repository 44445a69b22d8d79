// `smsgw check` loads the CA files the configuration names: a file that exists but holds no
// certificate is reported with its key, before any connection tries it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gateway/tls_files_check.h"
#include "tests/support/test_pki.h"

namespace smsgw::gateway {
namespace {

namespace fs = std::filesystem;

class CheckTlsFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pki_.ok()) << "the openssl command could not make the test certificates";
    dir_ = fs::temp_directory_path() / ("smsgw-check-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "garbage.pem") << "not a certificate\n";
    conf::SmppConnection c;
    c.name = "a";
    c.tls.enabled = true;
    c.tls.ca_file = pki_.Path("ca.pem");
    config_.smpp.connections = {c, c};
  }
  void TearDown() override { fs::remove_all(dir_); }

  test::TestPki pki_;
  fs::path dir_;
  conf::GatewayConfig config_;
};

TEST_F(CheckTlsFilesTest, UsableCaFilesPass) {
  EXPECT_TRUE(CheckTlsFiles(config_, "gw.yaml").empty());
}

TEST_F(CheckTlsFilesTest, AFileWithoutCertificatesIsNamedByItsKey) {
  config_.smpp.connections[1].tls.ca_file = (dir_ / "garbage.pem").string();
  std::vector<std::string> errors = CheckTlsFiles(config_, "gw.yaml");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].rfind("gw.yaml: smpp.connections[1].tls.ca_file: cannot load CA file ", 0),
            0u)
      << errors[0];
}

TEST_F(CheckTlsFilesTest, ConnectionsWithoutTlsAreNotLookedAt) {
  config_.smpp.connections[1].tls.ca_file = (dir_ / "garbage.pem").string();
  config_.smpp.connections[1].tls.enabled = false;
  EXPECT_TRUE(CheckTlsFiles(config_, "gw.yaml").empty());
}

TEST_F(CheckTlsFilesTest, TheHttpBackendsCaFileIsCheckedToo) {
  config_.backend.type = conf::BackendType::kHttp;
  config_.backend.http.ca_file = (dir_ / "garbage.pem").string();
  std::vector<std::string> errors = CheckTlsFiles(config_, "gw.yaml");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("backend.http.ca_file: "), std::string::npos) << errors[0];
}

}  // namespace
}  // namespace smsgw::gateway
