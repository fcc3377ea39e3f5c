#include "gateway/proxy/snapshot.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "aggregator/plan_compiler.h"
#include "codegen/openapi_generator.h"
#include "gateway/base/status_macros.h"
#include "gateway/config/config_loader.h"
#include "gateway/proxy/descriptor_sources.h"
#include "gateway/routing/method_location.h"
#include "gateway/transcoding/http_body.h"

namespace protogate::proxy {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::ServiceDescriptor;

transcoding::BodyMode ToBodyMode(routing::RouteBody body) {
  switch (body) {
    case routing::RouteBody::kNone:
      return transcoding::BodyMode::kNone;
    case routing::RouteBody::kWholeMessage:
      return transcoding::BodyMode::kWholeMessage;
    case routing::RouteBody::kField:
      return transcoding::BodyMode::kField;
  }
  return transcoding::BodyMode::kNone;
}

// Whether the route's body target (the request, or its body field) is a
// google.api.HttpBody.
bool HasHttpBodyRequest(const routing::Route& route) {
  switch (route.body) {
    case routing::RouteBody::kWholeMessage:
      return transcoding::IsHttpBody(route.method->input_type());
    case routing::RouteBody::kField:
      return transcoding::IsHttpBody(route.body_field->message_type());
    case routing::RouteBody::kNone:
      break;
  }
  return false;
}

// Whether the route answers with a google.api.HttpBody.
bool HasHttpBodyResponse(const routing::Route& route) {
  return transcoding::IsHttpBody(route.response_body_field != nullptr
                                     ? route.response_body_field->message_type()
                                     : route.method->output_type());
}

// The `methods` entry whose selector is the longest match of `m`'s full
// name (a method, service or package name at a '.' boundary), or nullptr.
const config::v1::MethodSettings* FindSetting(
    const config::v1::GatewayConfig& config,
    const google::protobuf::MethodDescriptor& m) {
  const std::string& name = m.full_name();
  const config::v1::MethodSettings* best = nullptr;
  for (const config::v1::MethodSettings& s : config.methods()) {
    const std::string& selector = s.selector();
    bool matches =
        name == selector || (name.size() > selector.size() &&
                             name.compare(0, selector.size(), selector) == 0 &&
                             name[selector.size()] == '.');
    if (matches &&
        (best == nullptr || selector.size() > best->selector().size())) {
      best = &s;
    }
  }
  return best;
}

// Timeout and query handling of one route.
void ApplyMethodSettings(const config::v1::GatewayConfig& config,
                         const config::v1::MethodSettings* setting,
                         absl::Duration default_timeout, RouteRuntime& rt) {
  rt.timeout = setting != nullptr && setting->has_timeout()
                   ? config::ToDuration(setting->timeout())
                   : default_timeout;
  const config::v1::HttpConfig& http = config.http();
  rt.request_spec.query_plus = http.query_plus_as_space()
                                   ? transcoding::QueryPlus::kSpace
                                   : transcoding::QueryPlus::kLiteral;
  rt.request_spec.ignored_query_params.assign(
      http.always_ignored_query_params().begin(),
      http.always_ignored_query_params().end());
  rt.request_spec.ignore_unknown_query_params =
      setting != nullptr
          ? setting->ignore_unknown_query_params()
          : config.method_defaults().ignore_unknown_query_params();
}

// A plan's problem at the .proto location of its method.
absl::Status AtMethod(const google::protobuf::MethodDescriptor& method,
                      absl::string_view message) {
  return absl::FailedPreconditionError(
      routing::AtMethodLocation(method, message));
}

// What the upstream library builds the snapshot's clusters from: the
// config's clusters, routes and backends, plus the reflection sources'
// services where no backend names them.
config::v1::GatewayConfig UpstreamsConfigFrom(const SnapshotOptions& options) {
  config::v1::GatewayConfig upstreams;
  *upstreams.mutable_clusters() = options.config.clusters();
  *upstreams.mutable_routes() = options.config.routes();
  *upstreams.mutable_backends() = options.config.backends();
  AddReflectionBackends(options.reflected, *upstreams.mutable_backends());
  return upstreams;
}

upstream::UpstreamOptions UpstreamOptionsFrom(
    const config::v1::GatewayConfig& config) {
  upstream::UpstreamOptions options;
  if (config.method_defaults().has_timeout()) {
    options.default_timeout =
        config::ToDuration(config.method_defaults().timeout());
  }
  return options;
}

routing::RouteTableOptions RouteTableOptionsFrom(
    const config::v1::HttpConfig& http) {
  routing::RouteTableOptions options;
  options.rules.assign(http.rules().begin(), http.rules().end());
  options.grpc_paths = !http.has_grpc_paths() || http.grpc_paths()
                           ? routing::RouteTableOptions::GrpcPaths::kEnabled
                           : routing::RouteTableOptions::GrpcPaths::kDisabled;
  return options;
}

// The request's top-level `update_mask` FieldMask of a PATCH route with a
// body, which the transcoder fills from the body when the client did not.
const google::protobuf::FieldDescriptor* UpdateMaskField(
    const routing::Route& route) {
  if (route.http_method != "PATCH" || route.body == routing::RouteBody::kNone) {
    return nullptr;
  }
  const google::protobuf::FieldDescriptor* field =
      route.method->input_type()->FindFieldByName("update_mask");
  if (field == nullptr || field->is_repeated() ||
      field->message_type() == nullptr ||
      field->message_type()->full_name() != "google.protobuf.FieldMask") {
    return nullptr;
  }
  return field;
}

}  // namespace

Snapshot::~Snapshot() = default;

absl::StatusOr<std::shared_ptr<const Snapshot>> Snapshot::Build(
    const SnapshotOptions& options) {
  std::shared_ptr<Snapshot> snapshot(new Snapshot());
  PG_RETURN_IF_ERROR(snapshot->Init(options));
  return std::shared_ptr<const Snapshot>(std::move(snapshot));
}

absl::Status Snapshot::Init(const SnapshotOptions& options) {
  const config::v1::DescriptorSources& d = options.config.descriptors();
  PG_ASSIGN_OR_RETURN(
      LoadedDescriptors loaded,
      LoadDescriptors(
          {.descriptor_sets = {d.descriptor_sets().begin(),
                               d.descriptor_sets().end()},
           .protos = {d.protos().begin(), d.protos().end()},
           .proto_paths = {d.proto_paths().begin(), d.proto_paths().end()},
           .reflected = options.reflected}));
  pool_ = std::move(loaded.pool);
  services_ = std::move(loaded.services);
  source_files_ = std::move(loaded.disk_files);
  upstream_options_ = UpstreamOptionsFrom(options.config);
  PG_ASSIGN_OR_RETURN(upstreams_,
                      upstream::Upstreams::Create(UpstreamsConfigFrom(options),
                                                  upstream_options_));
  PG_ASSIGN_OR_RETURN(policy::HeaderRules header_rules,
                      policy::HeaderRules::Create(
                          options.config.headers(),
                          options.config.tls().client_subject_metadata()));
  header_rules_ =
      std::make_shared<const policy::HeaderRules>(std::move(header_rules));
  retries_ = std::make_unique<RouteRetries>(
      RetryBudgetFrom(options.config.retry_budget()));
  PG_ASSIGN_OR_RETURN(
      routes_, routing::RouteTable::Build(
                   services_, RouteTableOptionsFrom(options.config.http())));
  PG_ASSIGN_OR_RETURN(openapi_json_,
                      codegen::GenerateOpenApi(*routes_, options.openapi));

  std::vector<const Descriptor*> roots;
  for (const ServiceDescriptor* service : services_) {
    for (int i = 0; i < service->method_count(); ++i) {
      roots.push_back(service->method(i)->input_type());
      roots.push_back(service->method(i)->output_type());
    }
  }
  PG_ASSIGN_OR_RETURN(codecs_, transcoding::CodecSet::Build(*pool_, roots));
  config::Problems problems;
  CompilePlans(problems);
  BuildRuntimes(options, problems);
  PG_RETURN_IF_ERROR(problems.ToStatus());
  return BuildStages(options);
}

absl::Status Snapshot::BuildStages(const SnapshotOptions& options) {
  if (options.build_stages) {
    PG_ASSIGN_OR_RETURN(stages_, options.build_stages(*routes_, header_rules_));
    return absl::OkStatus();
  }
  std::vector<std::unique_ptr<const policy::Stage>> stages;
  stages.push_back(std::make_unique<policy::HeaderRulesStage>(header_rules_));
  stages_ = policy::StageChain(std::move(stages));
  return absl::OkStatus();
}

void Snapshot::CompilePlans(config::Problems& problems) {
  for (const ServiceDescriptor* service : services_) {
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor& method = *service->method(i);
      if (!aggregator::HasPlan(method)) continue;
      absl::StatusOr<std::unique_ptr<const aggregator::CompiledPlan>> plan =
          aggregator::CompilePlan(method);
      if (!plan.ok()) {
        problems.Add(AtMethod(method, plan.status().message()));
        continue;
      }
      bool resolved = true;
      for (const aggregator::CompiledStep& step : (*plan)->steps) {
        const ServiceDescriptor& called = *step.method->service();
        upstream::Channel* channel = upstreams_->Resolve(called.full_name());
        if (channel == nullptr) {
          problems.Add(AtMethod(
              method,
              absl::StrCat("plan \"", method.full_name(), "\": step \"",
                           step.id, "\" calls service \"", called.full_name(),
                           "\", which has no backend (add a route for it or "
                           "--backend ",
                           called.full_name(), "=HOST:PORT)")));
          resolved = false;
          continue;
        }
        step_channels_[&called] = channel;
      }
      if (!resolved) continue;
      plan_by_method_[method.full_name()] = plan->get();
      plans_.push_back(*std::move(plan));
    }
  }
}

const aggregator::CompiledPlan* Snapshot::FindPlan(
    std::string_view method) const {
  auto it =
      plan_by_method_.find(absl::string_view(method.data(), method.size()));
  return it == plan_by_method_.end() ? nullptr : it->second;
}

void Snapshot::BuildRuntimes(const SnapshotOptions& options,
                             config::Problems& problems) {
  for (const config::v1::Cluster& cluster : options.config.clusters()) {
    max_request_message_bytes_ =
        std::max(max_request_message_bytes_,
                 static_cast<size_t>(cluster.max_send_message_bytes()));
  }
  runtimes_.reserve(routes_->routes().size());
  for (const routing::Route& route : routes_->routes()) {
    const ServiceDescriptor* service = route.method->service();
    const aggregator::CompiledPlan* plan = FindPlan(route.method->full_name());
    upstream::Channel* channel = upstreams_->Resolve(service->full_name());
    if (plan == nullptr && aggregator::HasPlan(*route.method)) {
      continue;  // Its plan did not compile: reported by CompilePlans.
    }
    if (channel == nullptr && plan == nullptr) {
      // One problem per service (Problems keeps the first of a text).
      problems.Add(absl::FailedPreconditionError(
          absl::StrCat("service \"", service->full_name(),
                       "\" has no backend (add a route for it or --backend ",
                       service->full_name(), "=HOST:PORT)")));
      continue;
    }
    RouteRuntime& rt = runtimes_.emplace_back();
    rt.route = &route;
    rt.plan = plan;
    has_client_streams_ |= route.method->client_streaming();
    rt.request_spec.codec = codecs_->Find(route.method->input_type());
    rt.request_spec.body = ToBodyMode(route.body);
    rt.request_spec.body_field = route.body_field;
    rt.request_spec.update_mask_field = UpdateMaskField(route);
    rt.request_spec.http_body = HasHttpBodyRequest(route);
    const config::v1::MethodSettings* setting =
        FindSetting(options.config, *route.method);
    ApplyMethodSettings(options.config, setting,
                        upstream_options_.default_timeout, rt);
    rt.http_body_response = HasHttpBodyResponse(route);
    rt.response_codec = codecs_->Find(route.method->output_type());
    rt.channel = plan != nullptr
                     ? channel
                     : retries_->Wrap(
                           channel, RetryOptionsFor(
                                        *route.method,
                                        RetryPolicyFor(options.config, setting),
                                        upstream_options_.default_timeout));
    rt.retried = rt.channel != channel;
    rt.grpc_method =
        absl::StrCat("/", service->full_name(), "/", route.method->name());
    rt.cluster = upstreams_->ClusterOf(service->full_name());
    const routing::Route*& grpc_route = grpc_routes_[rt.grpc_method];
    if (grpc_route == nullptr ||
        route.source == routing::RouteSource::kGrpcPath) {
      grpc_route = &route;
    }
    if (rt.request_spec.codec == nullptr || rt.response_codec == nullptr) {
      problems.Add(absl::InternalError(absl::StrCat(
          "no codec compiled for method ", route.method->full_name())));
    }
  }
}

const RouteRuntime& Snapshot::runtime(const routing::Route& route) const {
  return runtimes_[static_cast<size_t>(&route - routes_->routes().data())];
}

}  // namespace protogate::proxy
