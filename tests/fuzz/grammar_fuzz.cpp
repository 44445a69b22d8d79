// libFuzzer target: any bytes as conf/grammar.yaml. The loader must report, never crash, and
// a grammar it accepts must parse texts and render every template without failing.
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "parser/grammar_loader.h"
#include "parser/parse.h"
#include "parser/replies.h"
#include "parser/templates.h"

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::cerr << "grammar_fuzz: " << what << "\n";
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const smsgw::parser::GrammarLoad load = smsgw::parser::LoadGrammar(text, "fuzz.yaml");
  Check(load.ok() != smsgw::parser::HasErrors(load.diagnostics), "ok() disagrees with errors");
  for (const auto& d : load.diagnostics) Check(!d.ToString().empty(), "empty diagnostic");
  if (!load.ok()) return 0;
  const smsgw::parser::Grammar& g = *load.grammar;
  for (const char* message : {"PAY KPLC 123456 1500", "4821 1234", "BAL 0123456789 PIN 4321",
                              "SEND 0712 345 678 1,500", "HELP", "xyz", ""}) {
    const smsgw::parser::ParseOutcome o = smsgw::parser::Parse(g, message);
    if (!o.is_command()) Check(smsgw::parser::ReplyFor(g, o).ok(), "an error without a reply");
  }
  std::vector<smsgw::parser::TemplateValue> values;
  for (const auto& t : g.templates) {
    for (const auto& p : t.placeholders) values.push_back({p, "x"});
  }
  for (const auto& t : g.templates) {
    for (std::size_t lang = 0; lang < g.languages.size(); ++lang) {
      Check(smsgw::parser::Render(t, lang, values).ok(), "a loaded template does not render");
    }
  }
  return 0;
}
