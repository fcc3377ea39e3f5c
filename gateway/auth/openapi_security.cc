#include "gateway/auth/openapi_security.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "gateway/auth/route_requirements.h"

namespace protogate::auth {

void AddOpenApiSecurity(const config::v1::GatewayConfig& config,
                        codegen::OpenApiOptions& options) {
  const config::v1::AuthConfig& auth = config.auth();
  if (auth.jwt_providers().empty() && auth.api_keys().empty()) return;
  std::vector<std::string> all;
  for (const auto& provider : auth.jwt_providers()) {
    options.security_schemes.push_back({.name = provider.name()});
    all.push_back(provider.name());
  }
  for (const auto& key : auth.api_keys()) {
    options.security_schemes.push_back(
        {.name = key.name(),
         .api_key_header = key.header().empty()
                               ? std::string("x-api-key")
                               : absl::AsciiStrToLower(key.header())});
    all.push_back(key.name());
  }
  auto shared = std::make_shared<const config::v1::GatewayConfig>(config);
  options.method_security =
      [shared, all](const google::protobuf::MethodDescriptor& method)
      -> std::optional<codegen::OpenApiMethodSecurity> {
    const config::v1::MethodAuth* rule =
        FindMethodAuth(*shared, method.full_name());
    if (rule == nullptr) return std::nullopt;
    codegen::OpenApiMethodSecurity security;
    security.schemes =
        rule->require_any().empty()
            ? all
            : std::vector<std::string>(rule->require_any().begin(),
                                       rule->require_any().end());
    security.scopes.assign(rule->scopes().begin(), rule->scopes().end());
    security.anonymous_allowed = rule->allow_anonymous();
    return security;
  };
}

}  // namespace protogate::auth
