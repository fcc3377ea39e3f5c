#include "gateway/upstream/cluster_validation.h"

namespace protogate::upstream {

absl::Status ValidateOptions(const UpstreamOptions& options) {
  if (options.default_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "upstream option default_timeout must be positive");
  }
  if (options.max_reconnect_backoff <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "upstream option max_reconnect_backoff must be positive");
  }
  return absl::OkStatus();
}

}  // namespace protogate::upstream
