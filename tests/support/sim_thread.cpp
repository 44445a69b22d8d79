#include "tests/support/sim_thread.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <map>
#include <variant>

#include "gateway/smpp/reassembler.h"
#include "gateway/smpp/segmenter.h"
#include "gateway/smpp/user_data.h"

namespace smsgw::test {

SimThread::SimThread(smpp::testing::SmscSimConfig config) {
  sim_ = std::make_unique<smpp::testing::SmscSimulator>(io_, config);
  port_ = sim_->port();
  thread_ = std::thread([this] {
    auto work = boost::asio::make_work_guard(io_);
    io_.run();
  });
}

SimThread::~SimThread() {
  Run([](smpp::testing::SmscSimulator&) {});
  boost::asio::post(io_, [this] {
    sim_.reset();
    io_.stop();
  });
  thread_.join();
}

void SimThread::Run(std::function<void(smpp::testing::SmscSimulator&)> fn) {
  std::promise<void> done;
  boost::asio::post(io_, [&] {
    if (sim_) fn(*sim_);
    done.set_value();
  });
  done.get_future().wait();
}

void SimThread::Post(std::function<void(smpp::testing::SmscSimulator&)> fn) {
  boost::asio::post(io_, [this, fn = std::move(fn)] {
    if (sim_) fn(*sim_);
  });
}

void SimThread::SendText(const std::string& from, const std::string& to, const std::string& text) {
  const uint8_t ref = next_reference_++;
  auto segmented = smpp::SegmentText(text, ref);
  if (!segmented.ok()) return;
  Run([&](smpp::testing::SmscSimulator& sim) {
    for (auto& part : segmented->parts) {
      smpp::DeliverSm d;
      d.source = {1, 1, from};
      d.destination = {0, 1, to};
      d.esm_class = segmented->esm_class;
      d.data_coding = segmented->data_coding;
      d.short_message = part;
      sim.PushMo(std::move(d));
    }
  });
}

std::vector<PhoneMessage> SimThread::Messages() {
  std::vector<smpp::SubmitSm> submits;
  Run([&](smpp::testing::SmscSimulator& sim) { submits = sim.submits(); });
  smpp::Reassembler reassembler;
  std::vector<PhoneMessage> out;
  const auto now = std::chrono::steady_clock::now();
  for (const smpp::SubmitSm& sm : submits) {
    if (sm.tlvs.ussd_service_op) continue;  // a USSD screen, not an SMS
    auto data = smpp::ExtractUserData(sm);
    if (!data.ok()) continue;
    auto added =
        reassembler.Add("sim", sm.source.value, sm.destination.value, std::move(*data), now);
    if (added.outcome != smpp::Reassembler::Outcome::kComplete) continue;
    auto text = smpp::JoinedText(*added.message);
    out.push_back({sm.source.value, sm.destination.value, text.ok() ? *text : "<undecodable>"});
  }
  return out;
}

std::vector<PhoneMessage> SimThread::MessagesTo(const std::string& msisdn) {
  std::vector<PhoneMessage> out;
  for (PhoneMessage& m : Messages()) {
    if (m.to == msisdn) out.push_back(std::move(m));
  }
  return out;
}

std::vector<PhoneMessage> SimThread::WaitMessagesTo(const std::string& msisdn, size_t count,
                                                    std::chrono::milliseconds timeout) {
  std::vector<PhoneMessage> got;
  WaitFor(
      [&] {
        got = MessagesTo(msisdn);
        return got.size() >= count;
      },
      timeout);
  return got;
}

bool SimThread::bound() {
  bool b = false;
  Run([&](smpp::testing::SmscSimulator& sim) { b = sim.bound(); });
  return b;
}

int SimThread::binds() {
  int n = 0;
  Run([&](smpp::testing::SmscSimulator& sim) { n = sim.binds(); });
  return n;
}

size_t SimThread::mos() {
  size_t n = 0;
  Run([&](smpp::testing::SmscSimulator& sim) { n = sim.mos().size(); });
  return n;
}

size_t SimThread::acked_mos() {
  size_t n = 0;
  Run([&](smpp::testing::SmscSimulator& sim) {
    for (const auto& mo : sim.mos()) n += mo.acked() ? 1 : 0;
  });
  return n;
}

size_t SimThread::redelivered_mos() {
  size_t n = 0;
  Run([&](smpp::testing::SmscSimulator& sim) {
    for (const auto& mo : sim.mos()) n += mo.deliveries > 1 ? 1 : 0;
  });
  return n;
}

bool SimThread::all_acked() {
  return acked_mos() == mos();
}

size_t SimThread::unbinds_received() {
  size_t n = 0;
  Run([&](smpp::testing::SmscSimulator& sim) {
    for (const smpp::Pdu& p : sim.received()) {
      n += std::holds_alternative<smpp::Unbind>(p.body) ? 1 : 0;
    }
  });
  return n;
}

size_t SimThread::DialUssd(const std::string& from, const std::string& service_code_address,
                           const std::string& dial_string) {
  size_t index = 0;
  Run([&](smpp::testing::SmscSimulator& sim) {
    index = sim.DialUssd(from, service_code_address, dial_string);
  });
  return index;
}

size_t SimThread::DialUssd(const std::string& from, const std::string& service_code_address,
                           const std::string& dial_string, conf::UssdDialogue mode) {
  size_t index = 0;
  Run([&](smpp::testing::SmscSimulator& sim) {
    index = sim.DialUssd(from, service_code_address, dial_string, mode);
  });
  return index;
}

bool SimThread::AnswerUssd(size_t dialogue, const std::string& text) {
  bool ok = false;
  Run([&](smpp::testing::SmscSimulator& sim) { ok = sim.AnswerUssd(dialogue, text); });
  return ok;
}

bool SimThread::AbortUssd(size_t dialogue) {
  bool ok = false;
  Run([&](smpp::testing::SmscSimulator& sim) { ok = sim.AbortUssd(dialogue); });
  return ok;
}

bool SimThread::ResendUssd(size_t dialogue) {
  bool ok = false;
  Run([&](smpp::testing::SmscSimulator& sim) { ok = sim.ResendUssd(dialogue); });
  return ok;
}

smpp::testing::SmscSimulator::UssdDialogue SimThread::Ussd(size_t dialogue) {
  smpp::testing::SmscSimulator::UssdDialogue d;
  Run([&](smpp::testing::SmscSimulator& sim) {
    if (dialogue < sim.ussd_dialogues().size()) d = sim.ussd_dialogues()[dialogue];
  });
  return d;
}

std::vector<smpp::testing::SmscSimulator::UssdScreen> SimThread::WaitUssdScreen(
    size_t dialogue, size_t count, std::chrono::milliseconds timeout) {
  smpp::testing::SmscSimulator::UssdDialogue d;
  WaitFor(
      [&] {
        d = Ussd(dialogue);
        return d.screens.size() >= count || d.end != smpp::testing::SmscSimulator::UssdEnd::kOpen;
      },
      timeout);
  return d.screens;
}

bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace smsgw::test
