#include "gateway/upstream/cluster.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/base/status_macros.h"
#include "gateway/upstream/h2_tls.h"

namespace protogate::upstream {

namespace {

using ClusterConfig = config::v1::Cluster;

absl::Duration DurationOr(bool has, const google::protobuf::Duration& d,
                          absl::Duration fallback) {
  return has ? absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos())
             : fallback;
}

int64_t BytesOr(int64_t bytes, int64_t fallback) {
  return bytes > 0 ? bytes : fallback;
}

std::optional<HealthCheckSpec> HealthCheckOf(const ClusterConfig& cluster) {
  if (!cluster.has_health_check()) return std::nullopt;
  const config::v1::HealthCheck& h = cluster.health_check();
  return HealthCheckSpec{
      .interval =
          DurationOr(h.has_interval(), h.interval(), kDefaultHealthInterval),
      .timeout =
          DurationOr(h.has_timeout(), h.timeout(), kDefaultHealthTimeout),
      .unhealthy_threshold = h.unhealthy_threshold() != 0
                                 ? static_cast<int>(h.unhealthy_threshold())
                                 : kDefaultUnhealthyThreshold,
      .healthy_threshold = h.healthy_threshold() != 0
                               ? static_cast<int>(h.healthy_threshold())
                               : kDefaultHealthyThreshold,
      .service = h.service()};
}

// The name the backend's certificate is checked against (and sent as SNI).
std::string TlsName(const ClusterConfig& cluster, const H2Endpoint& target) {
  if (!cluster.tls().server_name().empty()) return cluster.tls().server_name();
  return target.unix_path.empty() ? target.host : "localhost";
}

H2ChannelOptions ChannelOptions(const ClusterConfig& cluster,
                                const UpstreamOptions& options) {
  const config::v1::Keepalive& keepalive = cluster.keepalive();
  const absl::Duration connect_timeout =
      DurationOr(cluster.has_connect_timeout(), cluster.connect_timeout(),
                 kDefaultConnectTimeout);
  return H2ChannelOptions{
      .default_timeout = options.default_timeout,
      .max_send_message_bytes =
          BytesOr(cluster.max_send_message_bytes(), kDefaultMaxMessageBytes),
      .max_receive_message_bytes =
          BytesOr(cluster.max_receive_message_bytes(), kDefaultMaxMessageBytes),
      .connect_timeout = connect_timeout,
      .max_reconnect_backoff =
          std::max(options.max_reconnect_backoff, connect_timeout),
      .keepalive_time = DurationOr(keepalive.has_time(), keepalive.time(),
                                   kDefaultKeepaliveTime),
      .keepalive_timeout =
          DurationOr(keepalive.has_timeout(), keepalive.timeout(),
                     kDefaultKeepaliveTimeout),
      .keepalive_permit_without_calls = keepalive.permit_without_calls()};
}

}  // namespace

absl::StatusOr<std::unique_ptr<Cluster>> Cluster::Create(
    const config::v1::Cluster& cluster, const UpstreamOptions& options) {
  std::shared_ptr<boost::asio::ssl::context> tls;
  if (cluster.has_tls()) {
    PG_ASSIGN_OR_RETURN(tls, MakeTlsContext(cluster));
  }
  const H2ChannelOptions channel_options = ChannelOptions(cluster, options);
  std::vector<Endpoint> endpoints;
  for (const std::string& address : cluster.endpoints()) {
    std::optional<H2Endpoint> target = ParseTarget(address);
    if (!target.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cluster \"", cluster.name(), "\": endpoint \"", address,
          "\" is not host:port, dns:///host:port or unix:///path"));
    }
    H2ChannelOptions endpoint_options = channel_options;
    if (tls != nullptr) {
      endpoint_options.tls = tls;
      endpoint_options.tls_name = TlsName(cluster, *target);
    }
    endpoint_options.endpoint = *std::move(target);
    Endpoint& e = endpoints.emplace_back();
    e.address = address;
    e.channel = std::make_unique<H2Channel>(std::move(endpoint_options));
    e.health = std::make_shared<EndpointHealth>();
  }
  return std::unique_ptr<Cluster>(new Cluster(cluster, std::move(endpoints)));
}

Cluster::Cluster(const config::v1::Cluster& cluster,
                 std::vector<Endpoint> endpoints)
    : name_(cluster.name()),
      lb_policy_(cluster.lb_policy()),
      health_check_(HealthCheckOf(cluster)),
      endpoints_(std::move(endpoints)) {}

int Cluster::Pick() {
  const size_t n = endpoints_.size();
  const size_t start = lb_policy_ != config::v1::Cluster::PICK_FIRST
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
