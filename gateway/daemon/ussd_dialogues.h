// The live USSD dialogues, on the core thread (they need the engine and the store).
//
// Each USSD MO of an intake batch becomes one engine turn (commands::Engine::OnUssdOpen or
// OnUssdAnswer). The turns of a batch are applied in one transaction (Store::ApplySteps): each
// writes its dialogue's sealed state, or erases it when the dialogue ends, and the final screen
// of a command adds its instruction. Only then is each deliver_sm acknowledged and each screen
// sent, so a screen never promises what the store does not hold, and once Handle returns a
// dialogue's state in memory is its copy in the store.
//
// The events of one dialogue in a batch are turns in their order: each is answered from the
// state the one before it left, not from the state the batch started with. The network resends
// an answer whose deliver_sm_resp came late, in the same batch or a later one. When it numbers
// the dialogue's units (its_session_info's sequence, commands::IsResentAnswer), the copy is
// acknowledged and nothing else: no turn, no screen, the dialogue still waits on the screen
// its first copy brought. When it does not, the copy is the answer to that screen; on a
// confirmation the first "1" submits and ends the dialogue and the second finds it ended and
// submits nothing. A turn that fails (its write, or the whole transaction) is taken back, and the
// later events of its MSISDN in the batch are not run (they get a temporary error), so no
// turn is ever answered from a state the store did not keep.
//
// A dialogue is keyed by connection + MSISDN + the network's dialogue id. It lives until its
// last screen, an abort from the network, or `timeout` without an answer (the network has
// given up on it by then). At start the copies a restart interrupted are loaded back.
//
// Threading: one thread (the core's) calls everything.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "commands/engine.h"
#include "commands/store_view.h"
#include "gateway/daemon/daemon_metrics.h"
#include "gateway/daemon/mo_intake.h"
#include "gateway/smpp/ussd.h"
#include "store/store.h"

namespace smsgw::gateway {

class UssdDialogues {
 public:
  struct Options {
    int64_t timeout_ms = 180'000;
    std::string sms_from;  // the short code the results of USSD instructions go out from
  };

  // What became of one USSD MO: the deliver_sm_resp status and, unless the dialogue was
  // aborted or the step failed, the screen to send on `connection`.
  struct Outcome {
    uint32_t status = 0;
    std::string connection;
    std::optional<smpp::UssdScreen> screen;
  };

  UssdDialogues(Options options, DaemonMetrics& metrics);

  // Loads the dialogues the store kept (a restart interrupted them). Errors are logged; the
  // network times those dialogues out anyway.
  void Restore(store::Store& store, int64_t now_ms);

  // One outcome per event, in order. `view` reads through `store`.
  std::vector<Outcome> Handle(const std::vector<UssdEvent>& events, const commands::Engine& engine,
                              store::Store& store, commands::StoreView& view, int64_t now_ms);

  // Forgets dialogues idle past the timeout and drops their copies.
  void Expire(store::Store& store, int64_t now_ms);

  size_t live() const { return live_.size(); }
  // From the next turn on (a reload); live dialogues keep the expiry their last turn set.
  void set_timeout_ms(int64_t ms) { options_.timeout_ms = ms; }

 private:
  struct Live {
    commands::UssdState state;
    int64_t expires_at = 0;
  };
  // What one turn changed in live_ and by_msisdn_, to be put back when its write fails.
  struct Undo {
    std::string msisdn;
    std::optional<std::string> owner;  // by_msisdn_[msisdn] before the turn
    std::vector<std::pair<std::string, std::optional<Live>>> keys;  // each key touched, as it was
  };

  // Applies a turn's outcome to the dialogues in memory as store::ApplyUssdSession applies
  // its SessionWrite to the copies: a kept state replaces the MSISDN's other dialogue, an
  // ended dialogue goes alone.
  Undo Keep(const std::string& key, const std::string& msisdn, bool end,
            std::optional<commands::UssdState> state, int64_t expires_at);
  void PutBack(Undo undo);

  Options options_;
  DaemonMetrics& metrics_;
  std::map<std::string, Live> live_;              // by key
  std::map<std::string, std::string> by_msisdn_;  // MSISDN -> key of its live dialogue
};

// connection + MSISDN + dialogue id, as the store's key of a dialogue.
std::string UssdKey(const std::string& connection, const std::string& msisdn,
                    const std::string& dialogue);

}  // namespace smsgw::gateway
