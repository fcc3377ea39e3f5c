#include "gateway/upstream/grpc_cluster.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/base/status_macros.h"
#include "gateway/upstream/channel_factory.h"
#include "gateway/upstream/channel_reaper.h"

namespace protogate::upstream {

absl::StatusOr<std::unique_ptr<GrpcCluster>> GrpcCluster::Create(
    const ClusterSpec& spec, const UpstreamOptions& options) {
  const GrpcUnaryChannelOptions call_options{
      .default_timeout = options.default_timeout,
      .max_send_message_bytes = spec.max_send_message_bytes,
      .max_receive_message_bytes = spec.max_receive_message_bytes};
  std::vector<Endpoint> endpoints;
  for (const std::string& address : spec.endpoints) {
    Endpoint& e = endpoints.emplace_back();
    e.address = address;
    PG_ASSIGN_OR_RETURN(e.channel,
                        CreateEndpointChannel(spec, address, options));
    auto grpc_calls =
        std::make_unique<GrpcUnaryChannel>(e.channel, call_options);
    std::optional<H2Endpoint> h2 = ParseH2Endpoint(address);
    if (h2.has_value() && !spec.tls.has_value()) {
      auto calls = std::make_unique<H2UnaryChannel>(
          H2ChannelOptions{
              .endpoint = *std::move(h2),
              .default_timeout = options.default_timeout,
              .max_send_message_bytes = spec.max_send_message_bytes,
              .max_receive_message_bytes = spec.max_receive_message_bytes,
              .connect_timeout = spec.connect_timeout,
              .max_reconnect_backoff =
                  std::max(options.max_reconnect_backoff, spec.connect_timeout),
              .keepalive_time = spec.keepalive_time,
              .keepalive_timeout = spec.keepalive_timeout,
              .keepalive_permit_without_calls =
                  spec.keepalive_permit_without_calls},
          std::move(grpc_calls));
      e.h2 = calls.get();
      e.calls = std::move(calls);
    } else {
      e.calls = std::move(grpc_calls);
    }
    e.health = std::make_shared<EndpointHealth>();
  }
  return std::unique_ptr<GrpcCluster>(
      new GrpcCluster(spec, std::move(endpoints)));
}

GrpcCluster::GrpcCluster(const ClusterSpec& spec,
                         std::vector<Endpoint> endpoints)
    : name_(spec.name),
      lb_policy_(spec.lb_policy),
      health_check_(spec.health_check),
      endpoints_(std::move(endpoints)) {}

GrpcCluster::~GrpcCluster() {
  for (Endpoint& e : endpoints_) {
    e.h2 = nullptr;
    e.calls.reset();
    RetireChannel(std::move(e.channel));
  }
}

int GrpcCluster::Pick() {
  const size_t n = endpoints_.size();
  const size_t start = lb_policy_ == LbPolicy::kRoundRobin
                           ? next_.fetch_add(1, std::memory_order_relaxed) % n
                           : 0;
  int fallback = -1;  // Healthy, but its channel is failing to connect.
  for (size_t k = 0; k < n; ++k) {
    const size_t i = (start + k) % n;
    const Endpoint& e = endpoints_[i];
    if (!e.health->healthy.load(std::memory_order_relaxed)) continue;
    const bool failing = e.h2 != nullptr ? e.h2->failing()
                                         : e.channel->GetState(false) ==
                                               GRPC_CHANNEL_TRANSIENT_FAILURE;
    if (n == 1 || !failing) {
      return static_cast<int>(i);
    }
    if (fallback < 0) fallback = static_cast<int>(i);
  }
  return fallback;
}

absl::Status GrpcCluster::NoHealthyEndpoint() const {
  return absl::UnavailableError(absl::StrCat(
      "cluster \"", name_, "\": no healthy endpoint (", endpoints_.size(),
      " of ", endpoints_.size(), " failing health checks)"));
}

void GrpcCluster::Call(CallRequest request, CallCallback done) {
  const int picked = Pick();
  if (picked < 0) {
    CallResult result;
    result.status = NoHealthyEndpoint();
    std::move(done)(std::move(result));
    return;
  }
  endpoints_[picked].calls->Call(std::move(request), std::move(done));
}

std::shared_ptr<StreamCall> GrpcCluster::Stream(
    StreamRequest request, std::shared_ptr<StreamObserver> observer) {
  const int picked = Pick();
  if (picked < 0) {
    CallResult result;
    result.status = NoHealthyEndpoint();
    observer->OnDone(std::move(result));
    return std::make_shared<EndedStreamCall>();
  }
  return endpoints_[picked].calls->Stream(std::move(request),
                                          std::move(observer));
}

ClusterHealth GrpcCluster::Health() const {
  ClusterHealth health;
  health.name = name_;
  for (const Endpoint& e : endpoints_) {
    health.endpoint_healthy.push_back(e.health->healthy.load());
  }
  return health;
}

std::vector<HealthTarget> GrpcCluster::HealthTargets() const {
  std::vector<HealthTarget> targets;
  if (!health_check_.has_value()) return targets;
  for (const Endpoint& e : endpoints_) {
    targets.push_back({.cluster = name_,
                       .endpoint = e.address,
                       .channel = e.channel,
                       .health = e.health,
                       .spec = *health_check_});
  }
  return targets;
}

}  // namespace protogate::upstream
