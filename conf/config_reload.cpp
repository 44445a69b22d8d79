#include "conf/config_reload.h"

#include "conf/config_schema.h"

namespace smsgw::conf {

namespace {

using schema::kReload;
using schema::Schema;

template <class T>
void Diff(const T& a, const T& b, const std::string& path, std::vector<std::string>& out);

// The schema visitor comparing two values of T field by field.
template <class T>
class Differ {
 public:
  Differ(const T& a, const T& b, const std::string& path, std::vector<std::string>& out)
      : a_(a), b_(b), path_(path), out_(out) {}

  template <class M, class Spec>
  void Field(const char* key, M T::*member, const Spec&, unsigned flags) {
    if (!(flags & kReload) && !(a_.*member == b_.*member)) out_.push_back(Join(key));
  }

  template <class S>
  void Section(const char* key, S T::*member, unsigned) {
    Diff(a_.*member, b_.*member, Join(key), out_);
  }

  template <class S>
  void List(const char* key, std::vector<S> T::*member, unsigned) {
    const std::vector<S>& x = a_.*member;
    const std::vector<S>& y = b_.*member;
    if (x.size() != y.size()) {
      out_.push_back(Join(key));
      return;
    }
    for (std::size_t i = 0; i < x.size(); ++i) {
      Diff(x[i], y[i], Join(key) + "[" + std::to_string(i) + "]", out_);
    }
  }

 private:
  std::string Join(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

  const T& a_;
  const T& b_;
  const std::string& path_;
  std::vector<std::string>& out_;
};

template <class T>
void Diff(const T& a, const T& b, const std::string& path, std::vector<std::string>& out) {
  Differ<T> differ(a, b, path, out);
  Schema<T>::Fields(differ);
}

}  // namespace

std::vector<std::string> RestartOnlyChanges(const GatewayConfig& current,
                                            const GatewayConfig& next) {
  std::vector<std::string> out;
  Diff(current, next, "", out);
  return out;
}

}  // namespace smsgw::conf
