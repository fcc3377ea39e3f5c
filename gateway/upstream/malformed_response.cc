#include "gateway/upstream/malformed_response.h"

#include "absl/strings/match.h"

namespace protogate::upstream {

bool IsMalformedResponseStatus(absl::StatusCode code, absl::string_view message,
                               bool has_details) {
  const int number = static_cast<int>(code);
  if (number < 0 || number > 16) return true;  // gRPC passes these through.
  if (has_details) return false;
  if (absl::StartsWith(message, "Received http2 header with status: ")) {
    return true;
  }
  if (code != absl::StatusCode::kUnknown) return false;
  return message.empty() || message == "Stream removed" ||
         message == "No status received";
}

}  // namespace protogate::upstream
