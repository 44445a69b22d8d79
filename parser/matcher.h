// Aligning a command's fields with the tokens after its keyword. Fields may be optional and
// some span several tokens ("0712 345 678"), so this is a small bounded search; the first
// alignment in which every field reads cleanly wins (optional fields are filled from the
// left). When none does, the failure that got furthest explains what is wrong.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "parser/grammar.h"
#include "parser/outcome.h"
#include "parser/tokenizer.h"

namespace smsgw::parser {

// The loader refuses commands with more fields.
inline constexpr std::size_t kMaxFields = 16;

struct Slot {
  uint32_t first = 0;
  uint32_t count = 0;  // 0: an optional field that was not given
};

struct Match {
  bool ok = false;
  // ok: where each field's value is. Otherwise the slots filled before the failure.
  std::array<Slot, kMaxFields> slots{};
  std::size_t filled = 0;  // fields with a slot (all of them when ok)
  ErrorKind failure = ErrorKind::kMissingField;
  std::size_t failed_field = 0;  // kMissingField, kBadField
  Rule rule = Rule::kNone;       // kBadField
};

Match MatchFields(const Grammar& grammar, const CommandSpec& command, const Tokens& tokens,
                  std::size_t first_token, std::string_view original);

}  // namespace smsgw::parser
