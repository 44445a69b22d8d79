#include "parser/matcher.h"

#include <utility>

#include "parser/field_values.h"

namespace smsgw::parser {
namespace {

// Bounds the search whatever the grammar and the text: each step reads one field once.
constexpr int kMaxSteps = 256;

class Search {
 public:
  Search(const Grammar& g, const CommandSpec& c, const Tokens& t, std::string_view original)
      : g_(g), c_(c), t_(t), original_(original) {}

  Match Run(std::size_t first_token) {
    if (Go(0, first_token)) {
      best_.ok = true;
      best_.slots = slots_;
      best_.filled = c_.fields.size();
    }
    return best_;
  }

 private:
  bool Go(std::size_t fi, std::size_t ti) {
    if (++steps_ > kMaxSteps) return false;
    const std::size_t left = t_.size() - ti;
    if (fi == c_.fields.size()) {
      if (left == 0) return true;
      // Optional fields skipped just before do not count: "HELP FOO" is a bad topic, not a
      // HELP with a value too many.
      std::size_t depth = fi;
      while (depth > 0 && slots_[depth - 1].count == 0) --depth;
      Fail(depth, ti, ErrorKind::kExtraValues, Rule::kNone);
      return false;
    }
    const FieldSpec& spec = c_.fields[fi];
    const std::size_t max = MaxSpan(spec, left);
    const std::size_t min = spec.type == FieldType::kText ? max : 1;
    for (std::size_t n = min; n <= max && n > 0; ++n) {
      const Rule rule = ReadField(g_, spec, t_, ti, n, original_, &scratch_);
      if (rule == Rule::kNone) {
        slots_[fi] = {static_cast<uint32_t>(ti), static_cast<uint32_t>(n)};
        if (Go(fi + 1, ti + n)) return true;
      } else if (n == min) {
        Fail(fi, ti, ErrorKind::kBadField, rule);
      }
    }
    if (spec.optional) {
      slots_[fi] = {static_cast<uint32_t>(ti), 0};
      return Go(fi + 1, ti);
    }
    if (left == 0) Fail(fi, ti, ErrorKind::kMissingField, Rule::kNone);
    return false;
  }

  // Keeps the failure that got furthest: through the fields, then through the tokens; the
  // first one on a tie. `field` fields have slots; the failure is about field `field`.
  void Fail(std::size_t field, std::size_t token, ErrorKind kind, Rule rule) {
    if (have_failure_ && std::pair(field, token) <= std::pair(best_.filled, failed_token_)) return;
    have_failure_ = true;
    failed_token_ = token;
    best_.slots = slots_;
    best_.filled = field;
    best_.failure = kind;
    best_.failed_field = field;
    best_.rule = rule;
  }

  const Grammar& g_;
  const CommandSpec& c_;
  const Tokens& t_;
  std::string_view original_;
  std::array<Slot, kMaxFields> slots_{};
  Match best_;
  bool have_failure_ = false;
  std::size_t failed_token_ = 0;
  int steps_ = 0;
  ValueBuf scratch_;
};

}  // namespace

Match MatchFields(const Grammar& grammar, const CommandSpec& command, const Tokens& tokens,
                  std::size_t first_token, std::string_view original) {
  return Search(grammar, command, tokens, original).Run(first_token);
}

}  // namespace smsgw::parser
