#include "parser/redact.h"

#include <algorithm>

#include "parser/char_fold.h"

namespace smsgw::parser {
namespace {

void AppendSafe(std::string& out, std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t plain = i;  // printable ASCII goes across in one piece
    while (plain < s.size() && static_cast<unsigned char>(s[plain]) >= 0x20 &&
           static_cast<unsigned char>(s[plain]) < 0x7F) {
      ++plain;
    }
    out.append(s.substr(i, plain - i));
    i = plain;
    if (i == s.size()) break;
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      out += ' ';
      ++i;
      continue;
    }
    std::size_t len = 1;
    const uint32_t cp = DecodeUtf8(s.substr(i), &len);
    if (cp == 0xFFFD && len == 1) {
      out += '?';
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
}

}  // namespace

std::string Redact(std::string_view original, std::vector<Mask>& masks) {
  std::sort(masks.begin(), masks.end(),
            [](const Mask& a, const Mask& b) { return a.begin < b.begin; });
  std::string out;
  out.reserve(original.size() + 8);
  uint32_t pos = 0;
  for (std::size_t i = 0; i < masks.size();) {
    Mask m = masks[i++];
    while (i < masks.size() && masks[i].begin < m.end) {  // overlap: merge
      if (masks[i].end > m.end) {
        m.end = masks[i].end;
        std::copy(masks[i].last4, masks[i].last4 + 4, m.last4);
      }
      m.keep_last4 = m.keep_last4 && masks[i].keep_last4;
      ++i;
    }
    if (m.begin < pos) m.begin = pos;
    if (m.end <= m.begin) continue;
    AppendSafe(out, original.substr(pos, m.begin - pos));
    out += "****";
    if (m.keep_last4) out.append(m.last4, 4);
    pos = m.end;
  }
  AppendSafe(out, original.substr(std::min<std::size_t>(pos, original.size())));
  return out;
}

}  // namespace smsgw::parser
