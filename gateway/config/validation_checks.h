// Checks shared by the config validators. Every check returns OK or
// FailedPrecondition "PATH: PROBLEM", PATH being the config path of the
// value (e.g. `clusters[1].endpoints[0]`).
//
// Thread safety: stateless functions (CheckReadableFile reads the file
// system).
//
// Example:
//   PG_RETURN_IF_ERROR(CheckHostPort("listen", config.listen(),
//                                    PortRule::kZeroAllowed));
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "google/protobuf/duration.pb.h"

namespace protogate::config {

// FailedPrecondition "PATH: MESSAGE".
absl::Status ConfigPathError(std::string_view path, std::string_view message);

// `path` + "[i]" and `path` + "." + `field`.
std::string Index(std::string_view path, int i);
std::string Field(std::string_view path, std::string_view field);

enum class PortRule { kZeroAllowed, kNonZero };
// "host:port" with a DNS name, IPv4 or [IPv6] host and a decimal port.
absl::Status CheckHostPort(std::string_view path, std::string_view value,
                           PortRule rule);

enum class DurationRule { kPositive, kNonNegative };
// A valid google.protobuf.Duration within `rule`.
absl::Status CheckDuration(std::string_view path,
                           const google::protobuf::Duration& d,
                           DurationRule rule);

// Dotted protobuf names: "pkg", "pkg.Service", "pkg.Service.Method".
absl::Status CheckDottedName(std::string_view path, std::string_view value);

// An existing, readable regular file.
absl::Status CheckReadableFile(std::string_view path, std::string_view file);

// An HTTP field name (RFC 9110 token).
absl::Status CheckHeaderName(std::string_view path, std::string_view name);

// `value` in [min, max].
absl::Status CheckRange(std::string_view path, int64_t value, int64_t min,
                        int64_t max);
// The same for floating-point fields.
absl::Status CheckDoubleRange(std::string_view path, double value, double min,
                              double max);
// `value` <= `max`, for unsigned fields.
absl::Status CheckAtMost(std::string_view path, uint64_t value, uint64_t max);

}  // namespace protogate::config
