// Exchange: what the pipeline stages of one request share: the request head,
// the route it matched, and what the stages add for the upstream call
// (metadata), for the client (response headers) and for later stages and
// logs (the verified identity, the rate-limit policy that applied).
//
// Thread safety: belongs to one request; one stage uses it at a time.
// Ownership: the proxy owns it for the request's life; it borrows the
// request and the route, which outlive it.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

class Exchange {
 public:
  using Header = std::pair<std::string, std::string>;

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
  // Headers added to every answer of this request.
  std::vector<Header>& response_headers() { return response_headers_; }
  const std::vector<Header>& response_headers() const {
    return response_headers_;
  }
  Identity& identity() { return identity_; }
  const Identity& identity() const { return identity_; }
  // The name of the rate-limit policy that decided, for logs; empty if none.
  std::string& rate_limit_policy() { return rate_limit_policy_; }

 private:
  const http::Request& request_;
  std::string_view request_id_;
  Match match_;
  upstream::Metadata metadata_;
  upstream::Metadata identity_metadata_;
  std::vector<Header> response_headers_;
  Identity identity_;
  std::string rate_limit_policy_;
};

}  // namespace protogate::policy
