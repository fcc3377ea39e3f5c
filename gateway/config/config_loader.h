// Config loading: a YAML (or JSON) config file -> GatewayConfig.
//
// The text is converted to JSON (yaml_to_json.h: YAML 1.2 core scalars, one
// document, no duplicate keys) and parsed into GatewayConfig by our own
// JSON transcoder (proto3 JSON mapping; unknown fields are errors).
// LoadConfigFile/ParseConfigText do not validate; the *Validated* variants
// also run ValidateConfig (config_validator.h) and report every problem it
// finds, each with the file and the position of the path it names.
//
// Errors are FailedPrecondition (NotFound for an unreadable file), and name
// the file, where in it, and what is wrong. A YAML syntax error stops the
// parse; every field the transcoder rejects (unknown, wrong type) is
// reported, one line each, the rest being transcoded again without it; the
// values of a config with such problems are not validated (their checks
// would report what the rejected fields left unset).
//   gateway.yaml:3:9: end of map flow not found           (YAML syntax)
//   gateway.yaml:4:5: field "clusters[0].nmae": unknown field
//   gateway.yaml:7:3: field "server.ioThreads": expected uint32, got "x"
//   gateway.yaml:9:7: clusters[0] "books": endpoints[0]: "x" is not
//   host:port
//
// Thread safety: stateless functions, safe to call concurrently.
//
// Example:
//   PG_ASSIGN_OR_RETURN(v1::GatewayConfig config,
//                       LoadValidatedConfigFile("/etc/protogate.yaml"));
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "protogate/config/v1/config.pb.h"

namespace protogate::config {

// The largest config file read, in bytes.
inline constexpr size_t kMaxConfigFileBytes = 4 << 20;

// Parses `text` (YAML or JSON). An empty document is an empty config.
// `file_name_for_errors` prefixes every error message.
absl::StatusOr<v1::GatewayConfig> ParseConfigText(
    std::string_view text, std::string_view file_name_for_errors);

// Reads `path` and parses it with ParseConfigText. NotFound naming the file
// if it cannot be read; FailedPrecondition if it exceeds
// kMaxConfigFileBytes.
absl::StatusOr<v1::GatewayConfig> LoadConfigFile(const std::string& path);

// ParseConfigText, then ValidateConfig. Validation problems become one
// FailedPrecondition listing every problem (problems.h), one line each, in
// the order of the text: "FILE:LINE:COLUMN: PATH: PROBLEM", the position
// being that of PATH's key or item in the text (of its closest ancestor
// written there, e.g. when the key was written in lowerCamelCase), or
// "FILE: PATH: PROBLEM" when none is found (after the others). The list
// items PATH passes through are named (path_labels.h):
//   gw.yaml:9:9: clusters[1] "books": endpoints[0]: "localhost" is not
//   host:port
//   gw.yaml:12:5: routes[0] "demo.bookstore": cluster: unknown cluster "x"
// Beyond Problems::kMaxKept problems a last line "FILE: N more problems"
// counts the rest.
absl::StatusOr<v1::GatewayConfig> ParseValidatedConfigText(
    std::string_view text, std::string_view file_name_for_errors);

// LoadConfigFile, then ValidateConfig, with errors as in
// ParseValidatedConfigText.
absl::StatusOr<v1::GatewayConfig> LoadValidatedConfigFile(
    const std::string& path);

// A config duration (google.protobuf.Duration) as an absl::Duration.
inline absl::Duration ToDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

}  // namespace protogate::config
