#include "gateway/daemon/daemon.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include "conf/config_loader.h"
#include "conf/config_reload.h"
#include "conf/key_file.h"
#include "gateway/admin_server.h"
#include "gateway/daemon/backend_thread.h"
#include "gateway/daemon/core.h"
#include "gateway/daemon/daemon_metrics.h"
#include "gateway/daemon/daemon_open.h"
#include "gateway/daemon/mo_intake.h"
#include "gateway/daemon/mt_sender.h"
#include "gateway/daemon/sd_notify.h"
#include "gateway/daemon/session_configs.h"
#include "gateway/http_backend.h"
#include "gateway/log.h"
#include "gateway/metrics.h"
#include "gateway/push_endpoint.h"
#include "gateway/request_signing.h"
#include "gateway/version.h"

namespace smsgw::gateway {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kExitOk = 0;
constexpr int kExitCannotRun = 3;
constexpr int kExitStore = 4;  // the store could not be opened; it was left as it is
// A second SIGTERM/SIGINT cut the drain short. Its own status, so that neither an operator nor
// systemd takes a deliberate stop for an invalid configuration (1).
constexpr int kExitForced = 5;
constexpr auto kTick = std::chrono::seconds(1);

std::string_view StateName(smpp::SessionState s) {
  switch (s) {
    case smpp::SessionState::kIdle:
      return "idle";
    case smpp::SessionState::kConnecting:
      return "connecting";
    case smpp::SessionState::kBinding:
      return "binding";
    case smpp::SessionState::kBound:
      return "bound";
    case smpp::SessionState::kUnbinding:
      return "unbinding";
    case smpp::SessionState::kWaiting:
      return "waiting";
    case smpp::SessionState::kStopped:
      return "stopped";
  }
  return "unknown";
}

std::string_view ModeName(smpp::BindMode m) {
  switch (m) {
    case smpp::BindMode::kTransmitter:
      return "transmitter";
    case smpp::BindMode::kReceiver:
      return "receiver";
    case smpp::BindMode::kTransceiver:
      return "transceiver";
  }
  return "unknown";
}

void ApplyLogging(const conf::LoggingConfig& logging) {
  switch (logging.level) {
    case conf::LogLevel::kDebug:
      Log().set_level(LogLevel::kDebug);
      break;
    case conf::LogLevel::kInfo:
      Log().set_level(LogLevel::kInfo);
      break;
    case conf::LogLevel::kWarn:
      Log().set_level(LogLevel::kWarn);
      break;
    case conf::LogLevel::kError:
      Log().set_level(LogLevel::kError);
      break;
  }
  Log().set_format(logging.format == conf::LogFormat::kJson ? LogFormat::kJson
                                                            : LogFormat::kKeyValue);
}

class Daemon {
 public:
  Daemon(conf::GatewayConfig config, DaemonOptions options)
      : config_(std::move(config)),
        options_(options),
        signals_(io_, SIGHUP, SIGTERM, SIGINT),
        tick_(io_),
        metrics_(registry_) {}

  ~Daemon() {
    // Sessions hold a reference to the intake; the core must stop before what it calls.
    sessions_.clear();
    if (core_) core_->Stop();
  }

  int Run(std::ostream& err) {
    Status opened = Open();
    if (!opened.ok()) {
      LogError("start.failed", {{"error", opened.message()}});
      err << "smsgw run: " << opened.message() << "\n";
      return store_failed_ ? kExitStore : kExitCannotRun;
    }
    WaitForSignal();
    Tick();
    LogInfo("start.ready", {{"version", std::string(smsgw::kVersion)},
                            {"config", config_.source_file},
                            {"connections", static_cast<uint64_t>(config_.smpp.connections.size())},
                            {"admin", config_.admin.listen.host + ":" +
                                          std::to_string(admin_ ? admin_->port() : 0)}});
    SdNotify("READY=1\nSTATUS=serving");
    io_.run();
    LogInfo("stop.done", {{"exit", exit_code_}});
    return exit_code_;
  }

 private:
  Status Open() {
    ApplyLogging(config_.logging);
    for (const conf::SmppConnection& c : config_.smpp.connections) {
      if (!c.tls.enabled) continue;
      // A CA file that does not load stops the start rather than every reconnect.
      auto tls = smpp::MakeSessionTlsContext(SessionConfigs(c).front().tls);
      if (!tls.ok()) {
        return Status::FailedPrecondition("smpp connection " + c.name +
                                          ": tls: " + tls.status().message());
      }
    }
    auto grammar = LoadGrammarOf(config_);
    if (!grammar.ok()) return grammar.status();
    auto engine = MakeEngine(config_, config_.backend, *grammar);
    if (!engine.ok()) return engine.status();
    auto store = OpenStore(config_);
    if (!store.ok()) {
      store_failed_ = true;
      return store.status();
    }
    // Read here, while this thread still owns the store; the core thread owns it from Start.
    auto parts = (*store)->LoadParts();
    if (!parts.ok()) {
      store_failed_ = true;
      return parts.status().WithContext("reading the parts of concatenated messages");
    }
    std::shared_ptr<commands::Backend> backend;
    std::function<store::CheckpointStats()> ledger_checkpoints;
    if (config_.backend.type == conf::BackendType::kHttp) {
      auto http = OpenHttpBackend();
      if (!http.ok()) return http.status();
      backend = http_backend_ = std::move(*http);
    } else {
      auto embedded = OpenEmbeddedBackend(config_);
      if (!embedded.ok()) return embedded.status();
      ledger_checkpoints = [ledger = &(*embedded)->ledger()] { return ledger->checkpoint_stats(); };
      // Its commits off the core thread (backend_thread.h).
      backend = std::make_shared<BackendThread>(std::move(*embedded));
    }
    auto token = AdminToken(config_);
    if (!token.ok()) return token.status();

    mt_ = std::make_unique<MtSender>(io_);
    CoreOptions core_options;
    core_options.default_short_code = config_.short_codes.front().code;
    core_options.group_commit_max_messages = config_.store.group_commit.max_messages;
    core_options.group_commit_max_delay = config_.store.group_commit.max_delay;
    core_options.reply_hold = config_.smpp.reply_hold;
    core_options.ledger_checkpoints = std::move(ledger_checkpoints);
    core_options.ussd_timeout_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(config_.ussd.session_timeout).count();
    core_ = std::make_unique<Core>(
        core_options, std::move(*store), std::move(backend),
        std::shared_ptr<const commands::Engine>(std::move(*engine)),
        [this](std::vector<store::ClaimedReply> replies, MtSender::Done done) {
          mt_->Send(std::move(replies), std::move(done));
        },
        [this](std::string connection, smpp::UssdScreen screen) {
          // Not retried: the dialogue is the network's, and it has moved on or timed out.
          mt_->SendUssd(
              std::move(connection), std::move(screen), [this](const smpp::SubmitResult& r) {
                if (r.status == 0) return;
                metrics_.mt_failed.Add();
                LogWarn("ussd.screen_not_sent", {{"status", smpp::CommandStatusName(r.status)}});
              });
        },
        metrics_);

    MoIntake::Options intake_options;
    intake_options.number_plan = (*grammar)->number_plan;
    for (const conf::SmppConnection& c : config_.smpp.connections) {
      intake_options.connections[c.name] = {TextOptionsFor(c), c.ussd_dialogue,
                                            ReceiptIdBaseFor(c)};
    }
    intake_ = std::make_unique<MoIntake>(
        io_, std::move(intake_options),
        [this](IntakeBatch batch) { core_->Accept(std::move(batch)); }, metrics_);
    intake_->Restore(std::move(*parts));

    for (const conf::SmppConnection& c : config_.smpp.connections) {
      for (smpp::SessionConfig& sc : SessionConfigs(c)) {
        const smpp::BindMode mode = sc.bind_mode;
        const bool transmits = mode != smpp::BindMode::kReceiver;
        // Replies held for want of a bind go at once, not when the hold ends.
        if (transmits) sc.on_bound = [this] { core_->Kick(); };
        auto session = smpp::EsmeSession::Create(io_, std::move(sc), *intake_);
        if (transmits) {
          mt_->AddSession(c.name, session, ShortCodesOf(config_, c.name), MtOptionsFor(c));
        }
        Bound bound{c.name, session, mode};
        const Labels labels = {{"connection", c.name}};
        bound.throttled = &registry_.GetCounter("smsgw_smpp_throttled_total",
                                                "submit_sm answered ESME_RTHROTTLED or "
                                                "ESME_RMSGQFUL (resent by the bind, within limits)",
                                                labels);
        bound.throttle_pauses = &registry_.GetCounter(
            "smsgw_smpp_throttle_pauses_total",
            "Whole-bind pauses because throttling dominated the SMSC's answers", labels);
        bound.unmatched_responses = &registry_.GetCounter(
            "smsgw_smpp_unmatched_responses_total",
            "Responses from the SMSC that answer no request of ours (unknown sequence number "
            "or command_id, or not the response to the request with that number); ignored",
            labels);
        sessions_.push_back(std::move(bound));
      }
    }

    AdminServerOptions admin_options;
    admin_options.address = config_.admin.listen.host;
    admin_options.port = config_.admin.listen.port;
    admin_options.token = std::move(*token);
    admin_ = std::make_unique<AdminServer>(io_, std::move(admin_options));
    admin_->Route("GET", "/healthz", true,
                  [this](const HttpRequest&, HttpRespond respond) { respond(Health()); });
    admin_->Route("GET", "/metrics", true, [this](const HttpRequest&, HttpRespond respond) {
      RefreshGauges();
      HttpResponse r = HttpResponse::Text(200, registry_.Render());
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      respond(std::move(r));
    });
    if (http_backend_) RoutePush();
    Status listening = admin_->Start();
    if (!listening.ok()) {
      return listening.WithContext("admin endpoint " + config_.admin.listen.host + ":" +
                                   std::to_string(config_.admin.listen.port));
    }

    core_->Start();
    for (auto& s : sessions_) s.session->Start();
    return Status::OK();
  }

  Result<std::shared_ptr<HttpBackend>> OpenHttpBackend() {
    auto key = conf::ReadKey(config_.backend.http.hmac_key);
    if (!key.ok()) return key.status().WithContext("backend hmac key");
    const std::string_view bytes(reinterpret_cast<const char*>(key->bytes().data()), key->size());
    push_signer_ = std::make_shared<RequestSigner>(config_.backend.http.key_id,
                                                   store::SecretBytes(std::string(bytes)));
    auto verifier = std::make_shared<SignatureVerifier>();
    verifier->AddKey(config_.backend.http.key_id, store::SecretBytes(std::string(bytes)));
    push_verifier_ = std::move(verifier);
    auto made = MakeHttpBackend(io_, config_.backend.http, store::SecretBytes(std::string(bytes)));
    if (!made.ok()) return made.status().WithContext("backend.http");
    return std::shared_ptr<HttpBackend>(std::move(*made));
  }

  // POST /v1/push: signed by the backend with the shared key, so no bearer token.
  void RoutePush() {
    auto unix_now = [] {
      return std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
    admin_->Route(
        "POST", std::string(kPushPath), false,
        MakePushHandler(push_verifier_, push_signer_, unix_now,
                        [this](PushMessage message, std::function<void(Result<PushOutcome>)> done) {
                          if (auto* notice = std::get_if<PushedNotice>(&message)) {
                            core_->BillNotice(std::move(notice->notice),
                                              std::move(notice->notice_id), [done](Status s) {
                                                if (s.ok()) return done(PushOutcome::kQueued);
                                                if (s.IsAlreadyExists()) {
                                                  return done(PushOutcome::kDuplicate);
                                                }
                                                done(s);
                                              });
                            return;
                          }
                          auto& pushed = std::get<PushedResult>(message);
                          core_->PushedResult(std::move(pushed.instruction_id),
                                              std::move(pushed.result), std::move(done));
                        }));
  }

  // ---- Signals -------------------------------------------------------------------------

  void WaitForSignal() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      if (signo == SIGHUP) {
        Reload();
      } else if (draining_) {
        LogWarn("stop.forced", {{"signal", signo}, {"exit", kExitForced}});
        std::_Exit(kExitForced);  // the store is crash-safe: every acknowledged MO is durable
      } else {
        BeginDrain(signo);
      }
      WaitForSignal();
    });
  }

  void Reload() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    // systemd 253+ wants the reload's start time with RELOADING=1.
    SdNotify("RELOADING=1\nMONOTONIC_USEC=" +
             std::to_string(static_cast<uint64_t>(now.tv_sec) * 1000000 + now.tv_nsec / 1000));
    LogInfo("reload.start", {{"config", config_.source_file}});
    auto next = conf::LoadGatewayConfig(config_.source_file);
    std::shared_ptr<const parser::Grammar> grammar;
    std::unique_ptr<commands::Engine> engine;
    std::string error;
    if (!next.ok()) {
      error = next.status().message();
    } else {
      auto loaded = LoadGrammarOf(*next);
      if (!loaded.ok()) {
        error = loaded.status().message();
      } else {
        // The backend and the store's retry policy are the ones opened at start ([restart]).
        auto made = MakeEngine(*next, config_.backend, *loaded);
        if (made.ok()) {
          engine = std::move(*made);
        } else {
          error = made.status().message();
        }
      }
    }
    if (!engine) {
      metrics_.reloads_failed.Add();
      size_t start = 0;
      while (start <= error.size()) {
        size_t end = error.find('\n', start);
        if (end == std::string::npos) end = error.size();
        if (end > start) LogError("reload.error", {{"error", error.substr(start, end - start)}});
        start = end + 1;
      }
      LogError("reload.rejected", {{"kept", "the running configuration and grammar"}});
      SdNotify("READY=1\nSTATUS=serving (last reload rejected)");
      return;
    }
    for (const std::string& key : conf::RestartOnlyChanges(config_, *next)) {
      LogWarn("reload.needs_restart", {{"key", key}});
    }
    const size_t commands = engine->grammar().commands.size();
    // The same plan for MO sources as for numbers in texts: both from the grammar now running.
    intake_->SetNumberPlan(engine->grammar().number_plan);
    core_->SetEngine(std::shared_ptr<const commands::Engine>(std::move(engine)));
    core_->SetUssdTimeout(
        std::chrono::duration_cast<std::chrono::milliseconds>(next->ussd.session_timeout));
    ApplyLogging(next->logging);
    // [restart] settings stay as they are until the next start; the rest is the new file's.
    conf::GatewayConfig applied = config_;
    applied.grammar_path = next->grammar_path;
    applied.limits = next->limits;
    applied.logging = next->logging;
    applied.ussd = next->ussd;
    for (size_t i = 0; i < applied.short_codes.size() && i < next->short_codes.size(); ++i) {
      applied.short_codes[i].language = next->short_codes[i].language;
    }
    config_ = std::move(applied);
    metrics_.reloads_ok.Add();
    LogInfo("reload.done", {{"commands", static_cast<uint64_t>(commands)}});
    SdNotify("READY=1\nSTATUS=serving");
  }

  // ---- Drain ---------------------------------------------------------------------------

  void BeginDrain(int signo) {
    draining_ = true;
    SdNotify("STOPPING=1");
    LogInfo(
        "stop.draining",
        {{"signal", signo}, {"deadline_ms", static_cast<int64_t>(options_.drain_timeout.count())}});
    intake_->StopTaking();
    core_->Drain(Clock::now() + options_.drain_timeout,
                 [this](bool idle) { boost::asio::post(io_, [this, idle] { Unbind(idle); }); });
  }

  void Unbind(bool idle) {
    LogInfo("stop.unbinding", {{"drained", idle}});
    auto left = std::make_shared<size_t>(sessions_.size());
    auto finish = [this] {
      if (admin_) admin_->Stop();
      // Calls still out complete as unavailable; their instructions are taken up again at the
      // next start with the same Idempotency-Key.
      if (http_backend_) http_backend_->Stop();
      core_->Stop();
      tick_.cancel();
      signals_.cancel();
      io_.stop();
    };
    if (sessions_.empty()) return finish();
    for (auto& s : sessions_) {
      s.session->Stop([this, left, finish] {
        if (--*left == 0) boost::asio::post(io_, finish);
      });
    }
  }

  // ---- Health and metrics ---------------------------------------------------------------

  void Tick() {
    intake_->Expire(Clock::now());
    RefreshGauges();
    tick_.expires_after(kTick);
    tick_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) Tick();
    });
  }

  void RefreshGauges() {
    int64_t up = 0;
    for (auto& s : sessions_) up += s.session->state() == smpp::SessionState::kBound ? 1 : 0;
    metrics_.binds_up.Set(up);
    metrics_.unacked_mos.Set(static_cast<int64_t>(intake_->unacked()));
    // The sessions count for their own life; the counters take what is new since the last tick.
    for (Bound& s : sessions_) {
      const smpp::SessionStats& st = s.session->stats();
      s.throttled->Add(st.throttled - s.seen_throttled);
      s.throttle_pauses->Add(st.throttle_pauses - s.seen_throttle_pauses);
      s.unmatched_responses->Add(st.responses_unmatched - s.seen_unmatched_responses);
      s.seen_throttled = st.throttled;
      s.seen_throttle_pauses = st.throttle_pauses;
      s.seen_unmatched_responses = st.responses_unmatched;
    }
  }

  HttpResponse Health() {
    nlohmann::ordered_json binds = nlohmann::ordered_json::array();
    int up = 0;
    for (const Bound& s : sessions_) {
      up += s.session->state() == smpp::SessionState::kBound ? 1 : 0;
      binds.push_back({{"connection", s.connection},
                       {"mode", ModeName(s.mode)},
                       {"state", StateName(s.session->state())}});
    }
    const bool store_ok = core_->health().store_writable.load();
    const bool healthy = up > 0 && store_ok && !draining_;
    nlohmann::ordered_json body = {{"status", healthy ? "ok" : "unavailable"},
                                   {"draining", draining_},
                                   {"binds_up", up},
                                   {"binds", std::move(binds)},
                                   {"store", {{"writable", store_ok}}},
                                   {"backend", BackendHealth()},
                                   {"unacked_mos", intake_->unacked()}};
    return HttpResponse::Json(healthy ? 200 : 503, body.dump());
  }

  nlohmann::ordered_json BackendHealth() const {
    if (!http_backend_) return {{"type", "embedded"}, {"state", "up"}};
    const HttpBackendStats st = http_backend_->stats();
    const char* state = st.breaker == BreakerState::kClosed     ? "up"
                        : st.breaker == BreakerState::kHalfOpen ? "probing"
                                                                : "down";
    return {{"type", "http"},
            {"state", state},
            {"requests_ok", st.requests_ok},
            {"requests_failed", st.requests_failed},
            {"breaker_opened", st.breaker_times_opened}};
  }

  struct Bound {
    std::string connection;
    std::shared_ptr<smpp::EsmeSession> session;
    smpp::BindMode mode = smpp::BindMode::kTransceiver;
    Counter* throttled = nullptr;  // the connection's, shared by its binds
    Counter* throttle_pauses = nullptr;
    Counter* unmatched_responses = nullptr;
    uint64_t seen_throttled = 0;  // the session's own counts at the last tick
    uint64_t seen_throttle_pauses = 0;
    uint64_t seen_unmatched_responses = 0;
  };

  conf::GatewayConfig config_;
  DaemonOptions options_;
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer tick_;
  Registry registry_;
  DaemonMetrics metrics_;
  std::unique_ptr<MtSender> mt_;
  std::unique_ptr<Core> core_;
  std::unique_ptr<MoIntake> intake_;
  std::vector<Bound> sessions_;
  std::unique_ptr<AdminServer> admin_;
  std::shared_ptr<HttpBackend> http_backend_;  // null with the embedded ledger
  std::shared_ptr<const RequestSigner> push_signer_;
  std::shared_ptr<const SignatureVerifier> push_verifier_;
  bool draining_ = false;
  bool store_failed_ = false;
  int exit_code_ = kExitOk;
};

}  // namespace

int RunDaemon(conf::GatewayConfig config, const DaemonOptions& options, std::ostream& err) {
  Daemon daemon(std::move(config), options);
  return daemon.Run(err);
}

}  // namespace smsgw::gateway
