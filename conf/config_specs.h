// The value kinds a configuration key can have, each with its rules in one place: how the text
// from the file is parsed and checked, what the error says was expected, and how a default is
// written in the documentation. Internal to conf/: conf/config_schema.h pairs every key with one
// of these, and the visitors (reading, reload diff, key listing) use them.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "conf/gateway_config.h"

namespace smsgw::conf::schema {

// Field flags.
inline constexpr unsigned kRestart = 0;   // a new value needs a restart
inline constexpr unsigned kReload = 1;    // SIGHUP applies a new value
inline constexpr unsigned kRequired = 2;  // the key must be in the file

struct ParseContext {
  std::string base_dir;      // absolute; relative paths resolve against it
  bool check_files = true;   // false: paths are resolved but not looked at
  bool read_secrets = true;  // false: secrets are neither required nor read (LoadOptions)
};

// A scalar from the file as an error message shows it: quoted, cut at 40 characters.
std::string Quote(std::string_view text);

// Every spec has: Type() and Range() for the key listing, Expected() for errors, Render(value)
// for defaults, and Parse(text, value&, context) returning "" or the error (without the key
// path, which the reader adds). Parse leaves the value alone on error.

struct IntSpec {
  std::int64_t min;
  std::int64_t max;
  bool hex = false;  // rendered as 0x34
  // Not empty: only these values (inside min-max) are allowed, as for a code from a table.
  std::span<const std::int64_t> only = {};

  std::string Type() const { return "integer"; }
  std::string Range() const;
  std::string Expected() const;
  std::string ParseInt(std::string_view text, std::int64_t* out) const;
  std::string RenderInt(std::int64_t v) const;
  template <class I>
  std::string Parse(std::string_view text, I& out, const ParseContext&) const {
    std::int64_t v = 0;
    std::string error = ParseInt(text, &v);
    if (error.empty()) out = static_cast<I>(v);
    return error;
  }
  template <class I>
  std::string Render(I v) const {
    return RenderInt(static_cast<std::int64_t>(v));
  }
};

struct BoolSpec {
  std::string Type() const { return "bool"; }
  std::string Range() const { return "true | false"; }
  std::string Expected() const { return "true or false"; }
  std::string Parse(std::string_view text, bool& out, const ParseContext&) const;
  std::string Render(bool v) const { return v ? "true" : "false"; }
};

struct DurationSpec {
  Duration min;
  Duration max;

  std::string Type() const { return "duration"; }
  std::string Range() const;
  std::string Expected() const;
  std::string Parse(std::string_view text, Duration& out, const ParseContext&) const;
  std::string Render(Duration v) const;
};

// Free text with a length range and, optionally, a character rule.
struct TextSpec {
  std::size_t min_len;
  std::size_t max_len;
  const char* what = "text";  // "a host name or IP address"
  bool (*valid)(std::string_view) = nullptr;
  bool secret = false;  // never echoed in an error

  std::string Type() const { return "string"; }
  std::string Range() const;
  std::string Expected() const;
  std::string Parse(std::string_view text, std::string& out, const ParseContext&) const;
  std::string Render(const std::string& v) const { return "\"" + v + "\""; }
};

// A file path; relative paths resolve against the config file's directory.
struct PathSpec {
  bool must_exist;        // else it may be created later (a database), but is never a directory
  bool optional = false;  // "" means "not set" and stays ""

  std::string Type() const { return "path"; }
  std::string Range() const {
    if (!must_exist) return "file (created if missing)";
    return optional ? "readable file, or \"\"" : "readable file";
  }
  std::string Expected() const { return "a file path"; }
  std::string Parse(std::string_view text, std::string& out, const ParseContext& ctx) const;
  std::string Render(const std::string& v) const { return "\"" + v + "\""; }
};

// The path of a key file. Existence, mode and content are checked with the environment and
// keys.create_missing in view (conf/config_checks.cpp), not here.
struct KeyFileSpec {
  std::string Type() const { return "key file"; }
  std::string Range() const { return "mode 0600 or stricter"; }
  std::string Expected() const { return "a file path"; }
  std::string Parse(std::string_view text, KeySource& out, const ParseContext& ctx) const;
  std::string Render(const KeySource& v) const { return "\"" + v.file + "\""; }
};

struct EndpointSpec {
  std::string Type() const { return "address"; }
  std::string Range() const { return "IP:port"; }
  std::string Expected() const { return "an address IP:port such as \"127.0.0.1:7780\""; }
  std::string Parse(std::string_view text, Endpoint& out, const ParseContext&) const;
  std::string Render(const Endpoint& v) const;
};

template <class E>
struct EnumName {
  const char* name;
  E value;
};

template <class E>
struct EnumSpec {
  std::span<const EnumName<E>> names;

  std::string Type() const { return "enum"; }
  std::string Range() const {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : " | ") + std::string(n.name);
    return out;
  }
  std::string Expected() const { return "one of " + Range(); }
  std::string Parse(std::string_view text, E& out, const ParseContext&) const {
    for (const auto& n : names) {
      if (text == n.name) {
        out = n.value;
        return "";
      }
    }
    return "expected " + Expected() + ", got " + Quote(text);
  }
  std::string Render(E v) const {
    for (const auto& n : names) {
      if (n.value == v) return n.name;
    }
    return "?";
  }
};

// A list of scalars, each checked by Element.
template <class Element>
struct ListSpec {
  Element element;

  std::string Type() const { return "list of " + element.Type(); }
  std::string Range() const { return element.Range(); }
  std::string Expected() const { return "a list of " + element.Expected(); }
  template <class V>
  std::string Render(const std::vector<V>& v) const {
    std::string out = "[";
    for (const auto& e : v) out += (out.size() > 1 ? ", " : "") + element.Render(e);
    return out + "]";
  }
};

// Character rules for TextSpec.
bool IsName(std::string_view s);      // letters, digits, '-', '_'
bool IsHostName(std::string_view s);  // letters, digits, '.', '-', ':' (IPv6)
bool IsPrintableAscii(std::string_view s);
bool IsAlphanumeric(std::string_view s);
bool IsLanguageTag(std::string_view s);  // lower-case letters
bool IsHttpUrl(std::string_view s);      // http:// or https:// with a host
bool IsKeyId(std::string_view s);        // letters, digits, '.', '-', '_'

}  // namespace smsgw::conf::schema
