#include "parser/yaml_reader.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "parser/edit_distance.h"

namespace smsgw::parser {

std::string Item(const std::string& path, std::string_view name, std::size_t index) {
  return path + "[" + (name.empty() ? std::to_string(index) : std::string(name)) + "]";
}

std::string Key(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

SourceMark YamlReader::MarkOf(const YAML::Node& node) {
  if (!node.IsDefined()) return {};
  const YAML::Mark m = node.Mark();
  if (m.is_null()) return {};
  return {m.line + 1, m.column + 1};
}

void YamlReader::Error(SourceMark at, std::string path, std::string message) {
  out_->push_back({Diagnostic::Severity::kError, file_, at.line, at.column, std::move(path),
                   std::move(message)});
}

void YamlReader::Warning(SourceMark at, std::string path, std::string message) {
  out_->push_back({Diagnostic::Severity::kWarning, file_, at.line, at.column, std::move(path),
                   std::move(message)});
}

bool YamlReader::Map(const YAML::Node& node, const std::string& path,
                     std::initializer_list<std::string_view> allowed) {
  if (!node.IsMap()) {
    Error(node, path, "expected a mapping (key: value)");
    return false;
  }
  const std::vector<std::string_view> known(allowed);
  std::set<std::string> seen;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) {
      Error(kv.first, path, "keys must be plain words");
      continue;
    }
    const std::string& key = kv.first.Scalar();
    if (!seen.insert(key).second) {
      Error(kv.first, Key(path, key), "key given twice");
      continue;
    }
    if (known.empty() || std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string msg = "unknown key '" + key + "'";
    const std::string_view hint = ClosestMatch(key, known, 3);
    if (!hint.empty()) msg += " (did you mean '" + std::string(hint) + "'?)";
    Error(kv.first, Key(path, key), msg);
  }
  return true;
}

bool YamlReader::Seq(const YAML::Node& node, const std::string& path) {
  if (node.IsSequence()) return true;
  Error(node, path, "expected a list");
  return false;
}

std::optional<std::string> YamlReader::ScalarOf(const YAML::Node& node, const std::string& path) {
  if (node.IsScalar()) return node.Scalar();
  Error(node, path,
        node.IsNull()
            ? "expected a value"
            : "expected a single value, not a " + std::string(node.IsMap() ? "mapping" : "list"));
  return std::nullopt;
}

std::optional<std::string> YamlReader::String(const YAML::Node& parent, std::string_view key,
                                              const std::string& path, bool required) {
  const YAML::Node node = parent[std::string(key)];
  if (!node.IsDefined()) {
    if (required) Error(parent, Key(path, key), "missing (required)");
    return std::nullopt;
  }
  return ScalarOf(node, Key(path, key));
}

std::optional<int64_t> YamlReader::Int(const YAML::Node& parent, std::string_view key,
                                       const std::string& path, int64_t min, int64_t max,
                                       bool required) {
  const YAML::Node node = parent[std::string(key)];
  const std::optional<std::string> text = String(parent, key, path, required);
  if (!text) return std::nullopt;
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size()) {
    Error(node, Key(path, key), "expected a whole number, got '" + *text + "'");
    return std::nullopt;
  }
  if (value < min || value > max) {
    Error(node, Key(path, key),
          "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> YamlReader::Bool(const YAML::Node& parent, std::string_view key,
                                     const std::string& path) {
  const std::optional<std::string> text = String(parent, key, path, false);
  if (!text) return std::nullopt;
  if (*text == "true" || *text == "yes") return true;
  if (*text == "false" || *text == "no") return false;
  Error(parent[std::string(key)], Key(path, key), "expected true or false, got '" + *text + "'");
  return std::nullopt;
}

std::vector<std::string> YamlReader::Strings(const YAML::Node& parent, std::string_view key,
                                             const std::string& path) {
  std::vector<std::string> out;
  const YAML::Node node = parent[std::string(key)];
  if (!node.IsDefined() || node.IsNull()) return out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
    return out;
  }
  if (!Seq(node, Key(path, key))) return out;
  for (std::size_t i = 0; i < node.size(); ++i) {
    if (auto s = ScalarOf(node[i], Item(Key(path, key), "", i))) out.push_back(*s);
  }
  return out;
}

std::optional<std::pair<int, int>> YamlReader::Range(const YAML::Node& parent, std::string_view key,
                                                     const std::string& path, int lo, int hi,
                                                     std::pair<int, int> fallback) {
  const YAML::Node node = parent[std::string(key)];
  if (!node.IsDefined()) return std::nullopt;
  const std::string p = Key(path, key);
  if (node.IsScalar()) {
    auto v = Int(parent, key, path, lo, hi, true);
    if (!v) return std::nullopt;
    return std::pair<int, int>(static_cast<int>(*v), static_cast<int>(*v));
  }
  if (!Map(node, p, {"min", "max"})) return std::nullopt;
  if (!node["min"].IsDefined() && !node["max"].IsDefined()) {
    Error(node, p, "give min, max or both");
    return std::nullopt;
  }
  auto min = node["min"].IsDefined() ? Int(node, "min", p, lo, hi, true) : fallback.first;
  auto max = node["max"].IsDefined() ? Int(node, "max", p, lo, hi, true) : fallback.second;
  if (!min || !max) return std::nullopt;
  if (*min > *max) {
    Error(node, p, "min is greater than max");
    return std::nullopt;
  }
  return std::pair<int, int>(static_cast<int>(*min), static_cast<int>(*max));
}

}  // namespace smsgw::parser
