// RateKey: which bucket of a rate-limit policy a request counts against,
// parsed once from the policy's `key` and applied per request.
//
//   ""               one bucket for every request;
//   client_ip        the client address (ClientAddress below);
//   header:NAME      the request header's value ("" when absent);
//   jwt_claim:NAME   the verified claim of the auth stage's identity (""
//                    when the request has no such claim);
//   api_key          the name of the API key the auth stage verified (""
//                    for other identities);
//   route            the matched route (its method, HTTP method and path).
//
// Thread safety: immutable; Extract() is safe concurrently.
//
// Example:
//   PG_ASSIGN_OR_RETURN(RateKey key, RateKey::Parse("jwt_claim:sub", 0));
//   std::string bucket = key.Extract(exchange);
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "gateway/policy/exchange.h"

namespace protogate::ratelimit {

// The client's address (without port) for `trusted_hops` proxies in front
// of the gateway: 0: the socket peer; N: the N-th X-Forwarded-For entry
// from the right (the address the outermost trusted proxy saw), or the
// socket peer when the request has fewer entries (it did not come through
// the trusted proxies, so its header is not trusted).
std::string ClientAddress(const http::Request& request, int trusted_hops);

class RateKey {
 public:
  enum class Source { kNone, kClientIp, kHeader, kJwtClaim, kApiKey, kRoute };

  // InvalidArgument naming the key for anything else than the forms above.
  static absl::StatusOr<RateKey> Parse(std::string_view key, int trusted_hops);

  Source source() const { return source_; }
  // The bucket's key text for this request.
  std::string Extract(const policy::Exchange& exchange) const;

 private:
  Source source_ = Source::kNone;
  std::string name_;  // Header (lower case) or claim name.
  int trusted_hops_ = 0;
};

}  // namespace protogate::ratelimit
