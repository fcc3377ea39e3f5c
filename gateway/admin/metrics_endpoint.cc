#include "gateway/admin/metrics_endpoint.h"

#include <string>
#include <utility>

#include "gateway/observability/exposition.h"
#include "gateway/policy/header_rules.h"
#include "gateway/proxy/error_response.h"

namespace protogate::admin {

void ServeMetrics(std::shared_ptr<const proxy::Snapshot> snapshot,
                  observability::MetricsRegistry& registry,
                  const http::Request& request, http::Responder responder) {
  http::Responder finishing = policy::FinishingResponder(
      {snapshot->shared_header_rules(), policy::RequestIdFor(request), {}},
      std::move(responder));
  if (request.method() != "GET") {
    http::Response response = proxy::ErrorResponse(
        absl::StatusCode::kUnimplemented, "method not allowed (allowed: GET)");
    response.status = 405;
    response.headers.emplace_back("Allow", "GET");
    finishing.Send(std::move(response));
    return;
  }
  observability::ExpositionFormat format =
      observability::NegotiateExposition(request.header("accept").value_or(""));
  http::Response response;
  response.headers.emplace_back(
      "Content-Type",
      std::string(observability::ExpositionContentType(format)));
  response.body = observability::WriteExposition(registry.Collect(), format);
  finishing.Send(std::move(response));
}

}  // namespace protogate::admin
