#include <string>

#include "absl/status/status.h"
#include "gateway/config/config_loader.h"
#include "gateway/config/config_validator.h"
#include "gtest/gtest.h"

namespace protogate::config {
namespace {

absl::Status Validate(const std::string& yaml) {
  absl::StatusOr<v1::GatewayConfig> config = ParseConfigText(yaml, "t.yaml");
  EXPECT_TRUE(config.ok()) << config.status();
  return ValidateObservability(config.value_or(v1::GatewayConfig()));
}

TEST(ValidateObservabilityTest, AcceptsTheReadmeExample) {
  EXPECT_TRUE(Validate("tracing: {sample_ratio: 0.01, otlp: {endpoint: "
                       "127.0.0.1:4317}}\n"
                       "logging: {access_log: {path: \"-\", format: json}}\n")
                  .ok());
  EXPECT_TRUE(Validate("tracing: {}\n").ok());  // Ratio unset: 1.
}

TEST(ValidateObservabilityTest, ErrorsNameTheField) {
  struct Case {
    std::string yaml;
    std::string field;
  };
  for (const Case& c : {
           Case{"tracing: {sample_ratio: 1.5}", "tracing.sample_ratio"},
           Case{"tracing: {sample_ratio: -0.1}", "tracing.sample_ratio"},
           Case{"tracing: {otlp: {endpoint: collector}}",
                "tracing.otlp.endpoint"},
           Case{"tracing: {otlp: {endpoint: \"h:99999\"}}",
                "tracing.otlp.endpoint"},
           Case{"logging: {access_log: {format: json}}",
                "logging.access_log.path"},
           Case{"logging: {access_log: {path: x.log, format: text}}",
                "logging.access_log.format"},
       }) {
    absl::Status status = Validate(c.yaml);
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << c.yaml;
    EXPECT_NE(status.message().find(c.field), std::string::npos)
        << c.yaml << ": " << status;
  }
}

}  // namespace
}  // namespace protogate::config
