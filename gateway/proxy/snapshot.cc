#include "gateway/proxy/snapshot.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "aggregator/plan_compiler.h"
#include "codegen/openapi_generator.h"
#include "gateway/base/status_macros.h"
#include "gateway/proxy/descriptor_sources.h"
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

// The setting whose selector is the longest match of `method`'s full name
// (a method, service or package name at a '.' boundary), or nullptr.
const MethodSetting* FindSetting(const std::vector<MethodSetting>& settings,
                                 const google::protobuf::MethodDescriptor& m) {
  const std::string& name = m.full_name();
  const MethodSetting* best = nullptr;
  for (const MethodSetting& s : settings) {
    bool matches = name == s.selector ||
                   (name.size() > s.selector.size() &&
                    name.compare(0, s.selector.size(), s.selector) == 0 &&
                    name[s.selector.size()] == '.');
    if (matches &&
        (best == nullptr || s.selector.size() > best->selector.size())) {
      best = &s;
    }
  }
  return best;
}

// Timeout and query handling of one route.
void ApplyMethodSettings(const SnapshotOptions& options,
                         const google::protobuf::MethodDescriptor& method,
                         RouteRuntime& rt) {
  const MethodSetting* setting = FindSetting(options.methods, method);
  rt.timeout = setting != nullptr && setting->timeout > absl::ZeroDuration()
                   ? setting->timeout
                   : options.upstream.default_timeout;
  rt.request_spec.query_plus = options.query_plus_as_space
                                   ? transcoding::QueryPlus::kSpace
                                   : transcoding::QueryPlus::kLiteral;
  rt.request_spec.ignored_query_params = options.always_ignored_query_params;
  rt.request_spec.ignore_unknown_query_params =
      setting != nullptr ? setting->ignore_unknown_query_params
                         : options.ignore_unknown_query_params;
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
  PG_ASSIGN_OR_RETURN(
      LoadedDescriptors loaded,
      LoadDescriptors({.descriptor_sets = options.descriptor_sets,
                       .protos = options.protos,
                       .proto_paths = options.proto_paths,
                       .reflected = options.reflected}));
  pool_ = std::move(loaded.pool);
  services_ = std::move(loaded.services);
  source_files_ = std::move(loaded.disk_files);
  PG_ASSIGN_OR_RETURN(
      upstreams_,
      upstream::Upstreams::CreateFromConfig(
          upstream::UpstreamsConfig{.clusters = options.clusters,
                                    .routes = options.routes,
                                    .backends = WithReflectionBackends(
                                        options.backends, options.reflected)},
          options.upstream));
  PG_ASSIGN_OR_RETURN(policy::HeaderRules header_rules,
                      policy::HeaderRules::Create(options.headers));
  header_rules_ =
      std::make_shared<const policy::HeaderRules>(std::move(header_rules));
  retries_ = std::make_unique<RouteRetries>(options.retry_budget);
  routing::RouteTableOptions route_options;
  route_options.rules = options.http_rules;
  route_options.grpc_paths =
      options.grpc_paths ? routing::RouteTableOptions::GrpcPaths::kEnabled
                         : routing::RouteTableOptions::GrpcPaths::kDisabled;
  PG_ASSIGN_OR_RETURN(routes_,
                      routing::RouteTable::Build(services_, route_options));
  PG_ASSIGN_OR_RETURN(openapi_json_, codegen::GenerateOpenApi(
                                         *routes_, {.title = "protogate"}));

  std::vector<const Descriptor*> roots;
  for (const ServiceDescriptor* service : services_) {
    for (int i = 0; i < service->method_count(); ++i) {
      roots.push_back(service->method(i)->input_type());
      roots.push_back(service->method(i)->output_type());
    }
  }
  PG_ASSIGN_OR_RETURN(codecs_, transcoding::CodecSet::Build(*pool_, roots));
  PG_RETURN_IF_ERROR(CompilePlans());
  PG_RETURN_IF_ERROR(BuildRuntimes(options));
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

absl::Status Snapshot::CompilePlans() {
  for (const ServiceDescriptor* service : services_) {
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor& method = *service->method(i);
      if (!aggregator::HasPlan(method)) continue;
      PG_ASSIGN_OR_RETURN(std::unique_ptr<const aggregator::CompiledPlan> plan,
                          aggregator::CompilePlan(method));
      for (const aggregator::CompiledStep& step : plan->steps) {
        const ServiceDescriptor& called = *step.method->service();
        upstream::Channel* channel = upstreams_->Resolve(called.full_name());
        if (channel == nullptr) {
          return absl::FailedPreconditionError(absl::StrCat(
              "plan \"", method.full_name(), "\": step \"", step.id,
              "\" calls service \"", called.full_name(),
              "\", which has no backend (add a route for it or --backend ",
              called.full_name(), "=HOST:PORT)"));
        }
        step_channels_[&called] = channel;
      }
      plan_by_method_[method.full_name()] = plan.get();
      plans_.push_back(std::move(plan));
    }
  }
  return absl::OkStatus();
}

const aggregator::CompiledPlan* Snapshot::FindPlan(
    std::string_view method) const {
  auto it =
      plan_by_method_.find(absl::string_view(method.data(), method.size()));
  return it == plan_by_method_.end() ? nullptr : it->second;
}

absl::Status Snapshot::BuildRuntimes(const SnapshotOptions& options) {
  runtimes_.reserve(routes_->routes().size());
  for (const routing::Route& route : routes_->routes()) {
    const ServiceDescriptor* service = route.method->service();
    const aggregator::CompiledPlan* plan = FindPlan(route.method->full_name());
    upstream::Channel* channel = upstreams_->Resolve(service->full_name());
    if (channel == nullptr && plan == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("service \"", service->full_name(),
                       "\" has no backend (add a route for it or --backend ",
                       service->full_name(), "=HOST:PORT)"));
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
    ApplyMethodSettings(options, *route.method, rt);
    rt.http_body_response = HasHttpBodyResponse(route);
    rt.response_codec = codecs_->Find(route.method->output_type());
    rt.channel =
        plan != nullptr
            ? channel
            : retries_->Wrap(
                  channel,
                  RetryOptionsFor(*route.method,
                                  FindSetting(options.methods, *route.method),
                                  options.default_retries,
                                  options.upstream.default_timeout));
    rt.grpc_method =
        absl::StrCat("/", service->full_name(), "/", route.method->name());
    if (rt.request_spec.codec == nullptr || rt.response_codec == nullptr) {
      return absl::InternalError(absl::StrCat("no codec compiled for method ",
                                              route.method->full_name()));
    }
  }
  return absl::OkStatus();
}

const RouteRuntime& Snapshot::runtime(const routing::Route& route) const {
  return runtimes_[static_cast<size_t>(&route - routes_->routes().data())];
}

}  // namespace protogate::proxy
