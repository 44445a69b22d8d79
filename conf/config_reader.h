// Reads a YAML tree into the typed configuration by walking the schema (config_schema.h),
// collecting every error instead of stopping at the first. Internal to conf/.
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "conf/config_schema.h"

namespace smsgw::conf::schema {

struct Position {
  int line = 1;  // 1-based, as editors count
  int column = 1;
};

Position PositionOf(const YAML::Mark& mark);

struct ConfigError {
  Position at;
  std::string key_path;  // "smpp.connections[0].port"; empty for YAML syntax errors
  std::string message;
};

// What a read accumulates: the errors, and where each key was found so that checks spanning
// several keys can point at the right line.
class ReadContext {
 public:
  explicit ReadContext(ParseContext parse) : parse_(std::move(parse)) {}

  const ParseContext& parse() const { return parse_; }
  void Error(Position at, std::string key_path, std::string message);
  const std::vector<ConfigError>& errors() const { return errors_; }

  void Remember(const std::string& key_path, Position at) { positions_[key_path] = at; }
  // True when key_path was written in the file (whatever its value).
  bool Saw(const std::string& key_path) const { return positions_.count(key_path) > 0; }
  // True when key_path was written with a valid value: checks that depend on it may run.
  bool Valid(const std::string& key_path) const {
    return Saw(key_path) && std::none_of(errors_.begin(), errors_.end(),
                                         [&](const auto& e) { return e.key_path == key_path; });
  }
  // Where key_path was written, or its nearest ancestor that was; 1:1 when none was.
  Position Where(std::string key_path) const;

 private:
  ParseContext parse_;
  std::vector<ConfigError> errors_;
  std::map<std::string, Position> positions_;
};

// One YAML mapping being read: finds keys, reports missing, unknown and duplicate ones.
class MappingReader {
 public:
  // `at` is where a missing key is reported: the mapping itself, or its key when it is empty.
  MappingReader(ReadContext& ctx, const YAML::Node& map, std::string key_path, Position at);

  // Reports the keys no Take asked for, with a did-you-mean. (Keys written twice are reported
  // on construction; the first one counts.)
  void Finish();

 protected:
  struct Entry {
    std::string path;
    YAML::Node key;
    YAML::Node value;
  };

  // The entry for `key`, remembered in the context; nullptr (and an error when the key is
  // required) when it is absent.
  const Entry* Take(const char* key, unsigned flags);
  // True when e holds a list (null counts as an empty one); else reports what it holds.
  bool ExpectList(const Entry& e, const std::string& expected);
  // Reports a scalar's parse error, or a value that is not a scalar at all.
  void ReportScalar(const Entry& e, const std::string& expected, std::string parse_error);
  // Where an error about e's value points. yaml-cpp marks a null value on the line after its
  // key, so those point at the key.
  static Position At(const Entry& e);

  ReadContext& ctx_;

 private:
  std::string path_;
  Position at_;
  std::vector<Entry> entries_;      // in file order, without repeated keys
  std::vector<std::string> known_;  // keys the schema asked for
};

// Fills `out` from `node` (a mapping, or null for "all defaults") by Schema<T>.
template <class T>
void ReadSection(ReadContext& ctx, const YAML::Node& node, const std::string& key_path, Position at,
                 T& out);

// The schema visitor for a mapping that fills a T.
template <class T>
class Reader : public MappingReader {
 public:
  Reader(ReadContext& ctx, const YAML::Node& map, std::string key_path, Position at, T& out)
      : MappingReader(ctx, map, std::move(key_path), at), out_(out) {}

  template <class M, class Spec>
  void Field(const char* key, M T::*member, const Spec& spec, unsigned flags) {
    if (const Entry* e = Take(key, flags)) ReadScalar(*e, spec, out_.*member);
  }

  template <class Element>
  void Field(const char* key, std::vector<std::string> T::*member, const ListSpec<Element>& spec,
             unsigned flags) {
    const Entry* e = Take(key, flags);
    if (e == nullptr || !ExpectList(*e, spec.Expected())) return;
    auto& list = out_.*member;
    list.clear();
    for (std::size_t i = 0; i < e->value.size(); ++i) {
      Entry item{e->path + "[" + std::to_string(i) + "]", e->value[i], e->value[i]};
      ctx_.Remember(item.path, At(item));
      ReadScalar(item, spec.element, list.emplace_back());
    }
  }

  template <class S>
  void Section(const char* key, S T::*member, unsigned flags) {
    if (const Entry* e = Take(key, flags))
      ReadSection(ctx_, e->value, e->path, At(*e), out_.*member);
  }

  template <class S>
  void List(const char* key, std::vector<S> T::*member, unsigned flags) {
    const Entry* e = Take(key, flags);
    if (e == nullptr || !ExpectList(*e, "a list")) return;
    auto& list = out_.*member;
    list.clear();
    for (std::size_t i = 0; i < e->value.size(); ++i) {
      Entry item{e->path + "[" + std::to_string(i) + "]", e->value[i], e->value[i]};
      ctx_.Remember(item.path, At(item));
      ReadSection(ctx_, item.value, item.path, At(item), list.emplace_back());
    }
    if (list.empty() && (flags & kRequired)) {
      ctx_.Error(At(*e), e->path, "expected at least one entry");
    }
  }

 private:
  template <class Spec, class M>
  void ReadScalar(const Entry& e, const Spec& spec, M& out) {
    // A null value is the empty text to a spec that allows it ("system_type:").
    bool scalar = e.value.IsScalar() || e.value.IsNull();
    std::string error = scalar ? spec.Parse(e.value.IsScalar() ? e.value.Scalar() : "", out,
                                            ctx_.parse())
                               : "not a scalar";  // ReportScalar says what it is instead
    if (!error.empty()) ReportScalar(e, spec.Expected(), std::move(error));
  }

  T& out_;
};

template <class T>
void ReadSection(ReadContext& ctx, const YAML::Node& node, const std::string& key_path, Position at,
                 T& out) {
  if (!node.IsMap() && !node.IsNull()) {
    std::string got = node.IsSequence() ? "a list" : Quote(node.Scalar());
    ctx.Error(at, key_path, "expected a mapping of keys, got " + got);
    return;
  }
  Reader<T> reader(ctx, node, key_path, at, out);
  Schema<T>::Fields(reader);
  reader.Finish();
}

}  // namespace smsgw::conf::schema
