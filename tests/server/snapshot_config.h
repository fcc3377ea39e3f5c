// Config building blocks for the snapshots tests make: the config message
// that proxy::Snapshot::Build reads, written as YAML or set field by field.
#pragma once

#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "gateway/config/config_loader.h"
#include "gateway/proxy/snapshot.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"

namespace protogate::server {

using proxy::SnapshotOptions;

inline void SetDuration(absl::Duration value, google::protobuf::Duration* out) {
  *out = google::protobuf::util::TimeUtil::NanosecondsToDuration(
      absl::ToInt64Nanoseconds(value));
}
inline void AddBackend(config::v1::GatewayConfig& config,
                       const std::string& service, const std::string& target) {
  config::v1::Backend& backend = *config.add_backends();
  backend.set_service(service);
  backend.set_target(target);
}
// Merges a YAML config snippet into `config` (repeated fields append).
inline void MergeYaml(config::v1::GatewayConfig& config,
                      std::string_view yaml) {
  absl::StatusOr<config::v1::GatewayConfig> part =
      config::ParseConfigText(yaml, "test.yaml");
  ASSERT_TRUE(part.ok()) << part.status();
  config.MergeFrom(*part);
}
// A snapshot's options for one descriptor set whose services `service`
// names, served by `target`, with `timeout` as the default deadline.
inline SnapshotOptions OptionsFor(const std::string& descriptor_set,
                                  const std::string& service,
                                  const std::string& target,
                                  absl::Duration timeout = absl::Seconds(15)) {
  SnapshotOptions options;
  options.config.mutable_descriptors()->add_descriptor_sets(descriptor_set);
  AddBackend(options.config, service, target);
  SetDuration(timeout,
              options.config.mutable_method_defaults()->mutable_timeout());
  return options;
}

}  // namespace protogate::server
