#include "gateway/proxy/cluster_config.h"

#include "gateway/config/config_loader.h"

namespace protogate::proxy {
namespace {

using config::v1::Cluster;

using config::ToDuration;

upstream::HealthCheckSpec ToHealthCheck(const config::v1::HealthCheck& h) {
  upstream::HealthCheckSpec spec{.interval = ToDuration(h.interval()),
                                 .timeout = ToDuration(h.timeout()),
                                 .service = h.service()};
  if (h.unhealthy_threshold() != 0) {
    spec.unhealthy_threshold = static_cast<int>(h.unhealthy_threshold());
  }
  if (h.healthy_threshold() != 0) {
    spec.healthy_threshold = static_cast<int>(h.healthy_threshold());
  }
  return spec;
}

upstream::ClusterSpec ToClusterSpec(const Cluster& c) {
  upstream::ClusterSpec spec;
  spec.name = c.name();
  spec.endpoints.assign(c.endpoints().begin(), c.endpoints().end());
  spec.lb_policy = c.lb_policy() == Cluster::PICK_FIRST
                       ? upstream::LbPolicy::kPickFirst
                       : upstream::LbPolicy::kRoundRobin;
  if (c.has_connect_timeout()) {
    spec.connect_timeout = ToDuration(c.connect_timeout());
  }
  if (c.keepalive().has_time()) {
    spec.keepalive_time = ToDuration(c.keepalive().time());
  }
  if (c.keepalive().has_timeout()) {
    spec.keepalive_timeout = ToDuration(c.keepalive().timeout());
  }
  spec.keepalive_permit_without_calls = c.keepalive().permit_without_calls();
  if (c.max_send_message_bytes() > 0) {
    spec.max_send_message_bytes = c.max_send_message_bytes();
  }
  if (c.max_receive_message_bytes() > 0) {
    spec.max_receive_message_bytes = c.max_receive_message_bytes();
  }
  if (c.has_tls()) {
    spec.tls = upstream::TlsSpec{.ca_file = c.tls().ca_file(),
                                 .cert_file = c.tls().cert_file(),
                                 .key_file = c.tls().key_file(),
                                 .server_name = c.tls().server_name()};
  }
  if (c.has_health_check()) spec.health_check = ToHealthCheck(c.health_check());
  return spec;
}

}  // namespace

std::vector<upstream::ClusterSpec> ClustersFromConfig(
    const google::protobuf::RepeatedPtrField<Cluster>& clusters) {
  std::vector<upstream::ClusterSpec> specs;
  for (const Cluster& c : clusters) specs.push_back(ToClusterSpec(c));
  return specs;
}

std::vector<upstream::RouteSpec> RoutesFromConfig(
    const google::protobuf::RepeatedPtrField<config::v1::ServiceRoute>&
        routes) {
  std::vector<upstream::RouteSpec> specs;
  for (const auto& r : routes) {
    specs.push_back({.service = r.service(), .cluster = r.cluster()});
  }
  return specs;
}

}  // namespace protogate::proxy
