// Parser throughput on the shipped grammar: `make bench`, or build/bench/parser_bench.
// The mix follows a PIN-challenge service: about one confirmation per PIN command, plus
// balance checks, payments and transfers written every way subscribers write them, some
// Swahili, typos and errors, and a few messages carrying an account and a PIN.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "parser/grammar_loader.h"
#include "parser/parse.h"
#include "parser/replies.h"
#include "parser/templates.h"
#include "tests/support/grammar_fixture.h"

namespace smsgw::parser {
namespace {

// Deterministic digits so every message differs a little, as real traffic does.
class Digits {
 public:
  std::string Next(int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
      state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
      out += static_cast<char>('0' + (state_ >> 33) % 10);
    }
    return out;
  }

 private:
  uint64_t state_ = 42;
};

std::vector<std::string> Mix() {
  Digits d;
  std::vector<std::string> m;
  for (int i = 0; i < 40; ++i) {
    const std::string code = d.Next(4), pin = d.Next(4), amount = std::to_string(50 + i * 37);
    const std::string phone = "07" + d.Next(8);
    // 30 %: answers to challenges.
    m.push_back(code + " " + pin);
    m.push_back(code + " " + pin);
    m.push_back(code + "  " + pin + " ");
    // 15 %: balance and statements.
    m.push_back(i % 3 == 0 ? "bal" : "BAL");
    m.push_back(i % 2 == 0 ? "MINI" : "Salio");
    // 20 %: bills and transfers, written in many ways.
    m.push_back("PAY KPLC " + d.Next(6) + " " + amount);
    m.push_back("pay zuku " + d.Next(8) + " 1," + d.Next(3));
    m.push_back("SEND " + phone + " " + amount);
    m.push_back("send " + phone.substr(0, 4) + " " + phone.substr(4, 3) + " " + phone.substr(7) +
                " 1,500");
    // 10 %: agents, airtime, Swahili.
    m.push_back("WITHDRAW " + d.Next(6) + " " + amount);
    m.push_back(i % 2 == 0 ? "TOPUP " + amount : "jaza " + phone + " 100");
    m.push_back("LIPA KPLC " + d.Next(6) + " " + amount);
    // 10 %: typos and errors.
    m.push_back("SNED " + phone + " 500");
    m.push_back("SEND " + phone + " 5");
    m.push_back("PAY KPLC " + d.Next(6));
    m.push_back(i % 2 == 0 ? "HELP" : "help pay");
    // 5 %: account and PIN together, and other disguises.
    if (i % 2 == 0) m.push_back("PAY 4111111111111111 " + pin);
    if (i % 2 == 1) m.push_back("BAL " + d.Next(10) + " PIN " + pin);
    m.push_back(i % 4 == 0 ? "ＰＡＹ ＫＰＬＣ １２３４５６ １５００"
                           : "*PAY*KPLC*" + d.Next(6) + "*900#");
    m.push_back(i % 5 == 0 ? "CANCEL " + code : "PIN");
  }
  return m;
}

void BM_ParseMix(benchmark::State& state) {
  const auto grammar = test_support::ShippedGrammar();
  const std::vector<std::string> messages = Mix();
  const ParseContext ctx{.sender = "254711000111", .language = "en"};
  std::size_t i = 0;
  for (auto _ : state) {
    ParseOutcome o = Parse(*grammar, messages[i], ctx);
    benchmark::DoNotOptimize(o);
    if (++i == messages.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["messages_in_mix"] = static_cast<double>(messages.size());
}
BENCHMARK(BM_ParseMix);

void ParseOne(benchmark::State& state, const char* text) {
  const auto grammar = test_support::ShippedGrammar();
  for (auto _ : state) {
    ParseOutcome o = Parse(*grammar, text);
    benchmark::DoNotOptimize(o);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(ParseOne, confirm, "4821 1234");
BENCHMARK_CAPTURE(ParseOne, pay, "PAY KPLC 123456 1500");
BENCHMARK_CAPTURE(ParseOne, send_grouped, "send 0712 345 678 1,500");
BENCHMARK_CAPTURE(ParseOne, unknown_typo, "SNED 0712345678 500");
BENCHMARK_CAPTURE(ParseOne, violation, "BAL 0123456789 PIN 4321");

void BM_ReplyForError(benchmark::State& state) {
  const auto grammar = test_support::ShippedGrammar();
  const ParseOutcome o = Parse(*grammar, "SEND 0712345678 5");
  for (auto _ : state) {
    Result<std::string> r = ReplyFor(*grammar, o);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReplyForError);

void BM_LoadShippedGrammar(benchmark::State& state) {
  const std::string& text = test_support::ShippedGrammarText();
  for (auto _ : state) {
    GrammarLoad load = LoadGrammar(text, "conf/grammar.yaml");
    benchmark::DoNotOptimize(load);
  }
}
BENCHMARK(BM_LoadShippedGrammar)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace smsgw::parser

BENCHMARK_MAIN();
