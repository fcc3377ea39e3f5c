// Exchange: what the pipeline stages of one request share: the request head,
// the route it matched, and what the stages add for the upstream call
// (metadata), for the client (response headers) and for later stages and
// logs (the verified identity, what each stage decided).
//
// Thread safety: belongs to one request; one stage uses it at a time.
// Ownership: the proxy owns it for the request's life; it borrows the
// request and the route, which outlive it.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/http/header_field.h"
#include "gateway/http/request.h"
#include "gateway/routing/route.h"
#include "gateway/routing/route_table.h"
#include "gateway/upstream/channel.h"

namespace protogate::policy {

// How the route table answered the request's method and path: kMatched
// (route() is set), kNotFound (404), kMethodNotAllowed (405;
// allowed_methods() lists the path's methods) or kBadRequest (a malformed
// path).
using RouteOutcome = routing::RouteMatch::Outcome;

// Who the authentication stage found the caller to be.
struct Identity {
  enum class Kind { kAnonymous, kJwt, kApiKey };
  Kind kind = Kind::kAnonymous;
  std::string credential_name;  // The JWT provider or API key name.
  std::string subject;          // JWT `sub`, or the API key's name.
  // Verified claims as text (strings as is, other JSON values printed).
  std::vector<std::pair<std::string, std::string>> claims;

  // The claim's text, or nullptr.
  const std::string* claim(std::string_view name) const {
    for (const auto& [key, value] : claims) {
      if (key == name) return &value;
    }
    return nullptr;
  }
};

// What the stages decided on one request, for metrics and the access log
// (README "Observability"). The views point at string literals or into the
// snapshot's stages (alive while the request keeps its snapshot); empty:
// the stage did not decide on this request.
struct StageOutcomes {
  // "allowed" or "refused" (a CORS preflight the gateway answered).
  std::string_view cors_preflight;
  // The JWT provider or API key that decided, "-" when none was found;
  // with the result "ok", "anonymous" (allowed without a credential),
  // "missing", "invalid", "forbidden" (a scope) or "unavailable" (JWKS).
  std::string_view auth_provider;
  std::string_view auth_result;
  // The rate-limit policy that applied (the one that rejected, that could
  // not be checked, or the most restrictive one that passed), with the
  // result "allowed", "rejected", "store_error_allowed" or
  // "store_error_denied" (Redis failed; on_error decided).
  std::string_view rate_limit_policy;
  std::string_view rate_limit_result;
};

class Exchange {
 public:
  using Header = http::HeaderField;

  struct Match {
    RouteOutcome outcome = RouteOutcome::kNotFound;
    const routing::Route* route = nullptr;  // Set when kMatched.
    size_t route_index = 0;  // Index into the route table, when kMatched.
    std::string_view allowed_methods;  // "GET, POST", when kMethodNotAllowed.
  };

  Exchange(const http::Request& request, std::string_view request_id,
           Match match)
      : request_(request), request_id_(request_id), match_(match) {}

  const http::Request& request() const { return request_; }
  std::string_view request_id() const { return request_id_; }
  RouteOutcome outcome() const { return match_.outcome; }
  // The matched route, or nullptr when outcome() is not kMatched.
  const routing::Route* route() const { return match_.route; }
  size_t route_index() const { return match_.route_index; }
  std::string_view allowed_methods() const { return match_.allowed_methods; }

  // The metadata of the upstream call (lower-case keys; "-bin" values raw).
  upstream::Metadata& metadata() { return metadata_; }
  // The part of metadata() that is the caller's verified identity (the auth
  // stage's forwarded claims): a composition plan's steps carry it too,
  // whatever headers they propagate.
  upstream::Metadata& identity_metadata() { return identity_metadata_; }
  // Headers added to every answer of this request (constant names where
  // the name is known at compile time: no copy, no check per response).
  std::vector<Header>& response_headers() { return response_headers_; }
  const std::vector<Header>& response_headers() const {
    return response_headers_;
  }
  Identity& identity() { return identity_; }
  const Identity& identity() const { return identity_; }
  // What the stages decided, for logs and metrics.
  StageOutcomes& outcomes() { return outcomes_; }
  const StageOutcomes& outcomes() const { return outcomes_; }

 private:
  const http::Request& request_;
  std::string_view request_id_;
  Match match_;
  upstream::Metadata metadata_;
  upstream::Metadata identity_metadata_;
  std::vector<Header> response_headers_;
  Identity identity_;
  StageOutcomes outcomes_;
};

}  // namespace protogate::policy
