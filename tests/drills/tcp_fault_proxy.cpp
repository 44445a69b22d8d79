#include "tests/drills/tcp_fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <stdexcept>
#include <vector>

namespace smsgw::drills {
namespace {

constexpr uint32_t kGenericNack = 0x80000000;
constexpr size_t kMaxBuffered = 1 << 20;

bool IsBindOrUnbind(uint32_t id) {
  return id == 0x00000001 || id == 0x00000002 || id == 0x00000009 || id == 0x00000006;
}

uint32_t ReadBe32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

void AppendBe32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

// Closes with RST rather than FIN, as a peer that went away does.
void Reset(int fd) {
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

bool WriteAll(int fd, const uint8_t* data, size_t n) {
  while (n > 0) {
    const ssize_t w = ::send(fd, data, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

int ConnectLoopback(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
  if (fd >= 0) ::close(fd);
  return -1;
}

struct Pair {
  int client = -1;
  int upstream = -1;
  std::vector<uint8_t> from_client;  // SMPP framing, kSmppNack only
  void Close(bool reset) {
    for (int* fd : {&client, &upstream}) {
      if (*fd < 0) continue;
      reset ? Reset(*fd) : (void)::close(*fd);
      *fd = -1;
    }
  }
};

// A listening socket on 127.0.0.1:`port` (0: any); -1 when it cannot be made.
int ListenLoopback(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (fd >= 0 && ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
      ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && ::listen(fd, 16) == 0) {
    return fd;
  }
  if (fd >= 0) ::close(fd);
  return -1;
}

}  // namespace

TcpFaultProxy::TcpFaultProxy(uint16_t upstream_port) : upstream_port_(upstream_port) {
  listen_fd_ = ListenLoopback(0);
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (listen_fd_ < 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("tcp_fault_proxy: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Loop(); });
}

TcpFaultProxy::~TcpFaultProxy() {
  stop_ = true;
  thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void TcpFaultProxy::Loop() {
  std::vector<std::unique_ptr<Pair>> pairs;
  std::vector<uint8_t> buf(64 * 1024);
  while (!stop_) {
    const Mode mode = mode_;
    if (mode == Mode::kDown) {
      for (auto& p : pairs) {
        p->Close(true);
        ++resets_;
      }
      pairs.clear();
      if (listen_fd_ >= 0) {  // nothing listens: new connections are refused
        ::close(listen_fd_);
        listen_fd_ = -1;
      }
    } else if (listen_fd_ < 0) {
      listen_fd_ = ListenLoopback(port_);  // the same port again (SO_REUSEADDR)
    }
    std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
    for (auto& p : pairs) {
      fds.push_back({p->client, POLLIN, 0});
      fds.push_back({p->upstream, POLLIN, 0});
    }
    if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
    if (listen_fd_ >= 0 && (fds[0].revents & POLLIN)) {
      const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) {
        ++connections_;
        const int upstream = mode == Mode::kDown ? -1 : ConnectLoopback(upstream_port_);
        if (upstream < 0) {
          Reset(client);
          ++resets_;
        } else {
          auto p = std::make_unique<Pair>();
          p->client = client;
          p->upstream = upstream;
          pairs.push_back(std::move(p));
        }
      }
    }
    for (size_t i = 0; i + 1 < fds.size(); i += 2) {
      Pair& p = *pairs[i / 2];
      const pollfd& c = fds[i + 1];
      const pollfd& u = fds[i + 2];
      if (u.revents & (POLLIN | POLLHUP | POLLERR)) {
        const ssize_t n = ::recv(p.upstream, buf.data(), buf.size(), 0);
        if (n <= 0 || !WriteAll(p.client, buf.data(), static_cast<size_t>(n))) {
          p.Close(false);
          continue;
        }
      }
      if (c.revents & (POLLIN | POLLHUP | POLLERR)) {
        const ssize_t n = ::recv(p.client, buf.data(), buf.size(), 0);
        if (n <= 0) {
          p.Close(false);
          continue;
        }
        if (mode != Mode::kSmppNack && p.from_client.empty()) {
          if (!WriteAll(p.upstream, buf.data(), static_cast<size_t>(n))) p.Close(false);
          continue;
        }
        p.from_client.insert(p.from_client.end(), buf.begin(), buf.begin() + n);
        // Whole PDUs: nacked or relayed one by one.
        size_t at = 0;
        bool ok = true;
        while (ok && p.from_client.size() - at >= 16) {
          const uint8_t* pdu = p.from_client.data() + at;
          const uint32_t length = ReadBe32(pdu);
          if (length < 16 || length > kMaxBuffered) {
            ok = false;
            break;
          }
          if (p.from_client.size() - at < length) break;
          const uint32_t id = ReadBe32(pdu + 4);
          if (mode == Mode::kSmppNack && (id & 0x80000000) == 0 && !IsBindOrUnbind(id)) {
            std::vector<uint8_t> nack;
            AppendBe32(nack, 16);
            AppendBe32(nack, kGenericNack);
            AppendBe32(nack, nack_status_);
            AppendBe32(nack, ReadBe32(pdu + 12));
            ok = WriteAll(p.client, nack.data(), nack.size());
            ++nacks_;
          } else {
            ok = WriteAll(p.upstream, pdu, length);
          }
          at += length;
        }
        p.from_client.erase(p.from_client.begin(), p.from_client.begin() + at);
        if (!ok) p.Close(false);
      }
    }
    std::erase_if(pairs, [](const auto& p) { return p->client < 0; });
  }
  for (auto& p : pairs) p->Close(false);
}

}  // namespace smsgw::drills
