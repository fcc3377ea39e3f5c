#include "gateway/policy/cors_stage.h"

#include <utility>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gateway/base/strings.h"

namespace protogate::policy {
namespace {

using ::protogate::base::ToAbsl;
using ::protogate::base::ToStd;
using Policy = CorsStage::Policy;

// What gRPC-Web clients send and must read (PROTOCOL-WEB.md, CORS).
constexpr std::string_view kGrpcWebRequestHeaders[] = {
    "content-type", "x-grpc-web", "x-user-agent", "grpc-timeout"};
constexpr std::string_view kGrpcWebExposedHeaders =
    "grpc-status, grpc-message, grpc-status-details-bin";

bool IsGrpcWebRequestHeader(absl::string_view lower_name) {
  for (std::string_view name : kGrpcWebRequestHeaders) {
    if (lower_name == ToAbsl(name)) return true;
  }
  return false;
}

// `list` (", "-joined) with `more` appended.
std::string JoinedWith(const std::string& list, absl::string_view more) {
  return list.empty() ? std::string(more) : absl::StrCat(list, ", ", more);
}

bool IsHostChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
         c == '.';
}

Policy MakePolicy(const config::v1::CorsPolicy& config) {
  Policy p;
  for (const std::string& origin : config.allow_origins()) {
    if (origin == "*") {
      p.any_origin = true;
    } else if (const size_t star = origin.find("://*.");
               star != std::string::npos) {
      p.wildcard_origins.emplace_back(
          absl::AsciiStrToLower(origin.substr(0, star + 3)),
          absl::AsciiStrToLower(origin.substr(star + 4)));
    } else {
      p.exact_origins.push_back(absl::AsciiStrToLower(origin));
    }
  }
  for (const std::string& h : config.allow_headers()) {
    p.allow_headers.insert(absl::AsciiStrToLower(h));
  }
  p.allow_headers_value = absl::StrJoin(config.allow_headers(), ", ");
  p.expose_headers_value = absl::StrJoin(config.expose_headers(), ", ");
  p.grpc_web_allow_headers_value = p.allow_headers_value;
  for (std::string_view name : kGrpcWebRequestHeaders) {
    if (p.allow_headers.contains(ToAbsl(name))) continue;
    p.grpc_web_allow_headers_value =
        JoinedWith(p.grpc_web_allow_headers_value, ToAbsl(name));
  }
  p.grpc_web_expose_headers_value =
      JoinedWith(p.expose_headers_value, ToAbsl(kGrpcWebExposedHeaders));
  p.allow_credentials = config.allow_credentials();
  if (config.has_max_age()) {
    p.max_age_value = absl::StrCat(config.max_age().seconds());
  }
  return p;
}

bool Selects(const std::string& selector, const std::string& method) {
  if (selector == method) return true;
  return method.size() > selector.size() &&
         absl::StartsWith(method, selector) && method[selector.size()] == '.';
}

Verdict Refuse(std::string_view what) {
  return Verdict::Answer(
      403, absl::StatusCode::kPermissionDenied,
      absl::StrCat("CORS preflight: ", ToAbsl(what), " not allowed"));
}

}  // namespace

bool Policy::AllowsOrigin(std::string_view origin) const {
  if (any_origin) return true;
  const absl::string_view o = ToAbsl(origin);
  for (const std::string& exact : exact_origins) {
    if (absl::EqualsIgnoreCase(o, exact)) return true;
  }
  for (const auto& [prefix, suffix] : wildcard_origins) {
    if (o.size() <= prefix.size() + suffix.size() ||
        !absl::StartsWithIgnoreCase(o, prefix) ||
        !absl::EndsWithIgnoreCase(o, suffix)) {
      continue;
    }
    const absl::string_view label =
        o.substr(prefix.size(), o.size() - prefix.size() - suffix.size());
    if (absl::c_all_of(label, IsHostChar) && label.front() != '.' &&
        label.back() != '.') {
      return true;
    }
  }
  return false;
}

absl::StatusOr<std::unique_ptr<const Stage>> CorsStage::Create(
    const config::v1::GatewayConfig& config,
    const routing::RouteTable& routes) {
  std::vector<int> overrides;  // Indices into config.methods().
  for (int i = 0; i < config.methods_size(); ++i) {
    if (config.methods(i).has_cors()) overrides.push_back(i);
  }
  if (!config.has_cors() && overrides.empty()) return nullptr;
  std::unique_ptr<CorsStage> stage(new CorsStage(routes));
  stage->policies_.push_back(MakePolicy(config.cors()));
  for (int i : overrides) {
    stage->policies_.push_back(MakePolicy(config.methods(i).cors()));
  }
  stage->route_policy_.reserve(routes.routes().size());
  for (const routing::Route& route : routes.routes()) {
    const std::string& method = route.method->full_name();
    size_t best = 0;
    size_t best_length = 0;
    for (size_t k = 0; k < overrides.size(); ++k) {
      const std::string& selector = config.methods(overrides[k]).selector();
      if (Selects(selector, method) && selector.size() > best_length) {
        best = k + 1;
        best_length = selector.size();
      }
    }
    stage->route_policy_.push_back(best);
  }
  return std::unique_ptr<const Stage>(std::move(stage));
}

const Policy& CorsStage::PolicyOf(const Exchange& exchange) const {
  if (exchange.route() == nullptr) return policies_[0];
  return policies_[route_policy_[exchange.route_index()]];
}

Verdict CorsStage::Apply(Exchange& exchange) const {
  const http::Request& request = exchange.request();
  const std::optional<std::string_view> origin = request.header("origin");
  if (!origin.has_value()) return Verdict::Pass();
  if (request.method() == "OPTIONS" &&
      (exchange.outcome() == RouteOutcome::kMatched ||
       exchange.outcome() == RouteOutcome::kMethodNotAllowed)) {
    if (std::optional<std::string_view> method =
            request.header("access-control-request-method")) {
      Verdict verdict = Preflight(exchange, *origin, *method);
      exchange.outcomes().cors_preflight =
          verdict.response.status == 204 ? "allowed" : "refused";
      return verdict;
    }
  }
  const Policy& policy = PolicyOf(exchange);
  if (!policy.AllowsOrigin(*origin)) return Verdict::Pass();
  auto& headers = exchange.response_headers();
  using http::ConstantHeaderName;
  headers.emplace_back(ConstantHeaderName("Access-Control-Allow-Origin"),
                       std::string(*origin));
  if (policy.allow_credentials) {
    headers.emplace_back(ConstantHeaderName("Access-Control-Allow-Credentials"),
                         "true");
  }
  const bool grpc_web = absl::StartsWithIgnoreCase(
      ToAbsl(request.header("content-type").value_or("")),
      "application/grpc-web");
  const std::string& expose = grpc_web ? policy.grpc_web_expose_headers_value
                                       : policy.expose_headers_value;
  if (!expose.empty()) {
    headers.emplace_back(ConstantHeaderName("Access-Control-Expose-Headers"),
                         expose);
  }
  headers.emplace_back(ConstantHeaderName("Vary"), "Origin");
  return Verdict::Pass();
}

Verdict CorsStage::Preflight(const Exchange& exchange, std::string_view origin,
                             std::string_view method) const {
  const routing::RouteMatch match =
      routes_.Match(method, exchange.request().path());
  if (match.outcome != routing::RouteMatch::Outcome::kMatched) {
    // The policy of an unknown method is the top-level one.
    if (!policies_[0].AllowsOrigin(origin)) return Refuse("origin");
    return Refuse("method");
  }
  const size_t index =
      static_cast<size_t>(match.route - routes_.routes().data());
  const Policy& policy = policies_[route_policy_[index]];
  if (!policy.AllowsOrigin(origin)) return Refuse("origin");
  const bool grpc_path = match.route->source == routing::RouteSource::kGrpcPath;
  const std::string_view requested =
      exchange.request()
          .header("access-control-request-headers")
          .value_or(std::string_view());
  for (absl::string_view name : absl::StrSplit(ToAbsl(requested), ',')) {
    name = absl::StripAsciiWhitespace(name);
    if (name.empty()) continue;
    const std::string lower = absl::AsciiStrToLower(name);
    if (!policy.allow_headers.contains(lower) &&
        !(grpc_path && IsGrpcWebRequestHeader(lower))) {
      return Refuse(absl::StrCat("header \"", name, "\" is"));
    }
  }
  http::Response response;
  response.status = 204;
  auto& h = response.headers;
  h.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  h.emplace_back("Access-Control-Allow-Methods",
                 exchange.allowed_methods().empty()
                     ? std::string(method)
                     : std::string(exchange.allowed_methods()));
  const std::string& allow_headers = grpc_path
                                         ? policy.grpc_web_allow_headers_value
                                         : policy.allow_headers_value;
  if (!allow_headers.empty()) {
    h.emplace_back("Access-Control-Allow-Headers", allow_headers);
  }
  if (!policy.max_age_value.empty()) {
    h.emplace_back("Access-Control-Max-Age", policy.max_age_value);
  }
  if (policy.allow_credentials) {
    h.emplace_back("Access-Control-Allow-Credentials", "true");
  }
  h.emplace_back("Vary", "Origin");
  return Verdict::Answer(std::move(response));
}

}  // namespace protogate::policy
