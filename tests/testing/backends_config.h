// BackendsConfig: the config a test hands to upstream::Upstreams::Create
// for a list of --backend style backends (a service or package name and
// its target).
//
// Thread safety: a stateless function.
//
// Example:
//   auto upstreams = upstream::Upstreams::Create(
//       testing::BackendsConfig({{.service = "demo", .target = address}}),
//       {});
#pragma once

#include <string>
#include <vector>

#include "protogate/config/v1/config.pb.h"

namespace protogate::testing {

struct TestBackend {
  std::string service;
  std::string target;
};

inline config::v1::GatewayConfig BackendsConfig(
    const std::vector<TestBackend>& backends) {
  config::v1::GatewayConfig config;
  for (const TestBackend& b : backends) {
    config::v1::Backend* backend = config.add_backends();
    backend->set_service(b.service);
    backend->set_target(b.target);
  }
  return config;
}

}  // namespace protogate::testing
