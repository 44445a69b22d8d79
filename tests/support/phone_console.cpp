#include "tests/support/phone_console.h"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "conf/duration.h"
#include "gateway/smpp/command_status.h"
#include "store/ledger_demo.h"
#include "tests/support/phone_console_input.h"
#include "tests/support/phone_console_mo.h"
#include "tests/support/phone_console_text.h"

namespace smsgw::console {

namespace asio = boost::asio;
using boost::system::error_code;
using std::chrono::milliseconds;
using Kind = ConsoleInput::Kind;

namespace {

// How often an unacknowledged MO is looked at while a script waits for its replies.
constexpr milliseconds kAckPoll{20};
// How often concatenated MTs missing parts are looked at.
constexpr milliseconds kExpiryPoll{1000};

std::string FirstDemoPhone() {
  const std::vector<DemoPhone> phones = DemoPhones(store::DemoAccounts());
  return phones.empty() ? "254700000001" : phones.front().msisdn;
}

std::string Address(uint16_t port) {
  return "127.0.0.1:" + std::to_string(port);
}

}  // namespace

PhoneConsole::PhoneConsole(asio::io_context& io, ConsoleOptions options, ConsoleTerminal terminal,
                           std::ostream& out, std::ostream& err)
    : io_(io),
      options_(std::move(options)),
      terminal_(terminal),
      out_(out),
      err_(err),
      signals_(io),
      bind_timer_(io),
      reply_timer_(io),
      expiry_timer_(io),
      phone_(options_.phone.empty() ? FirstDemoPhone() : options_.phone) {}

PhoneConsole::~PhoneConsole() = default;

Status PhoneConsole::Start() {
  smpp::testing::SmscSimConfig config;
  config.port = options_.port;
  config.password = options_.password;
  config.send_receipts = true;
  config.on_submit = [this](const smpp::SubmitSm& sm) { OnSubmit(sm); };
  config.on_bind_change = [this](bool bound) { OnBind(bound); };
  config.on_ussd_screen = [this](size_t dialogue, size_t screen) {
    OnUssdScreen(dialogue, screen);
  };
  config.on_ussd_refused = [this](size_t dialogue, uint32_t status) {
    OnUssdRefused(dialogue, status);
  };
  try {
    sim_ = std::make_unique<smpp::testing::SmscSimulator>(io_, std::move(config));
  } catch (const boost::system::system_error& e) {
    return Status::Unavailable("cannot listen on " + Address(options_.port) + ": " +
                               e.code().message());
  }
  const std::string address = Address(sim_->port());
  BannerFacts facts{address, options_.short_code, phone_, &store::DemoAccounts()};
  out_ << Banner(facts) << "\nwaiting for the gateway to bind on " << address << " ..."
       << std::endl;

  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  signals_.async_wait([this](const error_code& ec, int signal) {
    if (ec) return;
    if (prompt_shown_) out_ << "\n";
    prompt_shown_ = false;
    Stop(128 + signal);
  });
  if (options_.wait_bind.count() > 0) {
    bind_timer_.expires_after(options_.wait_bind);
    bind_timer_.async_wait([this](const error_code& ec) {
      if (!ec) OnBindDeadline();
    });
  }
  if (terminal_.input_is_tty) ShowPrompt();
  return Status::OK();
}

void PhoneConsole::Stop(int exit_code) {
  if (stopped_) return;
  stopped_ = true;
  exit_code_ = exit_code;
  error_code ignored;
  signals_.cancel(ignored);
  bind_timer_.cancel();
  reply_timer_.cancel();
  expiry_timer_.cancel();
  out_.flush();
  // Closes the listening socket and the gateway's connection; posted, since Stop may run
  // inside one of the simulator's own callbacks.
  asio::post(io_, [this] { sim_.reset(); });
}

void PhoneConsole::OnBindDeadline() {
  if (ever_bound_ || stopped_) return;
  Print("");
  err_ << "phone_console: the gateway did not bind to " << Address(sim_->port()) << " within "
       << conf::FormatDuration(options_.wait_bind) << std::endl;
  prompt_shown_ = false;
  Stop(1);
}

void PhoneConsole::OnBind(bool bound) {
  if (stopped_) return;
  if (!bound) {
    Print("gateway unbound (connection closed); waiting for it to bind again ...");
    return;
  }
  std::string system_id;
  for (auto it = sim_->received().rbegin(); it != sim_->received().rend(); ++it) {
    if (const auto* bind = std::get_if<smpp::BindRequest>(&it->body)) {
      system_id = bind->system_id;
      break;
    }
  }
  Print(std::string(ever_bound_ ? "gateway bound again" : "gateway bound") +
        (system_id.empty() ? "" : " (system_id " + system_id + ")"));
  if (!ever_bound_) {
    ever_bound_ = true;
    bind_timer_.cancel();
    Pump();
  }
}

void PhoneConsole::OnSubmit(const smpp::SubmitSm& sm) {
  if (stopped_) return;
  last_activity_ = Clock::now();
  if (std::optional<ShownMt> shown = mts_.Add(sm, Clock::now())) Print(FormatMt(*shown, phone_));
  ArmExpiry();
}

void PhoneConsole::OnUssdScreen(size_t dialogue, size_t screen) {
  if (stopped_) return;
  last_activity_ = Clock::now();
  const auto& d = sim_->ussd_dialogues()[dialogue];
  const auto& s = d.screens[screen];
  Print(FormatUssdScreen(d.service, s.text, s.end));
  if (s.end && ussd_ == dialogue) ussd_.reset();
}

void PhoneConsole::OnUssdRefused(size_t dialogue, uint32_t status) {
  if (stopped_) return;
  last_activity_ = Clock::now();
  Print("  [USSD] connection problem or invalid MMI code (the gateway answered " +
        smpp::CommandStatusName(status) + ")");
  if (ussd_ == dialogue) ussd_.reset();
}

void PhoneConsole::ArmExpiry() {
  if (mts_.pending() == 0 || stopped_) return;
  expiry_timer_.expires_after(kExpiryPoll);
  expiry_timer_.async_wait([this](const error_code& ec) {
    if (ec) return;
    for (const ShownMt& mt : mts_.Expire(Clock::now())) Print(FormatMt(mt, phone_));
    ArmExpiry();
  });
}

void PhoneConsole::OnLine(std::string line) {
  if (stopped_) return;
  if (terminal_.input_is_tty) {
    prompt_shown_ = false;  // the user's Enter moved to a new line
    Handle(line);
    if (!stopped_) ShowPrompt();
    return;
  }
  lines_.push_back(std::move(line));
  Pump();
}

void PhoneConsole::OnEndOfInput() {
  if (stopped_) return;
  if (terminal_.input_is_tty) {
    if (prompt_shown_) out_ << "\n";
    prompt_shown_ = false;
    Stop(0);
    return;
  }
  end_of_input_ = true;
  Pump();
}

void PhoneConsole::Pump() {
  if (terminal_.input_is_tty || stopped_ || waiting_ || !ever_bound_) return;
  while (!lines_.empty() && !stopped_) {
    const std::string line = std::move(lines_.front());
    lines_.pop_front();
    out_ << Prompt(phone_) << line << "\n";
    last_line_waited_ = false;
    if (Handle(line)) return WaitForReplies();
  }
  if (stopped_ || !end_of_input_) return;
  if (last_line_waited_) return Stop(0);
  last_line_waited_ = true;  // one wait for stragglers, then out
  WaitForReplies();
}

void PhoneConsole::WaitForReplies() {
  waiting_ = true;
  const Clock::time_point now = Clock::now();
  last_activity_ = now;
  wait_limit_ = now + options_.reply_wait * kMaxWaitFactor;
  CheckReplies();
}

void PhoneConsole::CheckReplies() {
  const Clock::time_point now = Clock::now();
  const auto& mos = sim_->mos();
  // A USSD MO is never redelivered: any answer is final.
  const bool acked = std::all_of(waiting_for_acks_.begin(), waiting_for_acks_.end(), [&](size_t i) {
    return mos[i].acked() || (!mos[i].redeliver && mos[i].last_status != 0xFFFFFFFFu);
  });
  if (acked && !waiting_for_acks_.empty()) {
    waiting_for_acks_.clear();
    last_activity_ = now;  // the replies are counted from the acknowledgement
  }
  const Clock::time_point quiet_at = last_activity_ + options_.reply_wait;
  if (now >= wait_limit_ || (acked && now >= quiet_at)) {
    waiting_ = false;
    waiting_for_acks_.clear();
    last_line_waited_ = true;
    return Pump();
  }
  reply_timer_.expires_at(std::min(acked ? quiet_at : now + kAckPoll, wait_limit_));
  reply_timer_.async_wait([this](const error_code& ec) {
    if (!ec && !stopped_) CheckReplies();
  });
}

bool PhoneConsole::Handle(const std::string& line) {
  const ConsoleInput input = ParseConsoleLine(line);
  switch (input.kind) {
    case Kind::kNothing:
      return false;
    case Kind::kMessage:
      return ussd_ ? AnswerUssd(input.text) : SendSms(input.text);
    case Kind::kDialUssd:
      return DialUssd(input.text);
    case Kind::kCancelUssd:
      CancelUssd();
      return false;
    case Kind::kSwitchPhone:
      SwitchPhone(input.text);
      return false;
    case Kind::kListPhones:
      Print(FormatPhones(DemoPhones(store::DemoAccounts()), phone_));
      return false;
    case Kind::kHelp:
      Print(ConsoleHelp() + "Send HELP (an SMS) for the gateway's own list of commands.");
      return false;
    case Kind::kQuit:
      Stop(0);
      return false;
    case Kind::kError:
      Print("  " + input.text);
      return false;
  }
  return false;
}

bool PhoneConsole::SendSms(const std::string& text) {
  const uint8_t reference = next_reference_[phone_]++;
  Result<std::vector<smpp::DeliverSm>> parts =
      BuildMoParts(phone_, options_.short_code, text, reference);
  if (!parts.ok()) {
    Print("  (not sent: " + parts.status().message() + ")");
    return false;
  }
  for (smpp::DeliverSm& part : *parts) {
    const size_t index = sim_->PushMo(std::move(part));
    if (!terminal_.input_is_tty) waiting_for_acks_.push_back(index);
  }
  if (!sim_->bound()) Print("  (the gateway is not bound: the SMS waits here until it binds)");
  return true;
}

bool PhoneConsole::DialUssd(const std::string& code) {
  if (ussd_) sim_->AbortUssd(*ussd_);  // a phone drops the open session to dial again
  ussd_ = sim_->DialUssd(phone_, UssdServiceAddress(code), code);
  WaitForUssdAck();
  return true;
}

bool PhoneConsole::AnswerUssd(const std::string& text) {
  if (!sim_->AnswerUssd(*ussd_, text)) {
    ussd_.reset();
    Print("  (the USSD session has ended)");
    return false;
  }
  WaitForUssdAck();
  return true;
}

void PhoneConsole::CancelUssd() {
  if (!ussd_) return Print("  (no USSD session is open)");
  sim_->AbortUssd(*ussd_);
  ussd_.reset();
  Print("  [USSD session ended]");
}

void PhoneConsole::WaitForUssdAck() {
  if (!terminal_.input_is_tty) waiting_for_acks_.push_back(sim_->mos().size() - 1);
  if (!sim_->bound()) Print("  (the gateway is not bound: the USSD request waits until it binds)");
}

void PhoneConsole::SwitchPhone(const std::string& msisdn) {
  if (ussd_) CancelUssd();
  phone_ = msisdn;
  std::string who = "no demo account";
  for (const DemoPhone& p : DemoPhones(store::DemoAccounts())) {
    if (p.msisdn == msisdn) who = p.who;
  }
  Print("  now typing as " + msisdn + " (" + who + ")");
}

void PhoneConsole::Print(const std::string& text) {
  const bool redraw = prompt_shown_;
  if (prompt_shown_) out_ << (terminal_.output_is_tty ? "\r\033[K" : "\n");
  prompt_shown_ = false;
  if (!text.empty()) {
    out_ << text;
    if (text.back() != '\n') out_ << "\n";
  }
  if (redraw) ShowPrompt();
  out_.flush();
}

void PhoneConsole::ShowPrompt() {
  out_ << Prompt(phone_) << std::flush;
  prompt_shown_ = true;
}

}  // namespace smsgw::console
