// The shipped grammar and grammar texts derived from it, for tests and benchmarks.
#pragma once

#include <memory>
#include <string>

#include "parser/grammar.h"

namespace smsgw::test_support {

// `relative` under the source tree ($SMSGW_SOURCE_DIR, else the working directory).
std::string SourcePath(const std::string& relative);
std::string ReadSource(const std::string& relative);

// conf/grammar.yaml as text, and loaded. Aborts with the diagnostics if it does not load:
// every test of the parser depends on it.
const std::string& ShippedGrammarText();
std::shared_ptr<const parser::Grammar> ShippedGrammar();

// `text` with `insert` placed right after the first line that equals `anchor_line`, e.g.
// InsertAfterLine(yaml, "commands:", "  - name: airtime\n...").
std::string InsertAfterLine(const std::string& text, const std::string& anchor_line,
                            const std::string& insert);

// The 1-based line of the first occurrence of `needle` in `text`; 0 when absent.
int LineOf(const std::string& text, const std::string& needle);

}  // namespace smsgw::test_support
