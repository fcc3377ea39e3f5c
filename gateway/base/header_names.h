// Header names that never cross the gateway between HTTP and gRPC, in either
// direction, whatever the header rules say: the gRPC protocol's own fields,
// hop-by-hop fields (RFC 9110 7.6.1) and fields each transport sets itself.
// Shared by the config validator (forwarding one is a config error) and the
// header rules applied per request (gateway/policy/header_rules.h).
//
// Thread safety: stateless functions.
#pragma once

#include <string_view>

namespace protogate::base {

// Why the lower-case header name `name` is never forwarded, e.g.
// "reserved for gRPC" or "a hop-by-hop header"; empty when it may be.
inline std::string_view ForbiddenHeaderReason(std::string_view name) {
  if (name.starts_with("grpc-")) return "reserved for gRPC";
  if (name.starts_with("proxy-")) return "a hop-by-hop header";
  if (name.starts_with(":")) return "an HTTP/2 pseudo-header";
  constexpr std::string_view kHopByHop[] = {
      "connection",        "keep-alive", "te",     "trailer",
      "transfer-encoding", "upgrade",    "expect", "http2-settings"};
  for (std::string_view h : kHopByHop) {
    if (name == h) return "a hop-by-hop header";
  }
  constexpr std::string_view kTransport[] = {"host",
                                             "content-length",
                                             "content-type",
                                             "content-encoding",
                                             "accept-encoding",
                                             "user-agent",
                                             "date",
                                             "server"};
  for (std::string_view h : kTransport) {
    if (name == h) return "set by the transport";
  }
  return {};
}

// Whether a forward prefix can only ever match forbidden names ("grpc-",
// "proxy-" and longer prefixes of them).
inline std::string_view ForbiddenPrefixReason(std::string_view prefix) {
  if (prefix.starts_with("grpc-")) return "reserved for gRPC";
  if (prefix.starts_with("proxy-")) return "a hop-by-hop prefix";
  return {};
}

// Whether `name` can be a gRPC metadata key: non-empty, only [0-9a-z_.-].
inline bool IsMetadataKey(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

}  // namespace protogate::base
