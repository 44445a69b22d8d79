#include "parser/edit_distance.h"

#include <algorithm>
#include <array>
#include <span>

namespace smsgw::parser {
namespace {

char Fold(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

std::size_t EditDistance(std::string_view a, std::string_view b, std::size_t limit) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  if ((n > m ? n - m : m - n) > limit) return limit + 1;
  // Three rolling rows: the transposition rule looks two rows back. Keywords and option names
  // are short, so the rows live on the stack unless a word is unusually long.
  constexpr std::size_t kStackRow = 64;
  std::array<std::size_t, 3 * kStackRow> stack;
  std::vector<std::size_t> heap;
  std::size_t* rows = stack.data();
  if (m + 1 > kStackRow) {
    heap.resize(3 * (m + 1));
    rows = heap.data();
  }
  const std::size_t stride = m + 1 > kStackRow ? m + 1 : kStackRow;
  std::span<std::size_t> prev2(rows, m + 1), prev(rows + stride, m + 1),
      cur(rows + 2 * stride, m + 1);
  for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    std::size_t row_min = cur[0];
    for (std::size_t j = 1; j <= m; ++j) {
      const bool same = Fold(a[i - 1]) == Fold(b[j - 1]);
      std::size_t d = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
      if (i > 1 && j > 1 && Fold(a[i - 1]) == Fold(b[j - 2]) && Fold(a[i - 2]) == Fold(b[j - 1])) {
        d = std::min(d, prev2[j - 2] + 1);
      }
      cur[j] = d;
      row_min = std::min(row_min, d);
    }
    if (row_min > limit) return limit + 1;
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return std::min(prev[m], limit + 1);
}

std::string_view ClosestMatch(std::string_view word,
                              const std::vector<std::string_view>& candidates, std::size_t limit) {
  std::string_view best;
  std::size_t best_distance = limit + 1;
  for (std::string_view c : candidates) {
    const std::size_t d = EditDistance(word, c, limit);
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace smsgw::parser
