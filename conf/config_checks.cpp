#include "conf/config_checks.h"

#include <algorithm>
#include <map>

#include "conf/duration.h"
#include "conf/key_file.h"
#include "parser/edit_distance.h"

namespace smsgw::conf::schema {

namespace {

// Plain http to another machine: the instruction bodies carry PINs and account numbers, so they
// may cross the network only inside TLS. http:// stays for a backend on this machine.
bool IsPlainHttpOffHost(std::string_view url) {
  if (!url.starts_with("http://")) return false;
  std::string_view authority = url.substr(7, url.find_first_of("/?#", 7) - 7);
  std::string_view host = authority.starts_with('[') ? authority.substr(0, authority.find(']') + 1)
                                                     : authority.substr(0, authority.rfind(':'));
  const bool ipv4_loopback =
      host.starts_with("127.") && host.find_first_not_of("0123456789.") == std::string_view::npos;
  return !(ipv4_loopback || host == "localhost" || host == "[::1]");
}

std::string Index(const std::string& list, std::size_t i) {
  return list + "[" + std::to_string(i) + "]";
}

class Checker {
 public:
  Checker(GatewayConfig& config, ReadContext& ctx, const EnvLookup& env)
      : config_(config), ctx_(ctx), env_(env) {}

  void Run() {
    Connections();
    ShortCodes();
    Backend();
    if (ctx_.Valid("store")) {
      DedupWindows(config_.store);
      Key("store.key_file", config_.store.key, true);
    }
    if (!Broken("admin")) Key("admin.token_file", config_.admin.token, true);
  }

 private:
  void Error(const std::string& path, std::string message) {
    ctx_.Error(ctx_.Where(path), path, std::move(message));
  }

  // Written, but not as a usable mapping: what it should contain was not read, so checks of
  // its keys would only repeat the error.
  bool Broken(const std::string& path) const { return ctx_.Saw(path) && !ctx_.Valid(path); }

  int LineOf(const std::string& path) const { return ctx_.Where(path).line; }

  std::optional<std::string> Env(const std::string& name) const {
    std::optional<std::string> v = env_(name);
    if (v && v->empty()) return std::nullopt;
    return v;
  }

  // A key that another key's value makes necessary.
  void Require(const std::string& path, const std::string& because) {
    if (!ctx_.Saw(path)) Error(path, "required key is missing (" + because + ")");
  }

  void Ordered(const std::string& section, const char* min_key, Duration min, const char* max_key,
               Duration max) {
    if (min <= max) return;
    Error(section + "." + max_key,
          "must not be less than " + std::string(min_key) + " (" + FormatDuration(min) + ")");
  }

  // without_id <= handset_reference <= network_dedup_window. When the outer two are out of
  // order that alone is reported, not the middle one against each.
  void DedupWindows(const StoreConfig& s) {
    if (s.network_dedup_window_without_id > s.network_dedup_window) {
      return Ordered("store", "network_dedup_window_without_id", s.network_dedup_window_without_id,
                     "network_dedup_window", s.network_dedup_window);
    }
    Ordered("store", "network_dedup_window_without_id", s.network_dedup_window_without_id,
            "network_dedup_window_handset_reference", s.network_dedup_window_handset_reference);
    Ordered("store", "network_dedup_window_handset_reference",
            s.network_dedup_window_handset_reference, "network_dedup_window",
            s.network_dedup_window);
  }

  // A stop waits stop_timeout for the responses to the submits in flight; a submit waits
  // response_timeout for its own. A shorter stop_timeout would cut off a submit the SMSC may
  // still accept, and its reply would be sent again after the restart. Left out, it grows
  // with response_timeout, so that raising response_timeout alone stays valid.
  void StopTimeout(const std::string& path, SmppConnection& c) {
    const std::string response = path + ".response_timeout";
    if (ctx_.Saw(response) && !ctx_.Valid(response)) return;  // reported by the reader
    if (!ctx_.Saw(path + ".stop_timeout")) {
      c.stop_timeout = std::max(c.stop_timeout, c.response_timeout);
      return;
    }
    if (c.stop_timeout >= c.response_timeout) return;
    Error(path + ".stop_timeout",
          "must not be less than response_timeout (" + FormatDuration(c.response_timeout) +
              "): a stop must wait that long for the responses to the submits in flight");
  }

  void Connections() {
    std::map<std::string, std::string> by_env_var;  // names equal once upper-cased
    for (std::size_t i = 0; i < config_.smpp.connections.size(); ++i) {
      SmppConnection& c = config_.smpp.connections[i];
      std::string path = Index("smpp.connections", i);
      if (Broken(path)) continue;
      Ordered(path, "reconnect_backoff_min", c.reconnect_backoff_min, "reconnect_backoff_max",
              c.reconnect_backoff_max);
      StopTimeout(path, c);
      if (c.name.empty()) continue;  // reported by the reader
      std::string var = SmppPasswordEnvVar(c.name);
      auto [first, fresh] = by_env_var.emplace(var, path + ".name");
      if (!fresh) {
        Error(path + ".name", "connection name \"" + c.name + "\" is already used at line " +
                                  std::to_string(LineOf(first->second)) +
                                  " (names are compared as in " + var + ")");
      }
      if (!ctx_.parse().read_secrets) continue;
      if (std::optional<std::string> password = Env(var)) {
        std::string error = kSmppPassword.Parse(*password, c.password, ctx_.parse());
        if (!error.empty()) Error(path + ".password", var + ": " + error);
      } else if (!ctx_.Saw(path + ".password")) {
        Error(path + ".password", "required key is missing (or set " + var + ")");
      }
    }
  }

  void ShortCodes() {
    std::vector<std::string_view> names;
    for (const SmppConnection& c : config_.smpp.connections) names.push_back(c.name);
    std::map<std::string, std::string> codes;
    for (std::size_t i = 0; i < config_.short_codes.size(); ++i) {
      const ShortCode& sc = config_.short_codes[i];
      std::string path = Index("short_codes", i);
      auto [first, fresh] = codes.emplace(sc.code, path + ".code");
      if (!fresh && !sc.code.empty()) {
        Error(path + ".code", "short code \"" + sc.code + "\" is already defined at line " +
                                  std::to_string(LineOf(first->second)));
      }
      for (std::size_t j = 0; j < sc.connections.size(); ++j) {
        const std::string& name = sc.connections[j];
        if (name.empty() || std::find(names.begin(), names.end(), name) != names.end()) continue;
        std::string msg = "no SMPP connection is named \"" + name + "\"";
        std::string_view hint = parser::ClosestMatch(name, names, 2);
        if (!hint.empty()) msg += "; did you mean \"" + std::string(hint) + "\"?";
        Error(Index(path + ".connections", j), std::move(msg));
      }
    }
  }

  void Backend() {
    BackendConfig& b = config_.backend;
    if (!ctx_.Valid("backend.type")) return;  // reported by the reader
    if (b.type == BackendType::kEmbedded) {
      if (Broken("backend.embedded")) return;
      Require("backend.embedded.ledger_path", "backend.type is embedded");
      Key("backend.embedded.pepper_key_file", b.embedded.pepper_key, true);
      return;
    }
    if (Broken("backend.http")) return;
    Require("backend.http.url", "backend.type is http");
    if (ctx_.Valid("backend.http.url") && IsPlainHttpOffHost(b.http.url)) {
      Error("backend.http.url",
            "plain http:// to another host would carry PINs in clear; use https:// (http:// is "
            "for a backend on this machine: 127.0.0.1, [::1] or localhost)");
    }
    Require("backend.http.key_id", "backend.type is http");
    Key("backend.http.hmac_key_file", b.http.hmac_key, false);
    Ordered("backend.http", "backoff_min", b.http.backoff_min, "backoff_max", b.http.backoff_max);
  }

  // `mintable`: smsgw may create this key itself (it is not shared with anyone else).
  void Key(const std::string& path, KeySource& key, bool mintable) {
    key.create_if_missing = mintable && config_.keys.create_missing;
    if (!ctx_.parse().read_secrets) return;
    if (std::optional<std::string> value = Env(key.env_var)) {
      key.env_value = std::move(*value);
      Result<KeyBytes> decoded = ReadKey(key);
      if (!decoded.ok()) Error(path, decoded.status().message());
      return;
    }
    if (key.file.empty()) {
      if (!ctx_.Saw(path)) Error(path, "required key is missing (or set " + key.env_var + ")");
      return;
    }
    if (!ctx_.parse().check_files) return;
    Result<KeyBytes> read = ReadKeyFile(key.file, key.min_bytes, key.max_bytes);
    bool missing = read.status().IsNotFound();
    if (read.ok() || (missing && key.create_if_missing)) return;
    std::string msg = read.status().message();
    if (missing) {
      msg += mintable ? "; with keys.create_missing: true smsgw creates it at start"
                      : "; this key is shared with the backend, so smsgw never creates it";
    }
    Error(path, std::move(msg));
  }

  GatewayConfig& config_;
  ReadContext& ctx_;
  const EnvLookup& env_;
};

}  // namespace

void CheckAndComplete(GatewayConfig& config, ReadContext& ctx, const EnvLookup& env) {
  Checker(config, ctx, env).Run();
}

}  // namespace smsgw::conf::schema
