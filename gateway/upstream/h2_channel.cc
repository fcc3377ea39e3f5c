#include "gateway/upstream/h2_channel.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <thread>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "gateway/upstream/call_validation.h"

namespace protogate::upstream {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

// The loop that runs calls started on threads without one of their own
// (tests, timers, gRPC's threads). Started on first use, never stopped.
const base::IoThread& FallbackLoop() {
  static const base::IoThread* const loop = [] {
    auto* ioc = new asio::io_context(1);
    auto* registered = new std::atomic<const base::IoThread*>(nullptr);
    std::thread([ioc, registered] {
      const base::ScopedIoThread registration(ioc, nullptr);
      auto guard = asio::make_work_guard(*ioc);
      registered->store(&base::CurrentIoThread());
      registered->notify_all();
      ioc->run();
    }).detach();
    registered->wait(nullptr);
    return registered->load();
  }();
  return *loop;
}

void Reject(CallCallback done, absl::Status status) {
  CallResult result;
  result.status = std::move(status);
  std::move(done)(std::move(result));
}

// Ends a call that is still running (its deadline, its canceller): resets
// its stream if it has one. Loop thread.
void EndEarly(const std::weak_ptr<H2Call>& weak, absl::Status status) {
  std::shared_ptr<H2Call> live = weak.lock();
  if (live == nullptr || live->finished) return;
  if (live->session != nullptr) {
    live->session->Cancel(*live, std::move(status));
  } else {
    FinishCall(*live, std::move(status));
  }
}

std::chrono::steady_clock::time_point SteadyDeadline(absl::Time deadline) {
  return std::chrono::steady_clock::now() +
         absl::ToChronoNanoseconds(deadline - absl::Now());
}

}  // namespace

std::optional<H2Endpoint> ParseH2Endpoint(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  std::string host = address.substr(0, colon);
  if (host.find("://") != std::string::npos || host.find('/') != host.npos) {
    return std::nullopt;
  }
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return std::nullopt;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return std::nullopt;  // A scheme ("dns:...") or an unbracketed v6.
  }
  const std::string digits = address.substr(colon + 1);
  uint32_t port = 0;
  if (digits.empty() || digits.size() > 5 ||
      !absl::c_all_of(digits, [](char c) { return c >= '0' && c <= '9'; }) ||
      !absl::SimpleAtoi(digits, &port) || port == 0 || port > 65535) {
    return std::nullopt;
  }
  return H2Endpoint{.host = std::move(host),
                    .port = static_cast<uint16_t>(port),
                    .authority = address};
}

// One loop's connection to the endpoint: connects, reconnects, backs off.
// Loop thread only.
class H2UnaryChannel::LoopClient
    : public base::IoThreadResident,
      public std::enable_shared_from_this<LoopClient> {
 public:
  LoopClient(asio::io_context& ioc,
             std::shared_ptr<const H2ChannelOptions> options,
             std::shared_ptr<std::atomic<int>> failing_loops)
      : ioc_(ioc),
        options_(std::move(options)),
        failing_loops_(std::move(failing_loops)),
        keepalive_time_(options_->keepalive_time),
        resolver_(ioc),
        connect_timer_(ioc),
        reconnect_timer_(ioc) {}

  void Call(std::shared_ptr<H2Call> call) {
    if (drained_) {
      FinishCall(*call, absl::UnavailableError("the gateway is shutting down"));
      return;
    }
    if (session_ != nullptr && session_->accepting()) {
      session_->Submit(std::move(call));
      return;
    }
    if (session_ != nullptr) {
      if (session_->too_many_pings()) {
        // As gRPC does: the backend wants fewer pings; double the interval
        // for the connections to come.
        keepalive_time_ = std::min(keepalive_time_ * 2, absl::Hours(24));
      }
      // After a GOAWAY, or out of stream ids: it closes once its open
      // streams are done, and at the latest when the loop drains.
      session_->Retire();
      retired_.push_back(session_);
      session_.reset();
    }
    std::erase_if(retired_, [](const auto& s) { return s.expired(); });
    if (!connecting_) {
      if (absl::Now() < retry_after_) {
        FinishCall(*call, last_error_);
        return;
      }
      Connect();
    }
    waiting_.push_back(std::move(call));
  }

  // The loop winds down: close, and fail calls from now on.
  void OnLoopDrain() override {
    drained_ = true;
    Shutdown();
  }

  void Shutdown() {
    ++generation_;
    connecting_ = false;
    resolver_.cancel();
    connect_timer_.cancel();
    reconnect_timer_.cancel();
    if (socket_ != nullptr) {
      error_code ignored;
      socket_->close(ignored);
      socket_.reset();
    }
    if (session_ != nullptr) session_->Close();
    session_.reset();
    for (const auto& weak : retired_) {
      if (auto retired = weak.lock()) retired->Close();
    }
    retired_.clear();
    SetFailing(false);
    FailWaiting(absl::UnavailableError("upstream channel closed"));
  }

 private:
  void Connect() {
    connecting_ = true;
    timed_out_ = false;
    const uint64_t generation = ++generation_;
    socket_ = std::make_shared<H2Socket>(ioc_);
    connect_timer_.expires_after(
        absl::ToChronoNanoseconds(options_->connect_timeout));
    connect_timer_.async_wait(
        [self = shared_from_this(), generation](const error_code& ec) {
          if (ec || generation != self->generation_) return;
          self->timed_out_ = true;
          self->resolver_.cancel();
          error_code ignored;
          if (self->socket_ != nullptr) self->socket_->close(ignored);
        });
    const H2Endpoint& endpoint = options_->endpoint;
    error_code ec;
    const asio::ip::address ip = asio::ip::make_address(endpoint.host, ec);
    if (!ec) {
      ConnectTo({tcp::endpoint(ip, endpoint.port)}, generation);
      return;
    }
    resolver_.async_resolve(
        endpoint.host, std::to_string(endpoint.port),
        [self = shared_from_this(), generation](
            const error_code& ec, tcp::resolver::results_type results) {
          if (generation != self->generation_) return;
          if (ec) return self->ConnectFailed(ec);
          self->ConnectTo({results.begin(), results.end()}, generation);
        });
  }

  void ConnectTo(std::vector<tcp::endpoint> endpoints, uint64_t generation) {
    asio::async_connect(
        *socket_, endpoints,
        [self = shared_from_this(), generation, socket = socket_](
            const error_code& ec, const tcp::endpoint&) {
          if (generation != self->generation_) return;
          if (ec) return self->ConnectFailed(ec);
          self->Connected(std::move(*socket));
        });
  }

  void Connected(H2Socket socket) {
    connect_timer_.cancel();
    connecting_ = false;
    socket_.reset();
    auto session = H2Session::Start(
        std::move(socket),
        {.authority = options_->endpoint.authority,
         .keepalive_time = keepalive_time_,
         .keepalive_timeout = options_->keepalive_timeout,
         .keepalive_permit_without_calls =
             options_->keepalive_permit_without_calls,
         .resubmit = [weak = weak_from_this()](std::shared_ptr<H2Call> call) {
           if (auto self = weak.lock()) {
             self->Call(std::move(call));
           } else {
             FinishCall(*call,
                        absl::UnavailableError("upstream channel closed"));
           }
         }});
    if (!session.ok()) {
      FailWaiting(absl::UnavailableError(session.status().message()));
      return;
    }
    session_ = *std::move(session);
    backoff_ = absl::ZeroDuration();
    retry_after_ = absl::InfinitePast();
    SetFailing(false);
    auto waiting = std::move(waiting_);
    waiting_.clear();
    for (auto& call : waiting) {
      if (!call->finished) Call(std::move(call));
    }
  }

  void ConnectFailed(const error_code& ec) {
    connect_timer_.cancel();
    connecting_ = false;
    socket_.reset();
    const absl::Duration max = options_->max_reconnect_backoff;
    backoff_ = backoff_ == absl::ZeroDuration()
                   ? std::min(absl::Seconds(1), max)
                   : std::min(backoff_ * 1.6, max);
    retry_after_ = absl::Now() + backoff_;
    last_error_ = absl::UnavailableError(absl::StrCat(
        "cannot connect to upstream ", options_->endpoint.authority, ": ",
        timed_out_
            ? absl::StrCat("timed out after ",
                           absl::FormatDuration(options_->connect_timeout))
            : ec.message()));
    SetFailing(true);
    FailWaiting(last_error_);
    ReconnectAfterBackoff();
  }

  // While failing, tries again on its own once the backoff is over, as a
  // gRPC channel does: the cluster's picker passes over a failing endpoint,
  // so no call would come to retry it.
  void ReconnectAfterBackoff() {
    reconnect_timer_.expires_after(absl::ToChronoNanoseconds(backoff_));
    reconnect_timer_.async_wait([weak = weak_from_this(),
                                 generation =
                                     generation_](const error_code& ec) {
      auto self = weak.lock();
      if (ec || self == nullptr || generation != self->generation_) return;
      if (self->drained_ || self->connecting_ || self->session_ != nullptr) {
        return;
      }
      self->Connect();
    });
  }

  void FailWaiting(const absl::Status& status) {
    auto waiting = std::move(waiting_);
    waiting_.clear();
    for (auto& call : waiting) FinishCall(*call, status);
  }

  void SetFailing(bool failing) {
    if (failing == failing_) return;
    failing_ = failing;
    failing_loops_->fetch_add(failing ? 1 : -1, std::memory_order_relaxed);
  }

  asio::io_context& ioc_;
  const std::shared_ptr<const H2ChannelOptions> options_;
  const std::shared_ptr<std::atomic<int>> failing_loops_;
  absl::Duration keepalive_time_;  // Doubled after a too_many_pings GOAWAY.
  asio::ip::basic_resolver<tcp, asio::io_context::executor_type> resolver_;
  H2Timer connect_timer_;
  H2Timer reconnect_timer_;
  std::shared_ptr<H2Socket> socket_;  // While connecting.
  std::shared_ptr<H2Session> session_;
  // Sessions replaced while streams were still open on them.
  std::vector<std::weak_ptr<H2Session>> retired_;
  std::vector<std::shared_ptr<H2Call>> waiting_;
  bool connecting_ = false;
  bool drained_ = false;
  bool timed_out_ = false;
  uint64_t generation_ = 0;  // Ignores the handlers of older attempts.
  bool failing_ = false;
  absl::Duration backoff_ = absl::ZeroDuration();
  absl::Time retry_after_ = absl::InfinitePast();
  absl::Status last_error_;
};

H2UnaryChannel::H2UnaryChannel(H2ChannelOptions options,
                               std::unique_ptr<Channel> streams)
    : options_(std::make_shared<const H2ChannelOptions>(std::move(options))),
      streams_(std::move(streams)),
      failing_loops_(std::make_shared<std::atomic<int>>(0)) {}

H2UnaryChannel::~H2UnaryChannel() {
  for (Slot& slot : slots_) {
    if (slot.client == nullptr) continue;
    asio::post(*slot.ioc,
               [client = std::move(slot.client)] { client->Shutdown(); });
  }
}

void H2UnaryChannel::Call(CallRequest request, CallCallback done) {
  if (absl::Status s = ValidateCallRequest(request); !s.ok()) {
    return Reject(std::move(done), std::move(s));
  }
  if (static_cast<int64_t>(request.payload.size()) >
      options_->max_send_message_bytes) {
    return Reject(
        std::move(done),
        absl::ResourceExhaustedError(absl::StrFormat(
            "request message of %d bytes exceeds the upstream send "
            "limit of %d bytes",
            request.payload.size(), options_->max_send_message_bytes)));
  }
  if (request.canceller != nullptr && request.canceller->cancelled()) {
    return Reject(std::move(done), absl::CancelledError("call cancelled"));
  }
  if (request.deadline == absl::InfiniteFuture()) {
    request.deadline = absl::Now() + options_->default_timeout;
  }
  const base::IoThread& here = base::CurrentIoThread();
  if (here.ioc != nullptr && here.id < kMaxLoops) {
    return CallOnLoop(here, std::move(request), std::move(done));
  }
  const base::IoThread& fallback = FallbackLoop();
  asio::post(*fallback.ioc, [this, &fallback, request = std::move(request),
                             done = std::move(done)]() mutable {
    CallOnLoop(fallback, std::move(request), std::move(done));
  });
}

H2UnaryChannel::LoopClient& H2UnaryChannel::ClientFor(
    const base::IoThread& loop) {
  Slot& slot = slots_[static_cast<size_t>(loop.id)];
  if (slot.client == nullptr || slot.ioc != loop.ioc) {
    // A new loop, or a new one under a reused id (the old one stopped).
    slot.ioc = loop.ioc;
    slot.owner = loop.owner;
    slot.client =
        std::make_shared<LoopClient>(*loop.ioc, options_, failing_loops_);
    base::AddIoThreadResident(slot.client);
  }
  return *slot.client;
}

void H2UnaryChannel::CallOnLoop(const base::IoThread& loop, CallRequest request,
                                CallCallback done) {
  const absl::Duration left = request.deadline - absl::Now();
  if (left <= absl::ZeroDuration()) {
    return Reject(std::move(done),
                  absl::DeadlineExceededError("deadline exceeded"));
  }
  auto call = std::make_shared<H2Call>(*loop.ioc);
  call->path = std::move(request.method);
  const uint32_t size = static_cast<uint32_t>(request.payload.size());
  call->prefix = {0, static_cast<uint8_t>(size >> 24),
                  static_cast<uint8_t>(size >> 16),
                  static_cast<uint8_t>(size >> 8), static_cast<uint8_t>(size)};
  call->payload = std::move(request.payload);
  call->metadata = std::move(request.metadata);
  for (auto& [key, value] : call->metadata) {
    if (key.size() > 4 && key.compare(key.size() - 4, 4, "-bin") == 0) {
      value = EncodeBinaryHeader(value);
    }
  }
  call->max_receive_message_bytes = options_->max_receive_message_bytes;
  call->done = std::move(done);
  call->timer.expires_at(SteadyDeadline(request.deadline));
  call->timer.async_wait(
      [weak = std::weak_ptr<H2Call>(call)](const error_code& ec) {
        if (!ec)
          EndEarly(weak, absl::DeadlineExceededError("deadline exceeded"));
      });
  if (request.canceller != nullptr) {
    request.canceller->OnCancel([weak = std::weak_ptr<H2Call>(call),
                                 ioc = loop.ioc, owner = loop.owner] {
      asio::post(*ioc, [weak] {
        EndEarly(weak, absl::CancelledError("call cancelled"));
      });
    });
  }
  ClientFor(loop).Call(std::move(call));
}

std::shared_ptr<StreamCall> H2UnaryChannel::Stream(
    StreamRequest request, std::shared_ptr<StreamObserver> observer) {
  return streams_->Stream(std::move(request), std::move(observer));
}

}  // namespace protogate::upstream
