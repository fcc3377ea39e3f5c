#include "gateway/upstream/grpc_upstreams.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "gateway/base/status_macros.h"
#include "grpc/grpc.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace protogate::upstream {
namespace {

int ClampedMillis(absl::Duration d) {
  return static_cast<int>(
      std::clamp<int64_t>(absl::ToInt64Milliseconds(d), 1, INT_MAX));
}

absl::Status ValidateOptions(const UpstreamOptions& options) {
  if (options.default_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "upstream option default_timeout must be positive");
  }
  if (options.max_receive_message_bytes <= 0 ||
      options.max_send_message_bytes <= 0) {
    return absl::InvalidArgumentError(
        "upstream options max_receive_message_bytes and "
        "max_send_message_bytes must be positive");
  }
  if (options.keepalive_time <= absl::ZeroDuration() ||
      options.max_reconnect_backoff <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "upstream options keepalive_time and max_reconnect_backoff must be "
        "positive");
  }
  return absl::OkStatus();
}

absl::Status ValidateBackend(size_t index, const BackendSpec& backend) {
  const std::string& name = backend.name;
  if (name.empty() || absl::StartsWith(name, ".") ||
      absl::EndsWith(name, ".") || absl::StrContains(name, "..")) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "backends[%d].name \"%s\": expected a package or service name such "
        "as \"pkg.v1.Service\"",
        index, name));
  }
  if (backend.target.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "backends[%d] (\"%s\"): target must not be empty", index, name));
  }
  return absl::OkStatus();
}

grpc::ChannelArguments MakeChannelArguments(const UpstreamOptions& options) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  args.SetMaxSendMessageSize(options.max_send_message_bytes);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS,
              ClampedMillis(options.keepalive_time));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
              ClampedMillis(options.max_reconnect_backoff));
  args.SetUserAgentPrefix("protogate");
  // gRPC's own retry filter is off: protogate retries in RetryingChannel,
  // and in gRPC 1.51 that filter aborts the process (an assertion on a
  // missing grpc-status) when a backend sends trailers without grpc-status
  // (tests/upstream/malformed_response_test.cc).
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  return args;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Upstreams>> Upstreams::Create(
    std::vector<BackendSpec> backends, UpstreamOptions options) {
  PG_ASSIGN_OR_RETURN(auto upstreams,
                      GrpcUpstreams::Create(std::move(backends), options));
  return std::unique_ptr<Upstreams>(std::move(upstreams));
}

absl::StatusOr<std::unique_ptr<GrpcUpstreams>> GrpcUpstreams::Create(
    std::vector<BackendSpec> backends, UpstreamOptions options) {
  PG_RETURN_IF_ERROR(ValidateOptions(options));
  for (size_t i = 0; i < backends.size(); ++i) {
    PG_RETURN_IF_ERROR(ValidateBackend(i, backends[i]));
  }
  const grpc::ChannelArguments args = MakeChannelArguments(options);
  const GrpcUnaryChannelOptions channel_options{
      .default_timeout = options.default_timeout,
      .max_send_message_bytes = options.max_send_message_bytes,
      .max_receive_message_bytes = options.max_receive_message_bytes};
  std::unique_ptr<GrpcUpstreams> upstreams(new GrpcUpstreams());
  absl::flat_hash_map<std::string, std::shared_ptr<grpc::Channel>> by_target;
  for (size_t i = 0; i < backends.size(); ++i) {
    BackendSpec& backend = backends[i];
    if (upstreams->by_name_.contains(backend.name)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "backends[%d].name \"%s\": given twice", i, backend.name));
    }
    std::shared_ptr<grpc::Channel>& channel = by_target[backend.target];
    if (channel == nullptr) {
      channel = grpc::CreateCustomChannel(
          backend.target, grpc::InsecureChannelCredentials(), args);
    }
    upstreams->by_name_.emplace(
        std::move(backend.name),
        std::make_unique<GrpcUnaryChannel>(channel, channel_options));
  }
  return upstreams;
}

UnaryChannel* GrpcUpstreams::Resolve(std::string_view service_full_name) const {
  absl::string_view name(service_full_name.data(), service_full_name.size());
  while (!name.empty()) {
    if (auto it = by_name_.find(name); it != by_name_.end()) {
      return it->second.get();
    }
    const size_t dot = name.rfind('.');
    if (dot == absl::string_view::npos) break;
    name = name.substr(0, dot);
  }
  return nullptr;
}

}  // namespace protogate::upstream
