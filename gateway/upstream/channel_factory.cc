#include "gateway/upstream/channel_factory.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/status_macros.h"
#include "grpc/grpc.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace protogate::upstream {
namespace {

int ClampedMillis(absl::Duration d) {
  return static_cast<int>(
      std::clamp<int64_t>(absl::ToInt64Milliseconds(d), 1, INT_MAX));
}

int ClampedBytes(int64_t bytes) {
  return static_cast<int>(std::clamp<int64_t>(bytes, 1, INT_MAX));
}

absl::StatusOr<std::string> ReadPem(const ClusterSpec& cluster,
                                    const char* what, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cluster \"", cluster.name, "\": tls.", what, " \"", path,
                     "\" cannot be read"));
  }
  if (contents.str().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cluster \"", cluster.name, "\": tls.", what, " \"", path,
                     "\" cannot be read or is empty"));
  }
  return contents.str();
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> Credentials(
    const ClusterSpec& cluster) {
  if (!cluster.tls.has_value()) return grpc::InsecureChannelCredentials();
  const TlsSpec& tls = *cluster.tls;
  grpc::SslCredentialsOptions ssl;
  if (!tls.ca_file.empty()) {
    PG_ASSIGN_OR_RETURN(ssl.pem_root_certs,
                        ReadPem(cluster, "ca_file", tls.ca_file));
  }
  if (!tls.cert_file.empty()) {
    PG_ASSIGN_OR_RETURN(ssl.pem_cert_chain,
                        ReadPem(cluster, "cert_file", tls.cert_file));
    PG_ASSIGN_OR_RETURN(ssl.pem_private_key,
                        ReadPem(cluster, "key_file", tls.key_file));
  }
  return grpc::SslCredentials(ssl);
}

grpc::ChannelArguments Arguments(const ClusterSpec& cluster,
                                 const std::string& endpoint,
                                 const UpstreamOptions& options) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(
      ClampedBytes(cluster.max_receive_message_bytes));
  args.SetMaxSendMessageSize(ClampedBytes(cluster.max_send_message_bytes));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS,
              ClampedMillis(cluster.keepalive_time));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
              ClampedMillis(cluster.keepalive_timeout));
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS,
              cluster.keepalive_permit_without_calls ? 1 : 0);
  // gRPC bounds a connection attempt by max(backoff, this minimum).
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS,
              ClampedMillis(cluster.connect_timeout));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
              ClampedMillis(std::max(options.max_reconnect_backoff,
                                     cluster.connect_timeout)));
  if (cluster.tls.has_value() && !cluster.tls->server_name.empty()) {
    args.SetSslTargetNameOverride(cluster.tls->server_name);
  }
  if (IsSchemeTarget(endpoint)) {
    args.SetServiceConfigJSON(
        cluster.lb_policy == LbPolicy::kPickFirst
            ? R"({"loadBalancingConfig":[{"pick_first":{}}]})"
            : R"({"loadBalancingConfig":[{"round_robin":{}}]})");
  }
  args.SetUserAgentPrefix("protogate");
  // gRPC's own retry filter is off: protogate retries in RetryingChannel,
  // and in gRPC 1.51 that filter aborts the process (an assertion on a
  // missing grpc-status) when a backend sends trailers without grpc-status
  // (tests/upstream/malformed_response_test.cc).
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  return args;
}

}  // namespace

bool IsSchemeTarget(const std::string& endpoint) {
  return absl::StrContains(endpoint, ":///") ||
         absl::StartsWith(endpoint, "ipv4:") ||
         absl::StartsWith(endpoint, "ipv6:") ||
         absl::StartsWith(endpoint, "unix:");
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> CreateEndpointChannel(
    const ClusterSpec& cluster, const std::string& endpoint,
    const UpstreamOptions& options) {
  PG_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ChannelCredentials> credentials,
                      Credentials(cluster));
  return grpc::CreateCustomChannel(endpoint, credentials,
                                   Arguments(cluster, endpoint, options));
}

}  // namespace protogate::upstream
