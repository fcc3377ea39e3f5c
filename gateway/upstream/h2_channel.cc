#include "gateway/upstream/h2_channel.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <thread>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "gateway/upstream/call_deadlines.h"
#include "gateway/upstream/call_validation.h"
#include "gateway/upstream/h2_stream.h"
#include "gateway/upstream/h2_tls.h"

namespace protogate::upstream {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using GenericEndpoint = asio::generic::stream_protocol::endpoint;
using boost::system::error_code;

// FallbackLoop()'s io_context once it runs, for a cheap "is this it?".
std::atomic<asio::io_context*> fallback_ioc{nullptr};

// The loop that runs calls started on threads without one of their own
// (tests, timers, the health checks). Started on first use, never stopped.
const base::IoThread& FallbackLoop() {
  static const base::IoThread* const loop = [] {
    auto* ioc = new asio::io_context(1);
    fallback_ioc.store(ioc);
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
// its stream if it has one; ends the drain of a stream the backend ended.
// Loop thread.
void EndEarly(const std::weak_ptr<H2Call>& weak, absl::Status status) {
  std::shared_ptr<H2Call> live = weak.lock();
  if (live == nullptr) return;
  if (live->ended()) {
    if (live->stream != nullptr) AbandonDrain(*live, std::move(status));
    return;
  }
  if (live->session != nullptr) {
    live->session->Cancel(*live, std::move(status));
  } else {
    FinishCall(*live, std::move(status));
  }
}

// A unary call's deadline passed (CallDeadlines).
void ExpireCall(H2Call& call) {
  EndEarly(call.weak_from_this(),
           absl::DeadlineExceededError("deadline exceeded"));
}

void EncodeBinaryValues(Metadata& metadata) {
  for (auto& [key, value] : metadata) {
    if (key.size() > 4 && key.compare(key.size() - 4, 4, "-bin") == 0) {
      value = EncodeBinaryHeader(value);
    }
  }
}

absl::Status CheckSendSizes(const StreamRequest& request, int64_t limit) {
  for (size_t i = 0; i < request.messages.size(); ++i) {
    if (static_cast<int64_t>(request.messages[i].size()) > limit) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "request message %d of %d bytes exceeds the upstream send limit of "
          "%d bytes",
          i, request.messages[i].size(), limit));
    }
  }
  return absl::OkStatus();
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
                    .authority = address,
                    .target = address};
}

std::optional<H2Endpoint> ParseTarget(const std::string& target) {
  if (absl::StartsWith(target, "dns:///")) {
    std::optional<H2Endpoint> endpoint = ParseH2Endpoint(target.substr(7));
    if (endpoint.has_value()) endpoint->target = target;
    return endpoint;
  }
  for (absl::string_view prefix : {"unix://", "unix:"}) {
    if (!absl::StartsWith(target, prefix)) continue;
    std::string path = target.substr(prefix.size());
    if (path.size() < 2 || path.front() != '/') return std::nullopt;
    return H2Endpoint{.authority = "localhost",
                      .unix_path = std::move(path),
                      .target = target};
  }
  return ParseH2Endpoint(target);
}

// One loop's connection to the endpoint: connects, reconnects, backs off.
// Loop thread only.
class H2Channel::LoopClient : public base::IoThreadResident,
                              public std::enable_shared_from_this<LoopClient> {
 public:
  LoopClient(asio::io_context& ioc,
             std::shared_ptr<const H2ChannelOptions> options,
             std::shared_ptr<std::atomic<int>> failing_loops,
             std::shared_ptr<std::atomic<int>> open_connections)
      : ioc_(ioc),
        options_(std::move(options)),
        failing_loops_(std::move(failing_loops)),
        open_connections_(std::move(open_connections)),
        keepalive_time_(options_->keepalive_time),
        resolver_(ioc),
        connect_timer_(ioc),
        reconnect_timer_(ioc),
        deadlines_(std::make_shared<CallDeadlines>(ioc, &ExpireCall)) {}

  const H2ChannelOptions& options() const { return *options_; }
  // The deadlines of this loop's unary calls.
  CallDeadlines& deadlines() { return *deadlines_; }

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
    error_code ignored;
    if (socket_ != nullptr) socket_->close(ignored);
    socket_.reset();
    if (tls_ != nullptr && *tls_ != nullptr) {
      (*tls_)->next_layer().close(ignored);
    }
    tls_.reset();
    if (session_ != nullptr) session_->Close();
    session_.reset();
    for (const auto& weak : retired_) {
      if (auto retired = weak.lock()) retired->Close();
    }
    retired_.clear();
    SetFailing(false);
    FailWaiting(absl::UnavailableError("upstream channel closed"));
    deadlines_->Cancel();  // Leaves the loop no work.
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
          if (self->tls_ != nullptr && *self->tls_ != nullptr) {
            (*self->tls_)->next_layer().close(ignored);
          }
        });
    const H2Endpoint& endpoint = options_->endpoint;
    if (!endpoint.unix_path.empty()) {
      ConnectTo({asio::local::stream_protocol::endpoint(endpoint.unix_path)},
                generation);
      return;
    }
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
          std::vector<GenericEndpoint> endpoints;
          for (const auto& entry : results) {
            endpoints.emplace_back(entry.endpoint());
          }
          self->ConnectTo(std::move(endpoints), generation);
        });
  }

  void ConnectTo(std::vector<GenericEndpoint> endpoints, uint64_t generation) {
    asio::async_connect(
        *socket_, endpoints,
        [self = shared_from_this(), generation, socket = socket_](
            const error_code& ec, const GenericEndpoint&) {
          if (generation != self->generation_) return;
          if (ec) return self->ConnectFailed(ec);
          self->Connected(generation);
        });
  }

  // TCP is up: start HTTP/2, or first the TLS handshake (still under the
  // connect timeout, which closes socket_).
  void Connected(uint64_t generation) {
    if (options_->tls == nullptr) {
      H2Socket socket = std::move(*socket_);
      return StartSession(
          H2Session::Start(std::move(socket), SessionOptions()));
    }
    auto tls = std::make_shared<std::unique_ptr<H2TlsStream>>(
        std::make_unique<H2TlsStream>(std::move(*socket_), *options_->tls));
    socket_.reset();
    tls_ = tls;
    if (absl::Status s = PrepareTlsStream(**tls, options_->tls_name); !s.ok()) {
      return ConnectFailed({}, s.message());
    }
    (*tls)->async_handshake(
        asio::ssl::stream_base::client,
        [self = shared_from_this(), generation, tls](const error_code& ec) {
          if (generation != self->generation_) return;
          self->tls_.reset();
          if (ec) {
            return self->ConnectFailed(
                ec, absl::StrCat("TLS handshake failed: ", ec.message()));
          }
          if (absl::Status s = CheckNegotiatedH2(**tls); !s.ok()) {
            return self->ConnectFailed({}, s.message());
          }
          self->StartSession(
              H2Session::Start(std::move(*tls), self->SessionOptions()));
        });
  }

  H2SessionOptions SessionOptions() {
    return {.authority = options_->endpoint.authority,
            .keepalive_time = keepalive_time_,
            .keepalive_timeout = options_->keepalive_timeout,
            .keepalive_permit_without_calls =
                options_->keepalive_permit_without_calls,
            .resubmit =
                [weak = weak_from_this()](std::shared_ptr<H2Call> call) {
                  if (auto self = weak.lock()) {
                    self->Call(std::move(call));
                  } else {
                    FinishCall(*call, absl::UnavailableError(
                                          "upstream channel closed"));
                  }
                },
            .open_connections = open_connections_};
  }

  void StartSession(absl::StatusOr<std::shared_ptr<H2Session>> session) {
    connect_timer_.cancel();
    connecting_ = false;
    socket_.reset();
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
      if (!call->ended()) Call(std::move(call));
    }
  }

  // `why` replaces the error code's text when given.
  void ConnectFailed(const error_code& ec, absl::string_view why = {}) {
    connect_timer_.cancel();
    connecting_ = false;
    socket_.reset();
    tls_.reset();
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
            : (why.empty() ? ec.message() : std::string(why))));
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
  const std::shared_ptr<std::atomic<int>> open_connections_;
  absl::Duration keepalive_time_;  // Doubled after a too_many_pings GOAWAY.
  asio::ip::basic_resolver<tcp, asio::io_context::executor_type> resolver_;
  H2Timer connect_timer_;
  H2Timer reconnect_timer_;
  const std::shared_ptr<CallDeadlines> deadlines_;
  std::shared_ptr<H2Socket> socket_;  // While connecting.
  // While the TLS handshake runs (shared with its handler).
  std::shared_ptr<std::unique_ptr<H2TlsStream>> tls_;
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

H2Channel::H2Channel(H2ChannelOptions options)
    : options_(std::make_shared<const H2ChannelOptions>(std::move(options))),
      failing_loops_(std::make_shared<std::atomic<int>>(0)),
      open_connections_(std::make_shared<std::atomic<int>>(0)) {}

H2Channel::~H2Channel() {
  for (Slot& slot : slots_) {
    if (slot.client == nullptr) continue;
    asio::post(*slot.ioc,
               [client = std::move(slot.client)] { client->Shutdown(); });
  }
  if (fallback_client_ != nullptr) {
    asio::post(*FallbackLoop().ioc,
               [client = std::move(fallback_client_)] { client->Shutdown(); });
  }
}

void H2Channel::Call(CallRequest request, CallCallback done) {
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
    return CallOnLoop(here, ClientFor(here), std::move(request),
                      std::move(done));
  }
  // The client, not `this`: the channel may be gone when this runs.
  asio::post(*FallbackLoop().ioc, [client = FallbackClient(),
                                   request = std::move(request),
                                   done = std::move(done)]() mutable {
    CallOnLoop(FallbackLoop(), *client, std::move(request), std::move(done));
  });
}

std::shared_ptr<H2Channel::LoopClient> H2Channel::FallbackClient() {
  absl::call_once(fallback_once_, [this] {
    // The fallback loop never drains: no resident registration.
    fallback_client_ = std::make_shared<LoopClient>(
        *FallbackLoop().ioc, options_, failing_loops_, open_connections_);
  });
  return fallback_client_;
}

H2Channel::LoopClient& H2Channel::ClientFor(const base::IoThread& loop) {
  if (loop.ioc == fallback_ioc.load(std::memory_order_relaxed)) {
    return *FallbackClient();  // Shared with the calls posted to it.
  }
  Slot& slot = slots_[static_cast<size_t>(loop.id)];
  if (slot.client == nullptr || slot.ioc != loop.ioc) {
    // A new loop, or a new one under a reused id (the old one stopped).
    slot.ioc = loop.ioc;
    slot.owner = loop.owner;
    slot.client = std::make_shared<LoopClient>(
        *loop.ioc, options_, failing_loops_, open_connections_);
    base::AddIoThreadResident(slot.client);
  }
  return *slot.client;
}

void H2Channel::CallOnLoop(const base::IoThread& loop, LoopClient& client,
                           CallRequest request, CallCallback done) {
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
  EncodeBinaryValues(call->metadata);
  call->traceparent = request.traceparent;
  call->endpoint = client.options().endpoint.target;
  call->max_receive_message_bytes = client.options().max_receive_message_bytes;
  call->done = std::move(done);
  call->deadline = SteadyDeadline(request.deadline);
  client.deadlines().Add(*call);  // FinishCall removes it.
  if (request.canceller != nullptr) {
    request.canceller->OnCancel([weak = std::weak_ptr<H2Call>(call),
                                 ioc = loop.ioc, owner = loop.owner] {
      asio::post(*ioc, [weak] {
        EndEarly(weak, absl::CancelledError("call cancelled"));
      });
    });
  }
  client.Call(std::move(call));
}

std::shared_ptr<StreamCall> H2Channel::Stream(
    StreamRequest request, std::shared_ptr<StreamObserver> observer) {
  absl::Status rejected = ValidateCall(request.method, request.metadata);
  if (rejected.ok()) {
    rejected = CheckSendSizes(request, options_->max_send_message_bytes);
  }
  if (rejected.ok() && request.deadline <= absl::Now()) {
    rejected = absl::DeadlineExceededError("deadline exceeded");
  }
  if (!rejected.ok()) {
    CallResult result;
    result.status = std::move(rejected);
    observer->OnDone(std::move(result));
    return std::make_shared<EndedStreamCall>();
  }
  if (request.deadline == absl::InfiniteFuture()) {
    request.deadline = absl::Now() + options_->default_timeout;
  }
  const base::IoThread& here = base::CurrentIoThread();
  const bool on_loop = here.ioc != nullptr && here.id < kMaxLoops;
  const base::IoThread& loop = on_loop ? here : FallbackLoop();
  auto call = std::make_shared<H2Call>(*loop.ioc);
  call->path = std::move(request.method);
  call->metadata = std::move(request.metadata);
  EncodeBinaryValues(call->metadata);
  call->traceparent = request.traceparent;
  call->endpoint = options_->endpoint.target;
  call->max_receive_message_bytes = options_->max_receive_message_bytes;
  call->stream = std::make_unique<H2StreamState>();
  H2StreamState& s = *call->stream;
  s.observer = observer;
  s.max_send_message_bytes = options_->max_send_message_bytes;
  for (std::string& m : request.messages) s.outgoing.push_back(std::move(m));
  if (!request.write_incrementally) {
    s.write_phase = H2WritePhase::kClosing;
    s.replayable = true;
  }
  std::shared_ptr<StreamCall> handle =
      MakeStreamHandle(call, *loop.ioc, loop.owner);
  observer->OnStart(handle);
  if (on_loop) {
    StartOnLoop(ClientFor(loop), std::move(call), request.deadline);
  } else {
    asio::post(*loop.ioc, [client = FallbackClient(), call = std::move(call),
                           deadline = request.deadline]() mutable {
      StartOnLoop(*client, std::move(call), deadline);
    });
  }
  return handle;
}

void H2Channel::StartOnLoop(LoopClient& client, std::shared_ptr<H2Call> call,
                            absl::Time deadline) {
  call->deadline = SteadyDeadline(deadline);
  call->timer.expires_at(call->deadline);
  call->timer.async_wait(
      [weak = std::weak_ptr<H2Call>(call)](const error_code& ec) {
        if (!ec) {
          EndEarly(weak, absl::DeadlineExceededError("deadline exceeded"));
        }
      });
  client.Call(std::move(call));
}

}  // namespace protogate::upstream
