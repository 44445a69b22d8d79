// The phone console (tests/tools/phone_console.cpp) on an io_context: an SmscSimulator the
// gateway binds to, and a phone whose typed lines become MOs and whose MTs are printed.
//
// With a terminal on stdin, every line is acted on as it comes and MTs are printed whenever
// they arrive, the prompt redrawn after them. Without one (a script, a test), lines wait for
// the gateway's first bind, each is echoed after the prompt so the output reads as a session,
// and after an SMS the next line waits until the MO was acknowledged and the replies stopped
// (ConsoleOptions::reply_wait), so a transcript is deterministic. Everything runs on the
// io_context's thread; lines come in through OnLine, posted by whoever reads stdin.
//
// USSD: a USSD code typed as a line dials it (the simulator opens a dialogue); while the dialogue
// is open every other line answers its screen, `/cancel` releases it, and it ends when the
// gateway sends its last screen or refuses the dial. Screens print as they come.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "conf/status.h"
#include "tests/support/phone_console_args.h"
#include "tests/support/phone_console_mt.h"
#include "tests/support/smsc_simulator.h"

namespace smsgw::console {

struct ConsoleTerminal {
  bool input_is_tty = false;   // interactive: no echo, no waiting between lines
  bool output_is_tty = false;  // the prompt is erased with an escape sequence, not a newline
};

class PhoneConsole {
 public:
  PhoneConsole(boost::asio::io_context& io, ConsoleOptions options, ConsoleTerminal terminal,
               std::ostream& out, std::ostream& err);
  ~PhoneConsole();
  PhoneConsole(const PhoneConsole&) = delete;
  PhoneConsole& operator=(const PhoneConsole&) = delete;

  // Listens, prints the banner and the waiting line, arms the bind deadline, handles SIGINT
  // and SIGTERM. Unavailable when the port cannot be listened on.
  Status Start();

  // A line read from stdin, without its "\n".
  void OnLine(std::string line);
  // Stdin is at its end.
  void OnEndOfInput();

  // Closes the SMSC side and every timer: io_context::run() returns once their handlers ran.
  // The console must outlive that run.
  void Stop(int exit_code);

  bool stopped() const { return stopped_; }
  int exit_code() const { return exit_code_; }

 private:
  using Clock = std::chrono::steady_clock;

  void OnBind(bool bound);
  void OnSubmit(const smpp::SubmitSm& sm);
  void OnUssdScreen(size_t dialogue, size_t screen);
  void OnUssdRefused(size_t dialogue, uint32_t status);
  void OnBindDeadline();
  void ArmExpiry();

  // Script mode: the next line, once the previous one's replies are in.
  void Pump();
  void WaitForReplies();
  void CheckReplies();

  // Acts on one line; true when it sent an SMS.
  bool Handle(const std::string& line);
  bool SendSms(const std::string& text);
  bool DialUssd(const std::string& code);
  bool AnswerUssd(const std::string& text);
  void CancelUssd();
  void WaitForUssdAck();
  void SwitchPhone(const std::string& msisdn);

  // Prints `text` (one or more lines) above the prompt, which is redrawn when it was shown.
  void Print(const std::string& text);
  void ShowPrompt();

  boost::asio::io_context& io_;
  ConsoleOptions options_;
  ConsoleTerminal terminal_;
  std::ostream& out_;
  std::ostream& err_;
  std::unique_ptr<smpp::testing::SmscSimulator> sim_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer bind_timer_;
  boost::asio::steady_timer reply_timer_;
  boost::asio::steady_timer expiry_timer_;
  MtAssembler mts_;

  std::string phone_;
  std::optional<size_t> ussd_;                     // the open USSD dialogue (the simulator's index)
  std::map<std::string, uint8_t> next_reference_;  // per phone, cycling
  bool ever_bound_ = false;
  bool prompt_shown_ = false;
  bool stopped_ = false;
  int exit_code_ = 0;

  // Script mode.
  std::deque<std::string> lines_;
  bool end_of_input_ = false;
  bool waiting_ = false;                  // for the replies to the last SMS
  bool last_line_waited_ = false;         // the last line handled was an SMS whose replies are in
  std::vector<size_t> waiting_for_acks_;  // indices in the simulator's mos()
  Clock::time_point wait_limit_;
  Clock::time_point last_activity_;
};

}  // namespace smsgw::console
