// Edit distance for "did you mean" hints (commands, keywords, command-line options).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace smsgw::parser {

// Optimal-string-alignment distance (insertions, deletions, substitutions and transpositions of
// adjacent characters each cost 1), compared case-insensitively for ASCII. Stops early and
// returns limit + 1 once the distance is known to exceed `limit`, so a scan over many
// candidates stays cheap.
std::size_t EditDistance(std::string_view a, std::string_view b, std::size_t limit = 3);

// The candidate closest to `word` within `limit` edits; ties go to the earlier candidate.
// Empty when none is close enough.
std::string_view ClosestMatch(std::string_view word,
                              const std::vector<std::string_view>& candidates,
                              std::size_t limit = 2);

}  // namespace smsgw::parser
