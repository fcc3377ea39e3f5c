// HandshakeFailureLog: decides which failed TLS handshakes are worth a log
// line: the first from each peer address within an interval. Memory is
// bounded: at most `max_peers` addresses are remembered per interval; once
// that many failed, further new addresses are not logged until the
// interval ends (so a flood logs at most `max_peers` lines per interval).
// Each failure is counted elsewhere (the metric); this only rations logs.
//
// Thread safety: ShouldLog() may be called from any thread.
//
// Example:
//   HandshakeFailureLog log({.max_peers = 1024, .interval = absl::Hours(1)});
//   if (log.ShouldLog(peer_ip)) PG_LOG(kWarning) << "tls: handshake ...";
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace protogate::tls {

class HandshakeFailureLog {
 public:
  struct Options {
    size_t max_peers = 1024;
    absl::Duration interval = absl::Hours(1);
  };

  explicit HandshakeFailureLog(Options options) : options_(options) {}

  // True the first time `peer` is seen in the current interval, while
  // fewer than max_peers were seen in it.
  bool ShouldLog(std::string_view peer, absl::Time now = absl::Now());

 private:
  const Options options_;
  absl::Mutex mu_;
  absl::flat_hash_set<std::string> seen_ ABSL_GUARDED_BY(mu_);
  absl::Time interval_start_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace protogate::tls
