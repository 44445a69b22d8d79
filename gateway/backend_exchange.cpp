#include "gateway/backend_exchange.h"

#include <mutex>

namespace smsgw::gateway {

using Clock = std::chrono::steady_clock;

struct BackendExchange::State {
  State(BackendExchangeOptions o, RequestSigner s, SignatureVerifier v)
      : options(std::move(o)),
        signer(std::move(s)),
        verifier(std::move(v)),
        breaker(options.breaker) {
    if (!options.unix_now) {
      options.unix_now = [] {
        return std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
      };
    }
  }

  SignedAnswer Interpret(const HttpOutcome& out, const std::string& target, const std::string& key,
                         bool probe);
  // After a failure, the breaker's open period when it is open (this failure opened it, or it
  // was open already); nullopt when it is closed: another call's success closed it meanwhile.
  std::optional<Clock::duration> Record(bool success,
                                        Clock::duration hold = Clock::duration::zero()) {
    std::lock_guard lock(mu);
    const Clock::time_point now = Clock::now();
    success ? breaker.RecordSuccess(now) : breaker.RecordFailure(now, hold);
    if (breaker.state() != BreakerState::kOpen) return std::nullopt;
    return breaker.open_period();
  }

  BackendExchangeOptions options;
  const RequestSigner signer;
  const SignatureVerifier verifier;
  mutable std::mutex mu;
  CircuitBreaker breaker;  // guarded by mu
};

namespace {

SignedAnswer Unavailable(std::string code, std::string message) {
  SignedAnswer a;
  a.kind = SignedAnswer::Kind::kUnavailable;
  a.error_code = std::move(code);
  a.message = std::move(message);
  return a;
}

// "/api" + "/v1/instructions" -> "/api/v1/instructions"; a base of "/" adds nothing.
std::string JoinTarget(const std::string& base, const std::string& path) {
  std::string out = base;
  auto q = out.find('?');
  if (q != std::string::npos) out.resize(q);
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out + path;
}

}  // namespace

SignedAnswer BackendExchange::State::Interpret(const HttpOutcome& out, const std::string& target,
                                               const std::string& key, bool probe) {
  if (!out.response) {
    HttpErrorCode code = out.error.code;
    // Local conditions say nothing about the backend's health.
    bool local = code == HttpErrorCode::kQueueFull || code == HttpErrorCode::kShutdown ||
                 code == HttpErrorCode::kInvalidRequest;
    if (!local) Record(false);
    return Unavailable(std::string(HttpErrorCodeName(code)), out.error.message);
  }
  const HttpClientResponse& r = *out.response;
  bool success = IsSuccessStatus(r.status);
  bool refused = !success && r.status >= 400 && r.status <= 499 && !IsTemporaryStatus(r.status);
  if (!success && !refused) {
    SignedAnswer a = Unavailable("http_" + std::to_string(r.status), out.error.message);
    a.http_status = r.status;
    if (out.error.retry_after) {
      a.retry_after = std::min<std::chrono::seconds>(
          *out.error.retry_after,
          std::chrono::duration_cast<std::chrono::seconds>(options.breaker.max_hold));
    }
    const std::optional<Clock::duration> open_period =
        Record(false, a.retry_after.value_or(std::chrono::seconds(0)));
    // 503 and 429 say the request was not taken (overloaded, down for maintenance, or a proxy
    // with nothing behind it). To the probe they say the backend is still down, unless a late
    // success closed the breaker meanwhile: then this was one failure among calls that work.
    if (probe && open_period && (r.status == 503 || r.status == 429)) {
      a.declined_probe = true;
      a.hold = std::chrono::duration_cast<std::chrono::milliseconds>(*open_period);
    }
    return a;
  }
  SignedParts parts{"POST", target, r.status, key, r.body};
  SignatureCheck check = verifier.Verify(r.Header("x-smsgw-signature"), parts, options.unix_now());
  if (check != SignatureCheck::kValid) {
    Record(false);
    SignedAnswer a = Unavailable(std::string(SignatureCheckName(check)),
                                 "HTTP " + std::to_string(r.status) +
                                     " answer refused: " + std::string(SignatureCheckName(check)));
    a.http_status = r.status;
    return a;
  }
  Record(true);
  SignedAnswer a;
  a.http_status = r.status;
  if (success) {
    a.kind = SignedAnswer::Kind::kAnswered;
    a.body = r.body;
    return a;
  }
  WireError error = DecodeError(r.body);
  a.kind = SignedAnswer::Kind::kRefused;
  a.error_code = error.code.empty() ? "http_" + std::to_string(r.status) : error.code;
  a.message = "HTTP " + std::to_string(r.status) + " " + a.error_code;
  return a;
}

BackendExchange::BackendExchange(HttpClient& client, BackendExchangeOptions options,
                                 RequestSigner signer, SignatureVerifier verifier)
    : client_(client),
      state_(std::make_shared<State>(std::move(options), std::move(signer), std::move(verifier))) {}

void BackendExchange::Post(const std::string& path, std::string idempotency_key, std::string body,
                           std::function<void(SignedAnswer)> done) {
  bool allowed;
  bool probe;
  {
    std::lock_guard lock(state_->mu);
    const Clock::time_point now = Clock::now();
    probe = state_->breaker.PermitAt(now).kind == BreakerPermit::Kind::kProbe;
    allowed = state_->breaker.Allow(now);
  }
  if (!allowed) {
    return client_.Defer([done = std::move(done)] {
      done(Unavailable(std::string(kCircuitOpen), "backend circuit breaker is open"));
    });
  }
  HttpClientRequest req;
  req.method = "POST";
  req.url = state_->options.base_url;
  req.url.target = JoinTarget(req.url.target, path);
  req.timeout = state_->options.timeout;
  SignedParts parts{"POST", req.url.target, 0, idempotency_key, body};
  req.headers = {
      {"Content-Type", "application/json"},
      {"Accept", "application/json"},
      {std::string(kIdempotencyKeyHeader), idempotency_key},
      {std::string(kSignatureHeader), state_->signer.Sign(parts, state_->options.unix_now())}};
  req.body = std::move(body);
  std::string target = req.url.target;
  client_.Send(std::move(req),
               [state = state_, target = std::move(target), key = std::move(idempotency_key),
                done = std::move(done),
                probe](HttpOutcome out) { done(state->Interpret(out, target, key, probe)); });
}

void BackendExchange::Submit(const WireInstruction& instruction,
                             std::function<void(BackendReply)> done) {
  Post(std::string(kInstructionsPath), instruction.id, EncodeInstruction(instruction),
       [done = std::move(done)](SignedAnswer a) {
         BackendReply reply;
         reply.error_code = std::move(a.error_code);
         reply.message = std::move(a.message);
         reply.http_status = a.http_status;
         reply.retry_after = a.retry_after;
         reply.declined_probe = a.declined_probe;
         reply.hold = a.hold;
         switch (a.kind) {
           case SignedAnswer::Kind::kUnavailable:
             reply.kind = BackendReply::Kind::kUnavailable;
             break;
           case SignedAnswer::Kind::kRefused:
             reply.kind = BackendReply::Kind::kRefused;
             break;
           case SignedAnswer::Kind::kAnswered: {
             auto answer = DecodeAnswer(a.body);
             if (!answer.ok()) {
               reply.kind = BackendReply::Kind::kUnavailable;
               reply.error_code = "bad_answer";
               reply.message = answer.status().message();
             } else if (answer->accepted) {
               reply.kind = BackendReply::Kind::kAccepted;
               reply.result = std::move(answer->result);
               reply.statement = std::move(answer->statement);
               reply.replayed = answer->replayed;
             } else {
               reply.kind = BackendReply::Kind::kRejected;
               reply.reason = std::move(answer->reason);
               reply.detail = std::move(answer->detail);
               reply.result = std::move(answer->result);
               reply.replayed = answer->replayed;
             }
             break;
           }
         }
         done(std::move(reply));
       });
}

BreakerPermit BackendExchange::Permit() const {
  std::lock_guard lock(state_->mu);
  return state_->breaker.PermitAt(Clock::now());
}

BreakerState BackendExchange::breaker_state() const {
  std::lock_guard lock(state_->mu);
  return state_->breaker.StateAt(Clock::now());
}

uint64_t BackendExchange::breaker_times_opened() const {
  std::lock_guard lock(state_->mu);
  return state_->breaker.times_opened();
}

}  // namespace smsgw::gateway
