// Loading conf/gateway.yaml into a GatewayConfig (conf/gateway_config.h).
//
// Every problem is collected before anything is returned, so one run of `smsgw check` shows
// them all. Each is one line, sorted by position:
//   conf/gateway.yaml:12:5: smpp.connections[0].port: expected an integer 1-65535, got "27x5"
// i.e. the file as the caller named it, 1-based line and column, the key path, and what is
// wrong. Checked: YAML syntax; unknown keys (with a did-you-mean) and keys written twice; the
// type and range of every value; required keys, including those required by another key
// (backend.type); references between keys (short code -> connection); files that must exist;
// key files (present unless keys.create_missing allows smsgw to mint them, mode 0600 or
// stricter, holding a key of the right length) and the environment variables that replace
// them. Secrets never appear in a message.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "conf/gateway_config.h"
#include "conf/status.h"

namespace smsgw::conf {

struct LoadOptions {
  // Looks up an environment variable (secrets: SMSGW_SMPP_PASSWORD_<NAME>, SMSGW_STORE_KEY,
  // SMSGW_LEDGER_PEPPER_KEY, SMSGW_BACKEND_HMAC_KEY, SMSGW_ADMIN_TOKEN). Empty: ::getenv.
  // A variable set to the empty string counts as unset.
  std::function<std::optional<std::string>(const std::string& name)> getenv;
  // False: paths are resolved but no file is looked at (no existence, mode or key checks).
  bool check_files = true;
  // False: the secrets (SMPP passwords, key files and the variables that replace them) are
  // neither required nor read, so a tool that uses none of them (smsgw try) reads a production
  // file without the daemon's environment. Passwords written in the file are still checked.
  bool read_secrets = true;
};

// Reads and validates the file at `path`. On failure the Status is InvalidArgument with one
// error per line as above, or NotFound / IOError when the file itself cannot be read.
Result<GatewayConfig> LoadGatewayConfig(const std::string& path, const LoadOptions& options = {});

// The same from text in memory: `file_label` prefixes the errors and becomes source_file;
// relative paths resolve against `base_dir` (made absolute).
Result<GatewayConfig> ParseGatewayConfig(std::string_view yaml, const std::string& file_label,
                                         const std::string& base_dir,
                                         const LoadOptions& options = {});

}  // namespace smsgw::conf
