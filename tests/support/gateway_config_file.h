// A minimal valid gateway.yaml for the administration commands' tests (`ctl`, `ledger`
// --config). Header-only, like store_fixture.h.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

namespace smsgw::test_support {

// Writes `dir`/gateway.yaml naming these store and ledger files and key files, and an empty
// grammar file beside it (the administration commands never read it). keys.create_missing is
// on, so key files that do not exist yet are not an error of the file.
inline std::string WriteGatewayConfig(const std::filesystem::path& dir, const std::string& store_db,
                                      const std::string& store_key, const std::string& ledger_db,
                                      const std::string& pepper_key) {
  const std::string path = (dir / "gateway.yaml").string();
  std::ofstream(dir / "grammar.yaml") << "# not read\n";
  std::ofstream(path) << "smpp:\n"
                         "  connections:\n"
                         "    - {name: a, host: h, port: 1, system_id: s, password: p}\n"
                         "short_codes:\n"
                         "  - code: \"4040\"\n"
                         "backend:\n"
                         "  type: embedded\n"
                         "  embedded: {ledger_path: "
                      << ledger_db << ", pepper_key_file: " << pepper_key
                      << "}\n"
                         "store: {path: "
                      << store_db << ", key_file: " << store_key
                      << ", network_dedup_window: 36h}\n"
                         "keys: {create_missing: true}\n"
                         "grammar: grammar.yaml\n"
                         "admin: {token_file: admin.token}\n";
  return path;
}

}  // namespace smsgw::test_support
