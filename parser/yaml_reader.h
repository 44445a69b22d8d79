// Reading YAML for the grammar loader: typed getters that never throw and record every problem
// as a Diagnostic with file, line, column and key path, so one pass reports all of them.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parser/diagnostic.h"
#include "parser/grammar.h"

namespace smsgw::parser {

class YamlReader {
 public:
  YamlReader(std::string file, std::vector<Diagnostic>* out) : file_(std::move(file)), out_(out) {}

  const std::string& file() const { return file_; }
  // How many errors (not warnings) have been recorded so far.
  std::size_t errors() const {
    std::size_t n = 0;
    for (const Diagnostic& d : *out_) n += d.is_error() ? 1 : 0;
    return n;
  }

  static SourceMark MarkOf(const YAML::Node& node);

  void Error(SourceMark at, std::string path, std::string message);
  void Error(const YAML::Node& at, std::string path, std::string message) {
    Error(MarkOf(at), std::move(path), std::move(message));
  }
  void Warning(SourceMark at, std::string path, std::string message);

  // True when `node` is a mapping; reports keys outside `allowed` (with a suggestion) and
  // repeated keys. An empty `allowed` accepts any key.
  bool Map(const YAML::Node& node, const std::string& path,
           std::initializer_list<std::string_view> allowed);
  bool Seq(const YAML::Node& node, const std::string& path);

  // Scalars under `key` of mapping `parent`. Missing: nullopt, and an error when `required`.
  std::optional<std::string> String(const YAML::Node& parent, std::string_view key,
                                    const std::string& path, bool required);
  std::optional<int64_t> Int(const YAML::Node& parent, std::string_view key,
                             const std::string& path, int64_t min, int64_t max, bool required);
  std::optional<bool> Bool(const YAML::Node& parent, std::string_view key, const std::string& path);
  // A list of scalars; a single scalar counts as a list of one.
  std::vector<std::string> Strings(const YAML::Node& parent, std::string_view key,
                                   const std::string& path);
  // `key: 4` or `key: {min: 4, max: 6}` within [lo, hi]; a bound left out is `fallback`'s.
  // nullopt when absent or wrong.
  std::optional<std::pair<int, int>> Range(const YAML::Node& parent, std::string_view key,
                                           const std::string& path, int lo, int hi,
                                           std::pair<int, int> fallback);

  // The scalar text of `node`, or nullopt (with an error) when it is not a scalar.
  std::optional<std::string> ScalarOf(const YAML::Node& node, const std::string& path);

 private:
  std::string file_;
  std::vector<Diagnostic>* out_;
};

// "commands[pay]" or "commands[3]".
std::string Item(const std::string& path, std::string_view name, std::size_t index);
std::string Key(const std::string& path, std::string_view key);

}  // namespace smsgw::parser
