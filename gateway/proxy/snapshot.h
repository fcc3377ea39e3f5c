// Snapshot: everything one configuration generation serves with —
// descriptors, routes, compiled codecs, upstream channels (with their retry
// wrappers and budgets), header rules and the pipeline's stages — built and
// validated completely before it is used.
//
// Thread safety: immutable after Build(); shared by concurrent requests
// through std::shared_ptr<const Snapshot>. A request keeps the snapshot it
// started with alive until its response is sent.
// Ownership: owns the DescriptorPool, which outlives the routes and codecs
// that point into it (members are destroyed in reverse order).
//
// Example:
//   PG_ASSIGN_OR_RETURN(std::shared_ptr<const Snapshot> s,
//                       Snapshot::Build(options));
//   const RouteRuntime& rt = s->runtime(*match.route);
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "aggregator/compiled_plan.h"
#include "codegen/openapi_generator.h"
#include "gateway/config/problems.h"
#include "gateway/observability/route_series.h"
#include "gateway/policy/header_rules.h"
#include "gateway/policy/stage.h"
#include "gateway/proxy/descriptor_sources.h"
#include "gateway/proxy/route_retries.h"
#include "gateway/routing/route_table.h"
#include "gateway/transcoding/codec_set.h"
#include "gateway/transcoding/request_transcoder.h"
#include "gateway/upstream/upstreams.h"
#include "google/protobuf/descriptor.h"
#include "protogate/config/v1/config.pb.h"

namespace protogate::proxy {

// What serving one route needs, resolved at load time.
struct RouteRuntime {
  const routing::Route* route = nullptr;
  transcoding::RequestSpec request_spec;
  const transcoding::MessageCodec* response_codec = nullptr;
  // The response (or its response_body field) is a google.api.HttpBody: it
  // is sent as its content type and raw bytes, not as JSON.
  bool http_body_response = false;
  // The backend channel (a RetryingChannel over it when the method's direct
  // calls are retried, route_retries.h); null for methods answered by a
  // plan.
  upstream::Channel* channel = nullptr;
  // Whether `channel` retries calls: a traced call then gets a span and a
  // traceparent per attempt (request_telemetry.h, AttemptSpans).
  bool retried = false;
  // The composition plan of the method, if it has one.
  const aggregator::CompiledPlan* plan = nullptr;
  std::string grpc_method;  // "/package.Service/Method"
  // The cluster its calls go to, for metrics labels ("" when none); points
  // into the snapshot's upstreams. Resolved once here, not per request.
  std::string_view cluster;
  // Its bound metric series, made on its first observed request
  // (observability/route_series.h).
  observability::RouteSeriesSlot series;
  // The upstream deadline of this method (config `methods`, else
  // `method_defaults`, else upstream::UpstreamOptions' default).
  absl::Duration timeout;
};

struct SnapshotOptions {
  // What to serve, validated (config::ValidateConfig): descriptors,
  // clusters, routes and backends, methods and method_defaults (timeouts,
  // retries, query handling), http, headers and retry_budget. The config
  // message is the only description: flags are applied onto it before.
  config::v1::GatewayConfig config;
  // The descriptors fetched from config.descriptors.reflection's sources
  // (combined as descriptor_sources.h says); their services' calls go to
  // the source unless a route or backend names them.
  std::vector<ReflectedDescriptors> reflected;
  // Builds the pipeline stages of the snapshot's routes, given its header
  // rules (server/stages.h). Unset: the header rules' stage alone.
  std::function<absl::StatusOr<policy::StageChain>(
      const routing::RouteTable&, std::shared_ptr<const policy::HeaderRules>)>
      build_stages;
  // The live /-/openapi.json's title and security (auth/openapi_security.h).
  codegen::OpenApiOptions openapi = {.title = "protogate"};
};

class Snapshot {
 public:
  // Loads the descriptor sources (descriptor_sources.h), builds routes and
  // codecs for every service in them, compiles the composition plans of
  // methods that have one, and resolves each service's backend (services
  // whose methods all have plans need none; the services plan steps call
  // do). Errors name the file, method, template, plan step, cluster or
  // service at fault (e.g. FailedPrecondition `service "pkg.Svc" has no
  // backend (add a route for it or --backend pkg.Svc=HOST:PORT)`). Starts
  // the clusters' health checks.
  static absl::StatusOr<std::shared_ptr<const Snapshot>> Build(
      const SnapshotOptions& options);

  ~Snapshot();
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  const routing::RouteTable& routes() const { return *routes_; }
  const transcoding::CodecSet& codecs() const { return *codecs_; }
  // REQUIRES: `route` belongs to routes().
  const RouteRuntime& runtime(const routing::Route& route) const;
  const std::vector<const google::protobuf::ServiceDescriptor*>& services()
      const {
    return services_;
  }
  // The route that gRPC and gRPC-Web calls of the method with this gRPC
  // path ("/package.Service/Method", as sent) use for their stages: the
  // method's implicit gRPC path route when it has one, else its first
  // route; nullptr for a method the snapshot does not serve. A hash lookup
  // in a table built at load time.
  const routing::Route* FindGrpcRoute(std::string_view path) const {
    auto it = grpc_routes_.find(absl::string_view(path.data(), path.size()));
    return it == grpc_routes_.end() ? nullptr : it->second;
  }
  // The largest request message a gRPC or gRPC-Web client may send: the
  // largest send limit of the clusters (config `clusters`
  // max_send_message_bytes, default 16 MiB); each cluster's own limit
  // applies when the message is sent.
  size_t max_request_message_bytes() const {
    return max_request_message_bytes_;
  }
  // The compiled plan of the method with this full name, or nullptr.
  const aggregator::CompiledPlan* FindPlan(std::string_view method) const;
  // Resolves the services that plan steps call. Valid for the snapshot's
  // lifetime; every step's service was checked at build time.
  // A pointer lookup in a table built at load time.
  upstream::Channel* ResolveService(
      const google::protobuf::ServiceDescriptor& service) const {
    auto it = step_channels_.find(&service);
    return it == step_channels_.end() ? nullptr : it->second;
  }
  // The files the descriptors were read from (descriptor sets, .proto
  // files and their imports on disk).
  const std::vector<std::string>& source_files() const { return source_files_; }
  // The health of every cluster (health checks run while the snapshot
  // lives; a new snapshot starts with every endpoint healthy).
  std::vector<upstream::ClusterHealth> ClusterHealth() const {
    return upstreams_->Health();
  }
  // The cluster serving a service ("" when none), for metrics labels.
  std::string_view ClusterOf(std::string_view service_full_name) const {
    return upstreams_->ClusterOf(service_full_name);
  }
  // Which headers cross the gateway (config `headers`).
  const policy::HeaderRules& header_rules() const { return *header_rules_; }
  std::shared_ptr<const policy::HeaderRules> shared_header_rules() const {
    return header_rules_;
  }
  // The pipeline stages every request runs through (policy/stage.h).
  const policy::StageChain& stages() const { return stages_; }
  // The OpenAPI 3.1 document of routes(), generated once at build time.
  const std::string& openapi_json() const { return openapi_json_; }
  // Whether some route is client- or bidi-streaming (so request bodies may
  // need streaming; see Proxy::StreamsRequestBody).
  bool has_client_streams() const { return has_client_streams_; }

 private:
  Snapshot() = default;
  absl::Status Init(const SnapshotOptions& options);
  // Both go on after a problem, so that one build reports every plan that
  // does not compile and every service without a backend.
  void CompilePlans(config::Problems& problems);
  void BuildRuntimes(const SnapshotOptions& options,
                     config::Problems& problems);
  absl::Status BuildStages(const SnapshotOptions& options);

  std::unique_ptr<google::protobuf::DescriptorPool> pool_;
  std::vector<const google::protobuf::ServiceDescriptor*> services_;
  std::unique_ptr<routing::RouteTable> routes_;
  std::unique_ptr<transcoding::CodecSet> codecs_;
  upstream::UpstreamOptions upstream_options_;
  std::unique_ptr<upstream::Upstreams> upstreams_;
  std::vector<std::unique_ptr<const aggregator::CompiledPlan>> plans_;
  absl::flat_hash_map<std::string, const aggregator::CompiledPlan*>
      plan_by_method_;
  // The channel of every service a plan step calls.
  absl::flat_hash_map<const google::protobuf::ServiceDescriptor*,
                      upstream::Channel*>
      step_channels_;
  std::shared_ptr<const policy::HeaderRules> header_rules_;
  policy::StageChain stages_;
  // Retrying wrappers of route channels; destroyed before upstreams_.
  std::unique_ptr<RouteRetries> retries_;
  std::vector<RouteRuntime> runtimes_;  // Aligned with routes_->routes().
  absl::flat_hash_map<std::string, const routing::Route*> grpc_routes_;
  size_t max_request_message_bytes_ = upstream::kDefaultMaxMessageBytes;
  std::string openapi_json_;
  std::vector<std::string> source_files_;
  bool has_client_streams_ = false;
};

}  // namespace protogate::proxy
