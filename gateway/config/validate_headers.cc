// ValidateHeaderForwarding: the forwarding rules of the `headers` section
// (what may cross the gateway), part of ValidateHeaders.
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "gateway/base/header_names.h"
#include "gateway/base/status_macros.h"
#include "gateway/base/strings.h"
#include "gateway/config/config_validator.h"
#include "gateway/config/validation_checks.h"

namespace protogate::config {
namespace {

// A header name that can be forwarded: a gRPC metadata key (after
// lower-casing) that is not forbidden.
absl::Status CheckForwardable(std::string_view path, std::string_view name) {
  PG_RETURN_IF_ERROR(CheckHeaderName(path, name));
  const std::string lower = absl::AsciiStrToLower(base::ToAbsl(name));
  if (!base::IsMetadataKey(lower)) {
    return ConfigPathError(
        path, absl::StrFormat("\"%s\" cannot be gRPC metadata (only letters, "
                              "digits, '-', '_' and '.')",
                              lower));
  }
  std::string_view reason = base::ForbiddenHeaderReason(lower);
  if (!reason.empty()) {
    return ConfigPathError(
        path, absl::StrFormat("\"%s\" is never forwarded: %s", lower,
                              base::ToAbsl(reason)));
  }
  return absl::OkStatus();
}

absl::Status CheckPrefix(std::string_view path, std::string_view prefix) {
  PG_RETURN_IF_ERROR(CheckForwardable(path, prefix));
  std::string_view reason =
      base::ForbiddenPrefixReason(absl::AsciiStrToLower(base::ToAbsl(prefix)));
  if (!reason.empty()) {
    return ConfigPathError(
        path, absl::StrFormat("\"%s\" is never forwarded: %s", prefix,
                              base::ToAbsl(reason)));
  }
  return absl::OkStatus();
}

absl::Status CheckResponseForward(std::string_view path,
                                  const v1::ResponseForwardRule& rule) {
  if (rule.name().empty() == rule.prefix().empty()) {
    return ConfigPathError(path, "set exactly one of name and prefix");
  }
  if (!rule.name().empty()) {
    PG_RETURN_IF_ERROR(CheckForwardable(Field(path, "name"), rule.name()));
  } else {
    PG_RETURN_IF_ERROR(CheckPrefix(Field(path, "prefix"), rule.prefix()));
  }
  if (!rule.rename().empty()) {
    const std::string at = Field(path, "rename");
    PG_RETURN_IF_ERROR(rule.name().empty()
                           ? CheckPrefix(at, rule.rename())
                           : CheckForwardable(at, rule.rename()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateResponseHeaderName(std::string_view path,
                                        std::string_view name) {
  const std::string lower = absl::AsciiStrToLower(base::ToAbsl(name));
  if (lower == "content-length" ||
      base::ForbiddenHeaderReason(lower) == "a hop-by-hop header") {
    return ConfigPathError(
        path, absl::StrFormat("\"%s\" is managed by the HTTP server", lower));
  }
  return absl::OkStatus();
}

void ValidateHeaderForwarding(const v1::HeadersConfig& headers,
                              Problems& problems) {
  for (int i = 0; i < headers.forward_size(); ++i) {
    problems.Add(
        CheckForwardable(Index("headers.forward", i), headers.forward(i)));
  }
  for (int i = 0; i < headers.forward_prefixes_size(); ++i) {
    problems.Add(CheckPrefix(Index("headers.forward_prefixes", i),
                             headers.forward_prefixes(i)));
  }
  for (int i = 0; i < headers.internal_size(); ++i) {
    const std::string at = Index("headers.internal", i);
    if (!problems.Add(CheckHeaderName(at, headers.internal(i)))) continue;
    const std::string lower = absl::AsciiStrToLower(headers.internal(i));
    if (lower == "x-request-id" || lower == "x-forwarded-for") {
      problems.Add(at, absl::StrFormat(
                           "\"%s\" is always forwarded by the gateway", lower));
    }
  }
  for (int i = 0; i < headers.forward_response_size(); ++i) {
    problems.Add(CheckResponseForward(Index("headers.forward_response", i),
                                      headers.forward_response(i)));
  }
}

}  // namespace protogate::config
