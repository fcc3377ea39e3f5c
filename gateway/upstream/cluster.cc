#include "gateway/upstream/cluster.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/base/status_macros.h"
#include "gateway/upstream/h2_tls.h"

namespace protogate::upstream {

absl::StatusOr<std::unique_ptr<Cluster>> Cluster::Create(
    const ClusterSpec& spec, const UpstreamOptions& options) {
  std::shared_ptr<boost::asio::ssl::context> tls;
  if (spec.tls.has_value()) {
    PG_ASSIGN_OR_RETURN(tls, MakeTlsContext(spec));
  }
  std::vector<Endpoint> endpoints;
  for (const std::string& address : spec.endpoints) {
    std::optional<H2Endpoint> target = ParseTarget(address);
    if (!target.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cluster \"", spec.name, "\": endpoint \"", address,
          "\" is not host:port, dns:///host:port or unix:///path"));
    }
    std::string tls_name = tls != nullptr && !spec.tls->server_name.empty()
                               ? spec.tls->server_name
                           : target->unix_path.empty() ? target->host
                                                       : "localhost";
    Endpoint& e = endpoints.emplace_back();
    e.address = address;
    e.channel = std::make_unique<H2Channel>(H2ChannelOptions{
        .endpoint = *std::move(target),
        .default_timeout = options.default_timeout,
        .max_send_message_bytes = spec.max_send_message_bytes,
        .max_receive_message_bytes = spec.max_receive_message_bytes,
        .connect_timeout = spec.connect_timeout,
        .max_reconnect_backoff =
            std::max(options.max_reconnect_backoff, spec.connect_timeout),
        .keepalive_time = spec.keepalive_time,
        .keepalive_timeout = spec.keepalive_timeout,
        .keepalive_permit_without_calls = spec.keepalive_permit_without_calls,
        .tls = tls,
        .tls_name = std::move(tls_name)});
    e.health = std::make_shared<EndpointHealth>();
  }
  return std::unique_ptr<Cluster>(new Cluster(spec, std::move(endpoints)));
}

Cluster::Cluster(const ClusterSpec& spec, std::vector<Endpoint> endpoints)
    : name_(spec.name),
      lb_policy_(spec.lb_policy),
      health_check_(spec.health_check),
      endpoints_(std::move(endpoints)) {}

int Cluster::Pick() {
  const size_t n = endpoints_.size();
  const size_t start = lb_policy_ == LbPolicy::kRoundRobin
                           ? next_.fetch_add(1, std::memory_order_relaxed) % n
                           : 0;
  int fallback = -1;  // Healthy, but its channel is failing to connect.
  for (size_t k = 0; k < n; ++k) {
    const size_t i = (start + k) % n;
    const Endpoint& e = endpoints_[i];
    if (!e.health->healthy.load(std::memory_order_relaxed)) continue;
    if (n == 1 || !e.channel->failing()) {
      return static_cast<int>(i);
    }
    if (fallback < 0) fallback = static_cast<int>(i);
  }
  return fallback;
}

absl::Status Cluster::NoHealthyEndpoint() const {
  return absl::UnavailableError(absl::StrCat(
      "cluster \"", name_, "\": no healthy endpoint (", endpoints_.size(),
      " of ", endpoints_.size(), " failing health checks)"));
}

void Cluster::Call(CallRequest request, CallCallback done) {
  const int picked = Pick();
  if (picked < 0) {
    CallResult result;
    result.status = NoHealthyEndpoint();
    std::move(done)(std::move(result));
    return;
  }
  endpoints_[picked].channel->Call(std::move(request), std::move(done));
}

std::shared_ptr<StreamCall> Cluster::Stream(
    StreamRequest request, std::shared_ptr<StreamObserver> observer) {
  const int picked = Pick();
  if (picked < 0) {
    CallResult result;
    result.status = NoHealthyEndpoint();
    observer->OnDone(std::move(result));
    return std::make_shared<EndedStreamCall>();
  }
  return endpoints_[picked].channel->Stream(std::move(request),
                                            std::move(observer));
}

ClusterHealth Cluster::Health() const {
  ClusterHealth health;
  health.name = name_;
  for (const Endpoint& e : endpoints_) {
    health.endpoint_healthy.push_back(e.health->healthy.load());
    health.open_connections += e.channel->open_connections();
  }
  return health;
}

std::vector<HealthTarget> Cluster::HealthTargets() const {
  std::vector<HealthTarget> targets;
  if (!health_check_.has_value()) return targets;
  for (const Endpoint& e : endpoints_) {
    targets.push_back({.cluster = name_,
                       .endpoint = e.address,
                       .channel = e.channel.get(),
                       .health = e.health,
                       .spec = *health_check_});
  }
  return targets;
}

}  // namespace protogate::upstream
