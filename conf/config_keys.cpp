#include "conf/config_keys.h"

#include "conf/config_schema.h"

namespace smsgw::conf {

namespace {

using schema::kReload;
using schema::kRequired;
using schema::Schema;

template <class T>
void Describe(const T& defaults, const std::string& path, std::vector<KeyInfo>& out);

// The schema visitor that describes each key, with defaults from a default-built T.
template <class T>
class Lister {
 public:
  Lister(const T& defaults, const std::string& path, std::vector<KeyInfo>& out)
      : defaults_(defaults), path_(path), out_(out) {}

  template <class M, class Spec>
  void Field(const char* key, M T::*member, const Spec& spec, unsigned flags) {
    bool required = flags & kRequired;
    out_.push_back(KeyInfo{Join(key), spec.Type(), required ? "" : spec.Render(defaults_.*member),
                           spec.Range(), required, (flags & kReload) != 0, false});
  }

  template <class S>
  void Section(const char* key, S T::*member, unsigned flags) {
    AddSection(key, "section", flags);
    Describe(defaults_.*member, Join(key), out_);
  }

  template <class S>
  void List(const char* key, std::vector<S> T::*, unsigned flags) {
    AddSection(key, "list", flags);
    Describe(S{}, Join(key) + "[]", out_);
  }

 private:
  std::string Join(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

  void AddSection(const char* key, const char* type, unsigned flags) {
    out_.push_back(
        KeyInfo{Join(key), type, "", "", (flags & kRequired) != 0, (flags & kReload) != 0, true});
  }

  const T& defaults_;
  const std::string& path_;
  std::vector<KeyInfo>& out_;
};

template <class T>
void Describe(const T& defaults, const std::string& path, std::vector<KeyInfo>& out) {
  Lister<T> lister(defaults, path, out);
  Schema<T>::Fields(lister);
}

}  // namespace

std::vector<KeyInfo> ConfigKeys() {
  std::vector<KeyInfo> out;
  Describe(GatewayConfig{}, "", out);
  return out;
}

}  // namespace smsgw::conf
