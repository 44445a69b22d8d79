// Pieces of the grammar model shared by reply templates and USSD menus (grammar.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace smsgw::parser {

// Where something was written in the grammar file, for diagnostics. 1-based; 0 = unknown.
struct SourceMark {
  int line = 0;
  int column = 0;
};

// A template text compiled against its placeholder names.
struct TemplateText {
  struct Segment {
    std::string literal;   // text with "{{" and "}}" already unescaped
    int placeholder = -1;  // index into Template::placeholders, or -1 for a literal
  };
  std::string source;  // as written in the grammar
  std::vector<Segment> segments;
};

struct Template {
  std::string name;
  std::vector<std::string> placeholders;  // the names the texts may use
  std::vector<TemplateText> texts;        // per language index
  SourceMark mark;

  bool Declares(std::string_view placeholder) const;
};

}  // namespace smsgw::parser
