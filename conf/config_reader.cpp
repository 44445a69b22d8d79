#include "conf/config_reader.h"

#include <algorithm>

#include "parser/edit_distance.h"

namespace smsgw::conf::schema {

Position PositionOf(const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return Position{};
  return Position{mark.line + 1, mark.column + 1};
}

void ReadContext::Error(Position at, std::string key_path, std::string message) {
  errors_.push_back(ConfigError{at, std::move(key_path), std::move(message)});
}

Position ReadContext::Where(std::string key_path) const {
  while (!key_path.empty()) {
    auto it = positions_.find(key_path);
    if (it != positions_.end()) return it->second;
    std::size_t cut = key_path.find_last_of(".[");
    key_path.resize(cut == std::string::npos ? 0 : cut);
  }
  return Position{};
}

MappingReader::MappingReader(ReadContext& ctx, const YAML::Node& map, std::string key_path,
                             Position at)
    : ctx_(ctx), path_(std::move(key_path)), at_(at) {
  if (!map.IsMap()) return;
  for (auto it = map.begin(); it != map.end(); ++it) {
    std::string name = it->first.IsScalar() ? it->first.Scalar() : "";
    Entry e{path_.empty() ? name : path_ + "." + name, it->first, it->second};
    if (!it->first.IsScalar()) {
      ctx_.Error(PositionOf(it->first.Mark()), path_, "expected a key name, got a mapping or list");
      continue;
    }
    auto first = std::find_if(entries_.begin(), entries_.end(),
                              [&](const Entry& o) { return o.path == e.path; });
    if (first != entries_.end()) {
      int line = PositionOf(first->key.Mark()).line;
      ctx_.Error(
          PositionOf(e.key.Mark()), e.path,
          "key written twice (first at line " + std::to_string(line) + "); only the first is used");
      continue;
    }
    entries_.push_back(std::move(e));
  }
}

const MappingReader::Entry* MappingReader::Take(const char* key, unsigned flags) {
  known_.emplace_back(key);
  std::string path = path_.empty() ? key : path_ + "." + key;
  for (const Entry& e : entries_) {
    if (e.path != path) continue;
    ctx_.Remember(path, At(e));
    return &e;  // the first; later ones are reported as duplicates
  }
  if (flags & kRequired) ctx_.Error(at_, path, "required key is missing");
  return nullptr;
}

void MappingReader::Finish() {
  std::vector<std::string_view> candidates(known_.begin(), known_.end());
  for (const Entry& e : entries_) {
    const std::string& name = e.key.Scalar();
    if (std::find(known_.begin(), known_.end(), name) != known_.end()) continue;
    std::string_view hint = parser::ClosestMatch(name, candidates, 2);
    std::string msg = "unknown key";
    if (!hint.empty()) {
      msg += "; did you mean \"" + std::string(hint) + "\"?";
    } else {
      msg += "; known keys here: ";
      for (std::size_t k = 0; k < known_.size(); ++k) msg += (k ? ", " : "") + known_[k];
    }
    ctx_.Error(PositionOf(e.key.Mark()), e.path, std::move(msg));
  }
}

bool MappingReader::ExpectList(const Entry& e, const std::string& expected) {
  if (e.value.IsSequence() || e.value.IsNull()) return true;
  std::string got = e.value.IsMap() ? "a mapping" : Quote(e.value.Scalar());
  ctx_.Error(At(e), e.path, "expected " + expected + ", got " + got);
  return false;
}

void MappingReader::ReportScalar(const Entry& e, const std::string& expected,
                                 std::string parse_error) {
  if (e.value.IsMap() || e.value.IsSequence()) {
    parse_error = "expected " + expected + ", got " + (e.value.IsMap() ? "a mapping" : "a list");
  } else if (e.value.IsNull()) {
    parse_error = "expected " + expected + ", got nothing";
  }
  ctx_.Error(At(e), e.path, std::move(parse_error));
}

Position MappingReader::At(const Entry& e) {
  return PositionOf((e.value.IsNull() ? e.key : e.value).Mark());
}

}  // namespace smsgw::conf::schema
