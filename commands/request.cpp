#include "commands/request.h"

#include <openssl/crypto.h>

#include <nlohmann/json.hpp>

namespace smsgw::commands {

namespace {

using nlohmann::json;

void Wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

}  // namespace

std::string EncodeRequest(const Request& r) {
  json show = json::object();
  for (const parser::TemplateValue& v : r.show) show[v.name] = v.value;
  json args = json::object();
  for (const auto& [name, value] : r.args) {
    if (const int64_t* i = std::get_if<int64_t>(&value)) {
      args[name] = *i;
    } else {
      args[name] = std::get<std::string>(value);
    }
  }
  json j = {{"v", 1},
            {"cmd", r.command},
            {"lang", r.language},
            {"sc", r.short_code},
            {"conn", r.connection},
            {"step", r.step},
            {"tries", r.tries},
            {"show", show},
            {"args", args}};
  return j.dump();
}

Result<Request> DecodeRequest(std::string_view payload) {
  json j = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || j.value("v", 0) != 1) return Status::InvalidArgument("payload");
  try {
    Request r;
    r.command = j.at("cmd").get<std::string>();
    r.language = j.at("lang").get<std::string>();
    r.short_code = j.at("sc").get<std::string>();
    r.connection = j.at("conn").get<std::string>();
    r.step = j.at("step").get<int>();
    r.tries = j.at("tries").get<int>();
    for (const auto& [name, value] : j.at("show").items()) {
      r.show.push_back({name, value.get<std::string>()});
    }
    for (const auto& [name, value] : j.at("args").items()) {
      if (value.is_number_integer()) {
        r.args.emplace(name, value.get<int64_t>());
      } else {
        r.args.emplace(name, value.get<std::string>());
      }
    }
    return r;
  } catch (const json::exception&) {
    return Status::InvalidArgument("payload");
  }
}

Secrets::~Secrets() {
  Wipe(pin);
  Wipe(new_pin);
  Wipe(account);
  Wipe(code);
}

store::SecretBytes EncodeSecrets(const Secrets& s) {
  if (s.empty()) return store::SecretBytes();
  json j = json::object();
  if (!s.pin.empty()) j["pin"] = s.pin;
  if (!s.new_pin.empty()) j["new_pin"] = s.new_pin;
  if (!s.account.empty()) j["account"] = s.account;
  if (!s.code.empty()) j["code"] = s.code;
  std::string text = j.dump();
  store::SecretBytes out(text);
  Wipe(text);
  return out;
}

Result<Secrets> DecodeSecrets(std::string_view sealed_part) {
  Secrets s;
  if (sealed_part.empty()) return s;
  json j = json::parse(sealed_part, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::InvalidArgument("secret");
  auto take = [&j](const char* key, std::string& out) {
    auto it = j.find(key);
    if (it != j.end() && it->is_string()) out = it->get<std::string>();
  };
  take("pin", s.pin);
  take("new_pin", s.new_pin);
  take("account", s.account);
  take("code", s.code);
  return s;
}

}  // namespace smsgw::commands
