// RedisServer: a real redis-server (Debian's) for tests, on a unix socket
// in a fresh temporary directory (and, if asked, a TCP port on 127.0.0.1),
// without persistence. Kill() and Start()
// again simulate an outage on the same address.
//
// Thread safety: one thread. The destructor kills the server and removes
// the directory.
#pragma once

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "tests/testing/child_process.h"

namespace protogate::testing {

class RedisServer {
 public:
  RedisServer() {
    char tmpl[] = "/tmp/protogate-redis-XXXXXX";
    dir_ = ::mkdtemp(tmpl) != nullptr ? tmpl : "";
  }
  ~RedisServer() {
    child_.reset();
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

  // Starts the server and waits until it accepts connections; with a
  // `tcp_port`, on 127.0.0.1:tcp_port too.
  absl::Status Start(int tcp_port = 0) {
    auto child = ChildProcess::Start(
        {"/usr/bin/redis-server", "--bind", "127.0.0.1", "--port",
         std::to_string(tcp_port), "--unixsocket", socket(), "--unixsocketperm",
         "700", "--save", "", "--appendonly", "no", "--dir", dir_, "--loglevel",
         "notice"});
    if (!child.ok()) return child.status();
    child_ = *std::move(child);
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      auto line = child_->ReadStdoutLine(deadline - absl::Now());
      if (!line.ok()) return line.status();
      if (absl::StrContains(*line, "ready to accept connections")) {
        return absl::OkStatus();
      }
    }
    return absl::DeadlineExceededError("redis-server did not start");
  }

  // SIGKILL and reap: connections break at once.
  void Kill() {
    if (child_ == nullptr) return;
    child_->Signal(SIGKILL);
    (void)child_->Wait(absl::Seconds(10));
    child_.reset();
  }
  // SIGSTOP / SIGCONT: the server stops answering but keeps connections.
  void Pause() { child_->Signal(SIGSTOP); }
  void Resume() { child_->Signal(SIGCONT); }

  std::string socket() const { return dir_ + "/redis.sock"; }
  std::string address() const { return "unix://" + socket(); }

 private:
  std::string dir_;
  std::unique_ptr<ChildProcess> child_;
};

}  // namespace protogate::testing
