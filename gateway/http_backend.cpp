#include "gateway/http_backend.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "gateway/backend_wire.h"
#include "gateway/http_error.h"
#include "gateway/url.h"

namespace smsgw::gateway {

namespace {

using commands::BackendResult;
using nlohmann::json;

// A JSON integer as int64; nullopt for anything else (an unsigned beyond int64 included).
std::optional<int64_t> Int64(const json& v) {
  if (v.is_number_unsigned()) {
    auto u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  return std::nullopt;
}

// Result members: strings and integers (DecodeAnswer has checked the types, not the range).
std::optional<commands::Fields> ToFields(const json& result) {
  commands::Fields out;
  for (const auto& [name, value] : result.items()) {
    if (value.is_string()) {
      out.emplace(name, value.get<std::string>());
    } else if (auto n = Int64(value)) {
      out.emplace(name, *n);
    } else {
      return std::nullopt;
    }
  }
  return out;
}

// One statement line; nullopt when a required member is missing or of the wrong type.
// counterparty and reference may be absent (a deposit has neither).
std::optional<commands::StatementLine> ToLine(const json& j) {
  auto text = [&j](const char* name, bool required) -> std::optional<std::string> {
    auto it = j.find(name);
    if (it == j.end()) return required ? std::nullopt : std::optional<std::string>("");
    if (!it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  auto integer = [&j](const char* name) -> std::optional<int64_t> {
    auto it = j.find(name);
    return it == j.end() ? std::nullopt : Int64(*it);
  };
  auto code = text("transaction_code", true);
  auto kind = text("kind", true);
  auto counterparty = text("counterparty", false);
  auto reference = text("reference", false);
  auto time = integer("time");
  auto amount = integer("amount");
  auto balance_after = integer("balance_after");
  if (!code || !kind || !counterparty || !reference || !time || !amount || !balance_after) {
    return std::nullopt;
  }
  return commands::StatementLine{*code,          *time,         *kind,     *amount,
                                 *balance_after, *counterparty, *reference};
}

// Failures before a byte of the request left: the backend cannot have seen it, so the attempt
// is not counted (BackendResult::not_sent). A timeout or a lost connection may come after the
// request was written: those count.
bool NeverSent(std::string_view error_code) {
  for (std::string_view code : {kCircuitOpen, HttpErrorCodeName(HttpErrorCode::kConnectFailed),
                                HttpErrorCodeName(HttpErrorCode::kResolveFailed),
                                HttpErrorCodeName(HttpErrorCode::kTlsFailed),
                                HttpErrorCodeName(HttpErrorCode::kQueueFull)}) {
    if (error_code == code) return true;
  }
  return false;
}

BackendResult BadAnswer(std::string diagnostic) {
  return BackendResult::Unavailable("bad_answer", std::move(diagnostic));
}

BackendResult FromAccepted(const BackendReply& reply) {
  auto fields = ToFields(reply.result);
  if (!fields) return BadAnswer("accepted answer: a result value is not a string or an int64");
  BackendResult r = BackendResult::Accepted(std::move(*fields));
  for (std::size_t i = 0; i < reply.statement.size(); ++i) {
    auto line = ToLine(reply.statement[i]);
    if (!line) {
      return BadAnswer("accepted answer: statement line " + std::to_string(i) +
                       " lacks a member or has one of the wrong type");
    }
    r.statement.push_back(std::move(*line));
  }
  r.replayed = reply.replayed;
  return r;
}

BackendResult FromRefused(const BackendReply& reply) {
  if (reply.error_code == commands::reason::kIdempotencyConflict) {
    BackendResult r = BackendResult::Rejected(commands::reason::kIdempotencyConflict);
    r.diagnostic = reply.message;
    return r;
  }
  if (reply.http_status == 400) {
    BackendResult r = BackendResult::Rejected(commands::reason::kInvalidRequest, reply.error_code);
    r.diagnostic = reply.message;
    return r;
  }
  // 401 (the backend refused our signature: a key or clock problem) and statuses outside the
  // API (a wrong URL) say nothing about the instruction: an operator's to fix, then retried.
  return BackendResult::Unavailable(reply.error_code, reply.message);
}

WireInstruction ToWire(commands::Instruction instruction) {
  WireInstruction w;
  w.id = std::move(instruction.id);
  w.operation = std::move(instruction.operation);
  w.msisdn = std::move(instruction.msisdn);
  for (const auto& [name, value] : instruction.fields) {
    const std::string& key = name;  // clang 14 cannot capture a structured binding
    std::visit([&w, &key](const auto& v) { w.fields[key] = v; }, value);
  }
  w.pin = std::move(instruction.pin);
  w.new_pin = std::move(instruction.new_pin);
  w.account = std::move(instruction.account);
  return w;
}

}  // namespace

BackendResult ToBackendResult(BackendReply reply) {
  switch (reply.kind) {
    case BackendReply::Kind::kAccepted:
      return FromAccepted(reply);
    case BackendReply::Kind::kRejected: {
      BackendResult r = BackendResult::Rejected(reply.reason, reply.detail);
      r.replayed = reply.replayed;
      // A refusal stays a refusal: fields that do not read are dropped, not an error.
      if (auto fields = ToFields(reply.result)) r.fields = std::move(*fields);
      return r;
    }
    case BackendReply::Kind::kRefused:
      return FromRefused(reply);
    case BackendReply::Kind::kUnavailable:
      break;
  }
  BackendResult r = BackendResult::Unavailable(reply.error_code, std::move(reply.message));
  r.not_sent = NeverSent(reply.error_code) || reply.declined_probe;
  if (reply.retry_after) r.wait = *reply.retry_after;
  // Twice the breaker's hold: when it lets the next probe through, this instruction is not
  // due yet, so the probe is the next one in line. A probe that is declined every time
  // because of its own content then cannot hold the queue: the next probe gets through, the
  // breaker closes, and this one's later calls count.
  if (reply.declined_probe) r.wait = std::max(r.wait, 2 * reply.hold);
  return r;
}

struct HttpBackend::Sender {
  struct Counters {
    std::atomic<uint64_t> ok{0};
    std::atomic<uint64_t> failed{0};
  };

  Sender(std::unique_ptr<HttpClient> c, BackendExchangeOptions options, RequestSigner signer,
         SignatureVerifier verifier)
      : client(std::move(c)),
        exchange(*client, std::move(options), std::move(signer), std::move(verifier)) {}

  void Submit(commands::Instruction instruction, Completion done) {
    Status valid = commands::ValidateInstruction(instruction);
    if (valid.ok() && !IsWireId(instruction.id)) valid = Status::InvalidArgument("id");
    if (!valid.ok()) {
      // Nothing is sent; the instruction's secrets are wiped as it goes out of scope.
      auto r = BackendResult::Rejected(commands::reason::kInvalidRequest, valid.message());
      return client->Defer(
          [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
    }
    // The wire form takes the secrets; it and the encoded body are wiped when they go away.
    WireInstruction wire = ToWire(std::move(instruction));
    exchange.Submit(wire, [counters = counters, done = std::move(done)](BackendReply reply) {
      BackendResult r = ToBackendResult(std::move(reply));
      (r.unavailable() ? counters->failed : counters->ok).fetch_add(1, std::memory_order_relaxed);
      done(std::move(r));
    });
  }

  // Declared before exchange, which refers to it: destroyed after it.
  std::unique_ptr<HttpClient> client;
  BackendExchange exchange;
  std::shared_ptr<Counters> counters = std::make_shared<Counters>();  // for completions
};

HttpBackend::HttpBackend(std::unique_ptr<HttpClient> client, BackendExchangeOptions options,
                         RequestSigner signer, SignatureVerifier verifier)
    : sender_(std::make_shared<Sender>(std::move(client), std::move(options), std::move(signer),
                                       std::move(verifier))) {}

HttpBackend::~HttpBackend() = default;

void HttpBackend::Submit(commands::Instruction instruction, Completion done) {
  sender_->Submit(std::move(instruction), std::move(done));
}

void HttpBackend::SubmitBatch(std::vector<commands::Instruction> instructions,
                              BatchCompletion done) {
  if (instructions.empty()) return;
  // Held by pointer: a std::function must be copyable, the instructions' secrets are not.
  auto batch = std::make_shared<std::vector<commands::Instruction>>(std::move(instructions));
  auto completion = std::make_shared<BatchCompletion>(std::move(done));
  sender_->client->Defer([sender = sender_, batch, completion] {
    for (size_t i = 0; i < batch->size(); ++i) {
      sender->Submit(std::move((*batch)[i]),
                     [completion, i](BackendResult r) { (*completion)(i, std::move(r)); });
    }
  });
}

commands::SendPermit HttpBackend::MaySend() const {
  const BreakerPermit permit = sender_->exchange.Permit();
  commands::SendPermit out;
  if (permit.kind == BreakerPermit::Kind::kProbe) out.calls = 1;
  if (permit.kind == BreakerPermit::Kind::kNone) {
    out.calls = 0;
    // Rounded up, so the caller does not wake a moment before the probe may go.
    out.ask_again_in = std::chrono::ceil<std::chrono::milliseconds>(permit.wait);
  }
  return out;
}

void HttpBackend::Stop() {
  sender_->client->Stop();
}

BreakerState HttpBackend::breaker_state() const {
  return sender_->exchange.breaker_state();
}

HttpBackendStats HttpBackend::stats() const {
  HttpBackendStats s;
  s.requests_ok = sender_->counters->ok.load(std::memory_order_relaxed);
  s.requests_failed = sender_->counters->failed.load(std::memory_order_relaxed);
  s.breaker = sender_->exchange.breaker_state();
  s.breaker_times_opened = sender_->exchange.breaker_times_opened();
  s.http = sender_->client->stats();
  return s;
}

Result<std::unique_ptr<HttpBackend>> MakeHttpBackend(boost::asio::io_context& io,
                                                     const conf::HttpBackend& cfg,
                                                     store::SecretBytes hmac_key) {
  auto url = ParseUrl(cfg.url);
  if (!url.ok()) return Status::InvalidArgument("backend.http.url: " + url.status().message());
  if (cfg.key_id.empty()) return Status::InvalidArgument("backend.http.key_id is empty");
  if (hmac_key.size() < store::kKeySize) {
    return Status::InvalidArgument("backend.http.hmac_key must decode to at least 32 bytes");
  }
  if (cfg.pool_size == 0) return Status::InvalidArgument("backend.http.pool_size must be >= 1");

  HttpClientOptions http;
  http.max_connections_per_origin = cfg.pool_size;
  http.request_timeout = cfg.request_timeout;
  http.connect_timeout = cfg.connect_timeout;
  http.tls.ca_file = cfg.ca_file;
  auto client = HttpClient::Create(io, std::move(http));
  if (!client.ok()) {
    return Status::InvalidArgument("backend.http.ca_file: " + client.status().message());
  }

  BackendExchangeOptions exchange;
  exchange.base_url = *url;
  exchange.timeout = cfg.request_timeout;
  exchange.breaker.consecutive_failures = static_cast<int>(cfg.circuit_breaker_threshold);
  exchange.breaker.open_for = cfg.circuit_breaker_open_time;

  RequestSigner signer(cfg.key_id, store::SecretBytes(std::string(hmac_key.view())));
  SignatureVerifier verifier;
  verifier.AddKey(cfg.key_id, std::move(hmac_key));
  return std::make_unique<HttpBackend>(std::move(*client), std::move(exchange), std::move(signer),
                                       std::move(verifier));
}

}  // namespace smsgw::gateway
