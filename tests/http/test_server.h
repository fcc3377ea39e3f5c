// Helpers to run a real http::Server in a test: options with short, bounded
// timeouts, an echo handler, and a stash for Responders answered later.
//
// Thread safety: ResponderStash is thread-safe; the rest is stateless.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/http/server.h"
#include "gtest/gtest.h"

namespace protogate::http::testing {

inline ServerOptions TestOptions() {
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.io_threads = 2;
  options.read_timeout = absl::Seconds(5);
  options.idle_timeout = absl::Seconds(5);
  return options;
}

// Answers 200 with body "<method> <target> host=<Host>\n<body>" and the
// header X-Remote set to the remote address.
inline void EchoHandler(const Request& request, Responder responder) {
  Response response;
  response.headers.emplace_back("Content-Type", "text/plain");
  response.headers.emplace_back("X-Remote", request.remote_address());
  response.body = request.method() + " " + request.target() +
                  " host=" + std::string(request.header("host").value_or("")) +
                  "\n" + request.body();
  responder.Send(std::move(response));
}

// Collects Responders from a handler so the test can answer them later.
class ResponderStash {
 public:
  void Put(const Request& request, Responder responder) {
    absl::MutexLock lock(&mu_);
    targets_.push_back(request.target());
    responders_.push_back(std::move(responder));
  }
  // Waits up to `timeout` for a Responder; nullopt on timeout.
  std::optional<Responder> Take(absl::Duration timeout = absl::Seconds(5)) {
    absl::MutexLock lock(&mu_);
    auto ready = [this] { return !responders_.empty(); };
    if (!mu_.AwaitWithTimeout(absl::Condition(&ready), timeout)) {
      return std::nullopt;
    }
    Responder responder = std::move(responders_.front());
    responders_.pop_front();
    return responder;
  }

 private:
  absl::Mutex mu_;
  std::deque<std::string> targets_ ABSL_GUARDED_BY(mu_);
  std::deque<Responder> responders_ ABSL_GUARDED_BY(mu_);
};

inline std::unique_ptr<Server> StartOrDie(ServerOptions options,
                                          Handler handler) {
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start(std::move(options), std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? std::move(server).value() : nullptr;
}

}  // namespace protogate::http::testing
