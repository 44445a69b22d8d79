#include "gateway/daemon/ussd_dialogues.h"

#include <utility>

#include "gateway/log.h"
#include "gateway/smpp/command_status.h"

namespace smsgw::gateway {

namespace {

constexpr uint32_t kRetryLater = smpp::ToWire(smpp::CommandStatus::kRxTAppn);

// An answer for a dialogue the gateway does not know: it timed out here, or a restart lost it.
constexpr const char* kUnknownDialogue = "This session has ended. Please dial again.";

}  // namespace

std::string UssdKey(const std::string& connection, const std::string& msisdn,
                    const std::string& dialogue) {
  return connection + "|" + msisdn + "|" + dialogue;
}

UssdDialogues::UssdDialogues(Options options, DaemonMetrics& metrics)
    : options_(std::move(options)), metrics_(metrics) {}

void UssdDialogues::Restore(store::Store& store, int64_t now_ms) {
  auto records = store.LoadUssdSessions(now_ms);
  if (!records.ok()) {
    LogWarn("ussd.restore_failed", {{"error", records.status().ToString()}});
    return;
  }
  for (const store::UssdSessionRecord& r : *records) {
    auto state = commands::UssdState::Decode(r.state.view());
    if (!state.ok()) {
      LogWarn("ussd.restore_skipped", {{"error", state.status().ToString()}});
      continue;
    }
    by_msisdn_[r.msisdn] = r.key;
    live_[r.key] = Live{std::move(*state), r.expires_at};
  }
  metrics_.ussd_live.Set(static_cast<int64_t>(live_.size()));
  if (!live_.empty())
    LogInfo("ussd.restored", {{"dialogues", static_cast<uint64_t>(live_.size())}});
}

UssdDialogues::Undo UssdDialogues::Keep(const std::string& key, const std::string& msisdn, bool end,
                                        std::optional<commands::UssdState> state,
                                        int64_t expires_at) {
  Undo undo;
  undo.msisdn = msisdn;
  if (auto it = by_msisdn_.find(msisdn); it != by_msisdn_.end()) undo.owner = it->second;
  // Moved, not copied: every entry saved is erased or replaced below.
  auto save = [&](const std::string& k) {
    auto it = live_.find(k);
    undo.keys.emplace_back(
        k, it == live_.end() ? std::nullopt : std::optional<Live>(std::move(it->second)));
  };
  save(key);
  if (end || !state) {
    live_.erase(key);
    if (undo.owner == key) by_msisdn_.erase(msisdn);
    return undo;
  }
  if (undo.owner && *undo.owner != key) {
    save(*undo.owner);
    live_.erase(*undo.owner);
  }
  live_[key] = Live{std::move(*state), expires_at};
  by_msisdn_[msisdn] = key;
  return undo;
}

void UssdDialogues::PutBack(Undo undo) {
  for (auto it = undo.keys.rbegin(); it != undo.keys.rend(); ++it) {
    if (it->second) {
      live_[it->first] = std::move(*it->second);
    } else {
      live_.erase(it->first);
    }
  }
  if (undo.owner) {
    by_msisdn_[undo.msisdn] = std::move(*undo.owner);
  } else {
    by_msisdn_.erase(undo.msisdn);
  }
}

std::vector<UssdDialogues::Outcome> UssdDialogues::Handle(const std::vector<UssdEvent>& events,
                                                          const commands::Engine& engine,
                                                          store::Store& store,
                                                          commands::StoreView& view,
                                                          int64_t now_ms) {
  const int64_t expires_at = now_ms + options_.timeout_ms;
  // What is left of each turn once its Effects went to the store (moved, not copied: an
  // instruction's secret holds the PIN), and what it changed in memory.
  struct Done {
    std::string text;
    bool end = false;
    bool submitted = false;
    bool resent = false;  // a copy of an answer already taken: acknowledged, nothing else
    std::optional<Undo> undo;
  };
  std::vector<Done> turns(events.size());

  // A turn is kept in memory as soon as it is computed, so the next event of its dialogue in
  // the batch is answered from it; the subscriber is the order key, so once a turn fails the
  // later ones of its MSISDN are not run, and undoing the failed turns newest first leaves
  // what the store kept.
  store::StepOptions options;
  options.order_key = [&events](size_t i) -> std::string_view { return events[i].msisdn; };
  auto results = store.ApplySteps(
      events.size(),
      [&](size_t i) -> Result<store::Effects> {
        const UssdEvent& e = events[i];
        const std::string key = UssdKey(e.connection, e.msisdn, e.dialogue);
        commands::UssdTurn turn;
        if (e.kind == smpp::UssdKind::kOpen) {
          commands::UssdOpen open;
          open.connection = e.connection;
          open.msisdn = e.msisdn;
          open.service = e.service;
          open.dial = e.text;
          open.sms_from = options_.sms_from;
          open.now_ms = now_ms;
          auto opened = engine.OnUssdOpen(open, view);
          if (!opened.ok()) return opened.status();
          turn = std::move(*opened);
        } else if (e.kind == smpp::UssdKind::kAnswer) {
          auto it = live_.find(key);
          if (it == live_.end() || it->second.expires_at <= now_ms) {
            turn.text = kUnknownDialogue;
            turn.end = true;
          } else if (commands::IsResentAnswer(it->second.state, e.sequence)) {
            // Its first copy was taken and its screen sent: this one changes nothing, and
            // the dialogue and its copy in the store stay as they are.
            turns[i].resent = true;
            return store::Effects();
          } else {
            auto answered = engine.OnUssdAnswer(it->second.state, e.text, now_ms, view);
            if (!answered.ok()) return answered.status();
            turn = std::move(*answered);
          }
        } else {  // kAbort: the network ended it; only the copy goes
          turn.end = true;
        }
        if (turn.state) commands::TakeUnit(*turn.state, e.sequence);
        turn.effects.ussd_session =
            commands::SessionWrite(key, e.msisdn, e.connection, turn, expires_at);
        turns[i] = Done{std::move(turn.text), turn.end, !turn.effects.instructions.empty(), false,
                        Keep(key, e.msisdn, turn.end, std::move(turn.state), expires_at)};
        return std::move(turn.effects);
      },
      options);

  for (size_t i = events.size(); i-- > 0;) {
    if (!results[i].ok() && turns[i].undo) PutBack(std::move(*turns[i].undo));
  }

  std::vector<Outcome> outcomes(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    const UssdEvent& e = events[i];
    Outcome& out = outcomes[i];
    out.connection = e.connection;
    if (!results[i].ok()) {
      // The copy in the store is as before this MO: so is the dialogue in memory. The network
      // gets a temporary error and ends or repeats the dialogue as it sees fit.
      out.status = kRetryLater;
      metrics_.step_failures.Add();
      LogWarn("ussd.step_failed", {{"connection", e.connection},
                                   {"source", e.msisdn},
                                   {"dialogue", e.dialogue},
                                   {"error", results[i].status().ToString()}});
      continue;
    }
    Done& turn = turns[i];
    if (turn.resent) {
      metrics_.ussd_resent_answers.Add();
      LogInfo("ussd.resent", {{"connection", e.connection},
                              {"source", e.msisdn},
                              {"dialogue", e.dialogue},
                              {"sequence", static_cast<uint64_t>(*e.sequence)}});
      continue;
    }
    const bool submitted = turn.submitted;
    if (e.kind == smpp::UssdKind::kOpen) metrics_.ussd_opened.Add();
    if (submitted) metrics_.ussd_submitted.Add();
    if (e.kind == smpp::UssdKind::kAbort) metrics_.ussd_aborted.Add();
    LogInfo("ussd.turn", {{"connection", e.connection},
                          {"source", e.msisdn},
                          {"dialogue", e.dialogue},
                          {"kind", smpp::UssdKindName(e.kind)},
                          {"end", turn.end},
                          {"submitted", submitted}});
    if (e.kind == smpp::UssdKind::kAbort) continue;
    smpp::UssdScreen screen;
    screen.msisdn = e.msisdn;
    screen.service = e.service;
    screen.dialogue = e.dialogue;
    screen.text = std::move(turn.text);
    screen.end = turn.end;
    screen.answers = e.sequence;
    out.screen = std::move(screen);
  }
  metrics_.ussd_live.Set(static_cast<int64_t>(live_.size()));
  return outcomes;
}

void UssdDialogues::Expire(store::Store& store, int64_t now_ms) {
  for (auto it = live_.begin(); it != live_.end();) {
    if (it->second.expires_at > now_ms) {
      ++it;
      continue;
    }
    LogInfo("ussd.timeout",
            {{"connection", it->second.state.connection}, {"source", it->second.state.msisdn}});
    metrics_.ussd_timed_out.Add();
    by_msisdn_.erase(it->second.state.msisdn);
    it = live_.erase(it);
  }
  auto dropped = store.DropExpiredUssdSessions(now_ms);
  if (!dropped.ok()) LogWarn("ussd.expire_failed", {{"error", dropped.status().ToString()}});
  metrics_.ussd_live.Set(static_cast<int64_t>(live_.size()));
}

}  // namespace smsgw::gateway
