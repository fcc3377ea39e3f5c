// ValidateObservability: the `tracing` and `logging.access_log` parts of
// ValidateConfig.
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/strings.h"
#include "gateway/config/config_validator.h"
#include "gateway/config/validation_checks.h"

namespace protogate::config {
namespace {

// "host:port" with a port from 1 to 65535.
absl::Status CheckHostPort(std::string_view path, std::string_view value) {
  size_t colon = value.rfind(':');
  int port = 0;
  if (colon == std::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(base::ToAbsl(value.substr(colon + 1)), &port) ||
      port < 1 || port > 65535) {
    return absl::FailedPreconditionError(
        absl::StrCat(base::ToAbsl(path), ": expected HOST:PORT, got \"",
                     base::ToAbsl(value), "\""));
  }
  return absl::OkStatus();
}

}  // namespace

void ValidateObservability(const v1::GatewayConfig& config,
                           Problems& problems) {
  if (config.has_tracing()) {
    const v1::TracingConfig& tracing = config.tracing();
    if (tracing.has_sample_ratio()) {
      problems.Add(CheckDoubleRange("tracing.sample_ratio",
                                    tracing.sample_ratio(), 0, 1));
    }
    if (!tracing.otlp().endpoint().empty()) {
      problems.Add(
          CheckHostPort("tracing.otlp.endpoint", tracing.otlp().endpoint()));
    }
  }
  if (config.logging().has_access_log()) {
    const v1::AccessLog& log = config.logging().access_log();
    if (log.path().empty()) {
      problems.Add("logging.access_log.path",
                   "required (\"-\" for standard output)");
    }
    if (!log.format().empty() && log.format() != "json") {
      problems.Add(
          "logging.access_log.format",
          absl::StrCat("expected \"json\", got \"", log.format(), "\""));
    }
  }
}

absl::Status ValidateObservability(const v1::GatewayConfig& config) {
  Problems problems;
  ValidateObservability(config, problems);
  return problems.ToStatus();
}

}  // namespace protogate::config
