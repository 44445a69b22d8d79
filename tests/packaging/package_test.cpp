// The Debian package on a real system: installed with dpkg, its files, user, keys and
// configuration checked, the unit verified with systemd-analyze, then removed and purged.
//
// Runs as root with dpkg (skipped otherwise, with the reason). The package is built first from
// the binary under test ($SMSGW_BIN, packaging/build_deb.sh), so a stale package is never what
// is checked. Nothing is started: the unit is verified statically, as on a machine (or a CI
// container) without a running systemd. Whatever happens, the machine is left as it was: each
// suite purges the package and removes the user it created in its TearDownTestSuite.
#include <gtest/gtest.h>
#include <pwd.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gateway/version.h"
#include "tests/packaging/host.h"

namespace smsgw::packaging {
namespace {

constexpr const char* kUnit = "/lib/systemd/system/smsgw.service";
constexpr const char* kWantsLink = "/etc/systemd/system/multi-user.target.wants/smsgw.service";
constexpr const char* kConfig = "/etc/smsgw/gateway.yaml";
constexpr const char* kLedger = "/var/lib/smsgw/ledger.db";
// The embedded ledger at the paths the installed gateway.yaml names, opened (and created when
// missing) by the service user: proves the data directory is writable by it and that the key
// postinst made is one smsgw accepts.
constexpr const char* kLedgerCheck =
    "runuser -u smsgw -- /usr/bin/smsgw ledger check --db /var/lib/smsgw/ledger.db "
    "--pepper-key /etc/smsgw/keys/pepper.key";
const std::vector<std::string> kKeyFiles = {
    "/etc/smsgw/keys/store.key", "/etc/smsgw/keys/pepper.key", "/etc/smsgw/keys/admin.token"};

// Exposure score of `systemd-analyze security --offline` (0 = locked down, 10 = none). The
// unit scores 1.2; above this, hardening was lost.
constexpr double kMaxExposure = 2.0;

std::string Install() {
  return "dpkg -i " + Quote(Host::Get().deb());
}

// The packages that own `paths` (shared libraries as the dynamic loader found them), by path.
// dpkg records a file under the path its package ships, which on a merged-/usr system may be
// the /usr one or the other, so both are asked for, in one dpkg -S call.
std::map<std::string, std::string> OwningPackages(const std::vector<std::string>& paths) {
  std::string command = "dpkg -S";
  for (const std::string& path : paths) {
    command += " " + Quote(path) + " " +
               Quote(path.rfind("/usr/", 0) == 0 ? path.substr(4) : "/usr" + path);
  }
  std::map<std::string, std::string> by_path;
  std::istringstream lines(Shell(command).output);  // exits 1: half the names are not known
  std::regex owner(R"(([^:, ]+)(:[^:]+)?: (/\S+))");
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, owner)) continue;
    std::string path = m[3];
    by_path[path] = m[1];
    by_path[path.rfind("/usr/", 0) == 0 ? path.substr(4) : "/usr" + path] = m[1];
  }
  return by_path;
}

// Installs the package once for the suite; every test looks at the installed result.
class InstalledPackage : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const Host& host = Host::Get();
    if (host.skip_reason().empty() && host.build_error().empty()) install_ = Shell(Install());
  }
  static void TearDownTestSuite() { Host::Get().Restore(); }

  void SetUp() override {
    if (!Host::Get().skip_reason().empty()) GTEST_SKIP() << Host::Get().skip_reason();
    ASSERT_EQ(Host::Get().build_error(), "");
    ASSERT_EQ(install_.code, 0) << install_.output;
  }

  static Outcome install_;
};
Outcome InstalledPackage::install_;

TEST_F(InstalledPackage, FilesHaveTheirOwnersAndModes) {
  struct Expected {
    std::string path;
    bool directory;
    unsigned mode;
    std::string owner, group;
  };
  std::vector<Expected> expected = {
      {"/usr/bin/smsgw", false, 0755, "root", "root"},
      {"/etc/smsgw", true, 0755, "root", "root"},
      {kConfig, false, 0640, "root", "smsgw"},  // may hold SMPP passwords
      {"/etc/smsgw/grammar.yaml", false, 0644, "root", "root"},
      {"/etc/smsgw/keys", true, 0700, "smsgw", "smsgw"},
      {"/var/lib/smsgw", true, 0750, "smsgw", "smsgw"},
      {kUnit, false, 0644, "root", "root"},
      {"/usr/share/doc/smsgw/README.md", false, 0644, "root", "root"},
      {"/usr/share/doc/smsgw/configuration.md", false, 0644, "root", "root"},
      {"/usr/share/doc/smsgw/operations.md", false, 0644, "root", "root"},
      {"/usr/share/doc/smsgw/copyright", false, 0644, "root", "root"},
  };
  for (const std::string& key : kKeyFiles) expected.push_back({key, false, 0600, "smsgw", "smsgw"});
  for (const Expected& e : expected) {
    FileInfo info = Stat(e.path);
    ASSERT_TRUE(info.exists) << e.path;
    EXPECT_EQ(info.directory, e.directory) << e.path;
    EXPECT_EQ(info.regular, !e.directory) << e.path;
    EXPECT_EQ(info.mode, e.mode) << e.path << " mode " << std::oct << info.mode;
    EXPECT_EQ(info.owner, e.owner) << e.path;
    EXPECT_EQ(info.group, e.group) << e.path;
  }
}

TEST_F(InstalledPackage, KeysAreDistinctRandomHex) {
  std::set<std::string> keys;
  for (const std::string& path : kKeyFiles) {
    std::string text = Slurp(path);
    EXPECT_TRUE(std::regex_match(text, std::regex("[0-9a-f]{64}\n"))) << path;
    keys.insert(text);
  }
  EXPECT_EQ(keys.size(), kKeyFiles.size()) << "two key files hold the same key";
}

TEST_F(InstalledPackage, SystemUserCannotLogIn) {
  const passwd* pw = getpwnam("smsgw");
  ASSERT_NE(pw, nullptr);
  EXPECT_LT(pw->pw_uid, 1000u) << "not a system user";
  EXPECT_STREQ(pw->pw_dir, "/var/lib/smsgw");
  EXPECT_STREQ(pw->pw_shell, "/usr/sbin/nologin");
}

TEST_F(InstalledPackage, MetadataNamesConffilesAndEveryLibraryTheBinaryLoads) {
  Outcome status = Shell("dpkg-query -W -f='${Version} ${Status}\\n${Conffiles}' smsgw");
  ASSERT_EQ(status.code, 0) << status.output;
  EXPECT_EQ(status.output.substr(0, status.output.find('\n')),
            std::string(kVersion) + " install ok installed");
  for (const char* conffile : {" /etc/smsgw/gateway.yaml ", " /etc/smsgw/grammar.yaml "}) {
    EXPECT_NE(status.output.find(conffile), std::string::npos) << conffile << " not a conffile";
  }
  Outcome depends = Shell("dpkg-query -W -f='${Depends}' smsgw");
  std::set<std::string> depended;
  std::istringstream list(depends.output);
  for (std::string item; std::getline(list, item, ',');) {
    std::istringstream words(item);
    std::string name;
    words >> name;
    depended.insert(name);
  }
  EXPECT_TRUE(depended.count("adduser")) << depends.output;  // postinst runs it
  Outcome libs = Shell("ldd /usr/bin/smsgw");
  ASSERT_EQ(libs.code, 0) << libs.output;
  std::regex resolved(R"(=> (/\S+) \()");
  std::vector<std::string> paths;
  for (std::sregex_iterator it(libs.output.begin(), libs.output.end(), resolved), end; it != end;
       ++it) {
    paths.push_back((*it)[1]);
  }
  ASSERT_FALSE(paths.empty()) << libs.output;
  std::map<std::string, std::string> owners = OwningPackages(paths);
  for (const std::string& path : paths) {
    EXPECT_TRUE(depended.count(owners[path]))
        << path << " belongs to '" << owners[path] << "', not in Depends: " << depends.output;
  }
}

TEST_F(InstalledPackage, InstalledConfigurationPassesCheckAsTheServiceUser) {
  for (const std::string& as : {std::string(""), std::string("runuser -u smsgw -- ")}) {
    Outcome o = Shell(as + "/usr/bin/smsgw check --config " + kConfig);
    EXPECT_EQ(o.code, 0) << as << o.output;
    EXPECT_EQ(o.output, "OK\n") << as;
  }
  // It passes because the package made the keys, not because smsgw would mint them.
  std::string config = Slurp(kConfig);
  EXPECT_NE(config.find("\n  create_missing: false\n"), std::string::npos);
  EXPECT_NE(config.find("\n    seed_demo_data: false\n"), std::string::npos);
}

TEST_F(InstalledPackage, ServiceUserOpensTheLedgerWithThePackagesKey) {
  Outcome o = Shell(kLedgerCheck);
  EXPECT_EQ(o.code, 0) << o.output;
  FileInfo db = Stat(kLedger);
  EXPECT_TRUE(db.regular);
  EXPECT_EQ(db.mode, 0600u);
  EXPECT_EQ(db.owner, "smsgw");
}

TEST_F(InstalledPackage, ReinstallKeepsKeysAndLocalEdits) {
  std::vector<std::string> before;
  for (const std::string& path : kKeyFiles) before.push_back(Slurp(path));
  ASSERT_EQ(Shell("echo '# local edit' >> " + std::string(kConfig)).code, 0);
  Outcome again = Shell(Install());
  ASSERT_EQ(again.code, 0) << again.output;
  for (std::size_t i = 0; i < kKeyFiles.size(); ++i) {
    EXPECT_EQ(Slurp(kKeyFiles[i]), before[i]) << kKeyFiles[i] << " was replaced";
  }
  std::string config = Slurp(kConfig);
  const std::string edit = "# local edit\n";
  ASSERT_GE(config.size(), edit.size());
  EXPECT_EQ(config.substr(config.size() - edit.size()), edit) << "local edit lost";
  FileInfo info = Stat(kConfig);
  EXPECT_EQ(info.mode, 0640u);
  EXPECT_EQ(info.group, "smsgw");
}

TEST_F(InstalledPackage, UnitIsEnabledAndRunsTheInstalledBinaryAsSmsgw) {
  std::string unit = Slurp(kUnit);
  for (const char* line : {"\nExecStart=/usr/bin/smsgw run --config /etc/smsgw/gateway.yaml\n",
                           "\nExecReload=/bin/kill -HUP $MAINPID\n", "\nUser=smsgw\n",
                           "\nRestart=on-failure\n", "\nReadWritePaths=/var/lib/smsgw\n",
                           "\nType=notify\n", "\nRestartPreventExitStatus=1 2 4 5\n"}) {
    EXPECT_NE(unit.find(line), std::string::npos) << "missing:" << line;
  }
  // postinst enables with deb-systemd-helper (init-system-helpers), when it is there.
  if (Shell("command -v deb-systemd-helper").code == 0) {
    EXPECT_TRUE(Stat(kWantsLink).exists) << "not enabled at boot";
  }
}

TEST_F(InstalledPackage, UnitPassesSystemdAnalyze) {
  if (Shell("command -v systemd-analyze").code != 0) {
    GTEST_SKIP() << "systemd-analyze not available (Debian package systemd): unit not verified";
  }
  Outcome verify = Shell(std::string("systemd-analyze verify ") + kUnit);
  EXPECT_EQ(verify.code, 0) << verify.output;
  EXPECT_EQ(verify.output, "") << "warnings";
  Outcome security = Shell(std::string("systemd-analyze security --offline=true ") + kUnit);
  std::smatch score;
  ASSERT_TRUE(std::regex_search(security.output, score,
                                std::regex(R"(Overall exposure level for \S+: ([0-9.]+))")))
      << security.output;
  EXPECT_LE(std::stod(score[1]), kMaxExposure) << security.output;
}

// Its own install, to see remove and purge from the start.
class PackageLifecycle : public ::testing::Test {
 protected:
  static void TearDownTestSuite() { Host::Get().Restore(); }
  void SetUp() override {
    if (!Host::Get().skip_reason().empty()) GTEST_SKIP() << Host::Get().skip_reason();
    ASSERT_EQ(Host::Get().build_error(), "");
  }
};

TEST_F(PackageLifecycle, RemoveKeepsConfigurationKeysAndDataPurgeDeletesThem) {
  Outcome installed = Shell(Install());
  ASSERT_EQ(installed.code, 0) << installed.output;
  Outcome ledger = Shell(kLedgerCheck);
  ASSERT_EQ(ledger.code, 0) << ledger.output;

  Outcome removed = Shell("dpkg --remove smsgw");
  ASSERT_EQ(removed.code, 0) << removed.output;
  EXPECT_NE(removed.output.find("Kept: /etc/smsgw"), std::string::npos) << removed.output;
  EXPECT_FALSE(Stat("/usr/bin/smsgw").exists);
  EXPECT_FALSE(Stat(kUnit).exists);
  for (const std::string& kept : {std::string(kConfig), kKeyFiles[0], std::string(kLedger)}) {
    EXPECT_TRUE(Stat(kept).exists) << kept << " deleted by remove";
  }

  Outcome purged = Shell("dpkg --purge smsgw");
  ASSERT_EQ(purged.code, 0) << purged.output;
  for (const char* gone : {"/etc/smsgw", "/var/lib/smsgw", kWantsLink}) {
    EXPECT_FALSE(Stat(gone).exists) << gone << " left after purge";
  }
  EXPECT_NE(Shell(std::string("dpkg-statoverride --list ") + kConfig).code, 0);
  EXPECT_NE(Shell("dpkg-query -W smsgw").code, 0) << "dpkg still knows the package";
}

}  // namespace
}  // namespace smsgw::packaging
