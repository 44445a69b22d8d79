// The SMSC simulator on a thread of its own, for tests that run the gateway as a process:
// the test thread pushes subscriber texts and reads what the gateway sent back, while the
// simulator keeps answering on its io_context. Every call is thread-safe (it runs on the
// simulator's thread and waits for the answer).
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/smsc_simulator.h"

namespace smsgw::test {

// An MT as the phone shows it: concatenated parts joined, text decoded.
struct PhoneMessage {
  std::string from;  // the short code
  std::string to;    // the subscriber
  std::string text;
};

class SimThread {
 public:
  explicit SimThread(smpp::testing::SmscSimConfig config = {});
  ~SimThread();

  uint16_t port() const { return port_; }

  // A subscriber's text as deliver_sm (GSM-7 when it fits, else UCS-2; concatenated when long).
  void SendText(const std::string& from, const std::string& to, const std::string& text);

  // Every MT received so far, in order, reassembled.
  std::vector<PhoneMessage> Messages();
  // Those to `msisdn`.
  std::vector<PhoneMessage> MessagesTo(const std::string& msisdn);

  // Waits (bounded) until `count` messages to `msisdn` arrived; returns them all.
  std::vector<PhoneMessage> WaitMessagesTo(const std::string& msisdn, size_t count,
                                           std::chrono::milliseconds timeout);

  bool bound();
  int binds();
  size_t mos();        // MOs pushed
  size_t acked_mos();  // distinct MOs acknowledged with ESME_ROK
  bool all_acked();
  size_t redelivered_mos();  // MOs the simulator had to send more than once
  size_t unbinds_received();

  // USSD dialogues (SmscSimulator::DialUssd ...): the dialogue's index.
  size_t DialUssd(const std::string& from, const std::string& service_code_address,
                  const std::string& dial_string);
  size_t DialUssd(const std::string& from, const std::string& service_code_address,
                  const std::string& dial_string, conf::UssdDialogue mode);
  bool AnswerUssd(size_t dialogue, const std::string& text);
  bool AbortUssd(size_t dialogue);
  bool ResendUssd(size_t dialogue);
  // A copy of the dialogue as the simulator holds it.
  smpp::testing::SmscSimulator::UssdDialogue Ussd(size_t dialogue);
  // Waits (bounded) until the dialogue has `count` screens, or has ended; returns its screens.
  std::vector<smpp::testing::SmscSimulator::UssdScreen> WaitUssdScreen(
      size_t dialogue, size_t count, std::chrono::milliseconds timeout);

  // Runs `fn` on the simulator's thread.
  void Run(std::function<void(smpp::testing::SmscSimulator&)> fn);
  // Queues `fn` for the simulator's thread and returns at once (safe from another simulator's
  // observer, where waiting could deadlock).
  void Post(std::function<void(smpp::testing::SmscSimulator&)> fn);

 private:
  boost::asio::io_context io_;
  std::unique_ptr<smpp::testing::SmscSimulator> sim_;
  std::thread thread_;
  uint16_t port_ = 0;
  uint8_t next_reference_ = 1;
};

// Polls `done` every 20 ms until it is true or `timeout` passed; returns its last value.
bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout);

}  // namespace smsgw::test
