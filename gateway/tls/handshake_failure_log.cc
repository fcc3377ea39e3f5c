#include "gateway/tls/handshake_failure_log.h"

namespace protogate::tls {

bool HandshakeFailureLog::ShouldLog(std::string_view peer, absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (now - interval_start_ >= options_.interval) {
    seen_.clear();
    interval_start_ = now;
  }
  if (seen_.size() >= options_.max_peers) return false;
  return seen_.emplace(peer).second;
}

}  // namespace protogate::tls
