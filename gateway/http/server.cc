#include "gateway/http/server.h"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gateway/base/io_thread.h"
#include "gateway/base/logging.h"
#include "gateway/http/connection_dispatch.h"
#include "gateway/http/io_loop.h"
#include "gateway/http/session.h"
#include "gateway/http/tls_byte_stream.h"
#include "gateway/http/tls_handshake.h"
#include "gateway/tls/server_context.h"

namespace protogate::http {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

constexpr absl::Duration kForceCloseWait = absl::Seconds(5);
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);

absl::StatusOr<tcp::endpoint> ResolveEndpoint(const ServerOptions& options) {
  error_code ec;
  asio::ip::address address = asio::ip::make_address(options.host, ec);
  if (!ec) return tcp::endpoint(address, options.port);
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(options.host, std::to_string(options.port),
                                  tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot resolve listen host \"", options.host,
                     "\": ", ec ? ec.message() : "no addresses"));
  }
  return results.begin()->endpoint();
}

void CloseAllSessions(IoLoop& loop) {
  // Close() erases from the set: iterate over a copy.
  std::vector<Connection*> sessions(loop.sessions.begin(), loop.sessions.end());
  for (Connection* session : sessions) session->Close();
}

void DrainLoop(IoLoop& loop) {
  loop.draining = true;
  std::vector<Connection*> sessions(loop.sessions.begin(), loop.sessions.end());
  for (Connection* session : sessions) session->BeginDrain();
  ReleaseLoopIfDrained(loop);
}

}  // namespace

struct Server::Impl {
  using WorkGuard = asio::executor_work_guard<asio::io_context::executor_type>;

  Impl(ServerOptions opts, Handler handler);

  absl::Status Listen();
  absl::Status StartThreads();
  void DoAccept();
  void OnAccept(const error_code& ec, size_t loop_index, LoopSocket socket);
  // Loop thread: a TLS connection is ready for HTTP; ALPN picks the
  // protocol (no ALPN: HTTP/1.1).
  void StartTlsConnection(const std::shared_ptr<IoLoop>& loop,
                          ConnectionStream stream, std::string_view alpn);
  void CloseAcceptor();
  void RunLoop(const std::shared_ptr<IoLoop>& loop);
  bool WaitForThreads(absl::Time deadline);
  void Shutdown(absl::Duration grace);

  const ServerOptions options;
  const std::shared_ptr<const SessionConfig> config;
  // Set when the listener terminates TLS.
  std::shared_ptr<const TlsFront> tls_front;
  // Declared before the acceptor: the acceptor is destroyed first.
  std::vector<std::shared_ptr<IoLoop>> loops;
  std::vector<WorkGuard> guards;
  std::vector<std::thread> threads;
  tcp::acceptor acceptor;
  asio::steady_timer accept_retry;
  size_t next_loop = 0;  // Loop 0's thread only.
  uint16_t bound_port = 0;

  absl::Mutex mu;
  int running_threads ABSL_GUARDED_BY(mu) = 0;

  absl::Mutex shutdown_mu;
  bool shut_down ABSL_GUARDED_BY(shutdown_mu) = false;
};

namespace {

std::vector<std::shared_ptr<IoLoop>> MakeLoops(int io_threads) {
  int count =
      io_threads > 0
          ? io_threads
          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::shared_ptr<IoLoop>> loops;
  for (int i = 0; i < count; ++i) loops.push_back(std::make_shared<IoLoop>());
  return loops;
}

std::shared_ptr<const SessionConfig> MakeConfig(const ServerOptions& options,
                                                Handler handler) {
  auto config = std::make_shared<SessionConfig>();
  config->limits = {.max_header_bytes = options.max_header_bytes,
                    .max_header_count = options.max_header_count,
                    .max_body_bytes = options.max_body_bytes};
  config->read_timeout = options.read_timeout;
  config->idle_timeout = options.idle_timeout;
  config->tls_idle_buffer_release = options.tls_idle_buffer_release;
  config->server_name = options.server_name;
  config->handler = std::move(handler);
  config->stream_body = options.stream_body;
  config->events = options.events;
  config->http2 = options.http2;
  return config;
}

}  // namespace

Server::Impl::Impl(ServerOptions opts, Handler handler)
    : options(std::move(opts)),
      config(MakeConfig(options, std::move(handler))),
      loops(MakeLoops(options.io_threads)),
      acceptor(loops.front()->ioc),
      accept_retry(loops.front()->ioc) {
  if (options.tls != nullptr) {
    auto front = std::make_shared<TlsFront>();
    front->handshake_timeout = options.tls_handshake_timeout;
    front->failed = options.events.tls_handshake_failed;
    front->established = [this](const std::shared_ptr<IoLoop>& loop,
                                ConnectionStream stream,
                                std::string_view alpn) {
      StartTlsConnection(loop, std::move(stream), alpn);
    };
    tls_front = std::move(front);
  }
}

void Server::Impl::StartTlsConnection(const std::shared_ptr<IoLoop>& loop,
                                      ConnectionStream stream,
                                      std::string_view alpn) {
  if (alpn == tls::kAlpnH2) {
    StartHttp2(loop, config, TlsByteStream::Create(std::move(stream)));
    return;
  }
  auto session = std::make_shared<Session>(loop, config, std::move(stream));
  session->Start();
}

absl::Status Server::Impl::Listen() {
  absl::StatusOr<tcp::endpoint> endpoint = ResolveEndpoint(options);
  if (!endpoint.ok()) return endpoint.status();
  error_code ec;
  acceptor.open(endpoint->protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(*endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) bound_port = acceptor.local_endpoint(ec).port();
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ",
                                               options.host, ":", options.port,
                                               ": ", ec.message()));
  }
  return absl::OkStatus();
}

absl::Status Server::Impl::StartThreads() {
  for (auto& loop : loops) guards.push_back(asio::make_work_guard(loop->ioc));
  for (auto& loop : loops) {
    {
      absl::MutexLock lock(&mu);
      ++running_threads;
    }
    try {
      threads.emplace_back([this, loop] { RunLoop(loop); });
    } catch (const std::system_error& e) {
      absl::MutexLock lock(&mu);
      --running_threads;
      return absl::ResourceExhaustedError(
          absl::StrCat("cannot start an HTTP I/O thread: ", e.what()));
    }
  }
  return absl::OkStatus();
}

void Server::Impl::RunLoop(const std::shared_ptr<IoLoop>& loop) {
  // Lets upstream calls started on this thread stay on it (io_thread.h).
  const base::ScopedIoThread registration(
      &loop->ioc, std::shared_ptr<boost::asio::io_context>(loop, &loop->ioc));
  for (;;) {
    try {
      loop->ioc.run();
      break;
    } catch (const std::exception& e) {
      PG_LOG(kError) << "http: exception on an I/O thread: " << e.what();
    } catch (...) {
      PG_LOG(kError) << "http: unknown exception on an I/O thread";
    }
  }
  absl::MutexLock lock(&mu);
  --running_threads;
}

void Server::Impl::DoAccept() {
  size_t index = next_loop;
  next_loop = (next_loop + 1) % loops.size();
  acceptor.async_accept(loops[index]->ioc,
                        [this, index](const error_code& ec, LoopSocket socket) {
                          OnAccept(ec, index, std::move(socket));
                        });
}

void Server::Impl::OnAccept(const error_code& ec, size_t loop_index,
                            LoopSocket socket) {
  if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
  if (ec) {
    // Typically EMFILE: back off instead of spinning.
    PG_LOG(kWarning) << "http: accept failed: " << ec.message();
    accept_retry.expires_after(kAcceptRetryDelay);
    accept_retry.async_wait([this](const error_code& wait_ec) {
      if (!wait_ec && acceptor.is_open()) DoAccept();
    });
    return;
  }
  // Responses leave in several writes (a streamed body, HTTP/2 frames):
  // with Nagle a later small write waits for the client's delayed ACK.
  error_code no_delay_ec;
  socket.set_option(asio::ip::tcp::no_delay(true), no_delay_ec);
  std::shared_ptr<IoLoop> loop = loops[loop_index];
  if (tls_front != nullptr) {
    auto handshake = std::make_shared<TlsHandshake>(
        loop, tls_front, *options.tls->current(), std::move(socket));
    asio::post(loop->ioc, [handshake] { handshake->Start(); });
  } else {
    asio::post(loop->ioc, [loop, config = config,
                           socket = std::move(socket)]() mutable {
      StartConnection(std::move(loop), std::move(config), std::move(socket));
    });
  }
  DoAccept();
}

void Server::Impl::CloseAcceptor() {
  error_code ec;
  acceptor.close(ec);
  accept_retry.cancel();
}

bool Server::Impl::WaitForThreads(absl::Time deadline) {
  absl::MutexLock lock(&mu);
  return mu.AwaitWithDeadline(
      absl::Condition(
          +[](int* running) { return *running == 0; }, &running_threads),
      deadline);
}

void Server::Impl::Shutdown(absl::Duration grace) {
  absl::MutexLock shutdown_lock(&shutdown_mu);
  if (shut_down) return;
  shut_down = true;
  absl::Time deadline = absl::Now() + grace;
  // The acceptor (loop 0's) closes in the same handler that drains loop
  // 0: nothing posted from another thread runs between the two, so once
  // connections are refused, loop 0's sessions serve no further request.
  asio::post(loops.front()->ioc, [this] {
    CloseAcceptor();
    DrainLoop(*loops.front());
  });
  for (size_t i = 1; i < loops.size(); ++i) {
    asio::post(loops[i]->ioc, [loop = loops[i].get()] { DrainLoop(*loop); });
  }
  guards.clear();  // Each loop ends when its last connection is done.
  if (!WaitForThreads(deadline)) {
    for (auto& loop : loops) {
      asio::post(loop->ioc, [loop = loop.get()] { CloseAllSessions(*loop); });
    }
    if (!WaitForThreads(absl::Now() + kForceCloseWait)) {
      PG_LOG(kError) << "http: I/O threads did not stop; stopping loops";
      for (auto& loop : loops) loop->ioc.stop();
    }
  }
  for (std::thread& thread : threads) thread.join();
  threads.clear();
  for (auto& loop : loops) {
    {
      absl::MutexLock lock(&loop->mu);
      loop->stopped = true;
    }
    // Run what was posted between the loop ending and `stopped` (late
    // responses for closed connections), so that no queued handler keeps a
    // session (and through it the loop) alive. Closing first matters only
    // if the loop had to be stopped.
    loop->ioc.restart();
    asio::post(loop->ioc, [loop = loop.get()] { CloseAllSessions(*loop); });
    loop->ioc.poll();
  }
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Shutdown(absl::ZeroDuration()); }

absl::StatusOr<std::unique_ptr<Server>> Server::Start(ServerOptions options,
                                                      Handler handler) {
  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler));
  absl::Status status = impl->Listen();
  if (!status.ok()) return status;
  impl->DoAccept();
  status = impl->StartThreads();
  if (!status.ok()) {
    impl->Shutdown(absl::ZeroDuration());
    return status;
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

uint16_t Server::port() const { return impl_->bound_port; }

void Server::Shutdown(absl::Duration grace) { impl_->Shutdown(grace); }

}  // namespace protogate::http
