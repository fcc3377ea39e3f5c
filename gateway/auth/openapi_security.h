// AddOpenApiSecurity: what the config's `auth` means for the OpenAPI
// document (codegen::GenerateOpenApi, the live /-/openapi.json): a bearer
// JWT scheme per JWT provider and an apiKey scheme per API key, named like
// them, and per method the schemes of its rule's require_any (all when
// empty), its scopes and allow_anonymous (rules resolved as by
// FindMethodAuth).
//
// Thread safety: the function it installs is safe to call concurrently.
// Ownership: the installed function keeps a copy of the config.
//
// Example:
//   codegen::OpenApiOptions openapi{.title = "protogate"};
//   auth::AddOpenApiSecurity(config, openapi);
#pragma once

#include "codegen/openapi_generator.h"
#include "protogate/config/v1/config.pb.h"

namespace protogate::auth {

// Sets options.security_schemes and options.method_security; leaves
// `options` alone when `config` has no credentials.
void AddOpenApiSecurity(const config::v1::GatewayConfig& config,
                        codegen::OpenApiOptions& options);

}  // namespace protogate::auth
