#include "gateway/ratelimit/rate_key.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/base/strings.h"

namespace protogate::ratelimit {
namespace {

using ::protogate::base::ToAbsl;
using ::protogate::base::ToStd;

// "1.2.3.4:80" -> "1.2.3.4", "[::1]:80" -> "::1".
std::string_view WithoutPort(std::string_view address) {
  if (!address.empty() && address.front() == '[') {
    const size_t end = address.find(']');
    if (end != std::string_view::npos) return address.substr(1, end - 1);
  }
  const size_t colon = address.rfind(':');
  if (colon != std::string_view::npos &&
      address.find(':') == colon) {  // One colon: IPv4 or name with port.
    return address.substr(0, colon);
  }
  return address;
}

std::string RouteKey(const routing::Route& route) {
  return absl::StrCat(route.method->full_name(), " ", route.http_method, " ",
                      route.path.text());
}

}  // namespace

std::string ClientAddress(const http::Request& request, int trusted_hops) {
  std::string_view peer = WithoutPort(request.remote_address());
  if (trusted_hops <= 0) return std::string(peer);
  // Every X-Forwarded-For header, in order, as one list.
  std::vector<std::string_view> entries;
  for (const auto& [name, value] : request.headers()) {
    if (!absl::EqualsIgnoreCase(name, "x-forwarded-for")) continue;
    for (absl::string_view entry : absl::StrSplit(value, ',')) {
      entries.push_back(ToStd(absl::StripAsciiWhitespace(entry)));
    }
  }
  if (entries.size() < static_cast<size_t>(trusted_hops)) {
    return std::string(peer);
  }
  return std::string(WithoutPort(entries[entries.size() - trusted_hops]));
}

absl::StatusOr<RateKey> RateKey::Parse(std::string_view key, int trusted_hops) {
  RateKey parsed;
  parsed.trusted_hops_ = trusted_hops;
  if (key.empty()) return parsed;
  if (key == "client_ip") {
    parsed.source_ = Source::kClientIp;
  } else if (key == "api_key") {
    parsed.source_ = Source::kApiKey;
  } else if (key == "route") {
    parsed.source_ = Source::kRoute;
  } else if (absl::StartsWith(ToAbsl(key), "header:") && key.size() > 7) {
    parsed.source_ = Source::kHeader;
    parsed.name_ = absl::AsciiStrToLower(ToAbsl(key.substr(7)));
  } else if (absl::StartsWith(ToAbsl(key), "jwt_claim:") && key.size() > 10) {
    parsed.source_ = Source::kJwtClaim;
    parsed.name_ = std::string(key.substr(10));
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown rate limit key \"", ToAbsl(key), "\""));
  }
  return parsed;
}

std::string RateKey::Extract(const policy::Exchange& exchange) const {
  switch (source_) {
    case Source::kNone:
      return "";
    case Source::kClientIp:
      return ClientAddress(exchange.request(), trusted_hops_);
    case Source::kHeader:
      return std::string(exchange.request().header(name_).value_or(""));
    case Source::kJwtClaim: {
      if (exchange.identity().kind != policy::Identity::Kind::kJwt) return "";
      const std::string* claim = exchange.identity().claim(name_);
      return claim == nullptr ? "" : *claim;
    }
    case Source::kApiKey:
      return exchange.identity().kind == policy::Identity::Kind::kApiKey
                 ? exchange.identity().credential_name
                 : "";
    case Source::kRoute:
      return exchange.route() == nullptr ? "" : RouteKey(*exchange.route());
  }
  return "";
}

}  // namespace protogate::ratelimit
