// HeaderRules: which headers cross the gateway, built once per snapshot from
// the config's `headers` section (config.proto HeadersConfig documents the
// rules), and the request id every request gets.
//
// Request side: the forwarded request headers become gRPC metadata
// (lower-case keys, "-bin" values base64-decoded), plus x-forwarded-for with
// the client address appended, x-request-id and, when configured, the TLS
// client certificate's subject. Of a gRPC or gRPC-Web request
// (content-type application/grpc*), whose headers are its metadata, every
// header is forwarded but the `internal` ones and those never forwarded
// (grpc-*, hop-by-hop, transport headers). Response side: backend initial
// metadata and trailers become HTTP headers by the forward_response rules;
// then the `response` set/add/remove rules and x-request-id apply to every
// response the gateway sends.
//
// Thread safety: immutable after Create(); used concurrently by requests.
//
// Example:
//   PG_ASSIGN_OR_RETURN(HeaderRules rules, HeaderRules::Create(config));
//   std::string id = RequestIdFor(request);
//   PG_ASSIGN_OR_RETURN(upstream::Metadata md,
//                       rules.RequestMetadata(request, id));
//   ... rules.AddBackendHeaders(result.headers, result.trailers, response);
//   rules.FinishResponse(id, response);
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "gateway/http/request.h"
#include "gateway/http/responder.h"
#include "gateway/http/response.h"
#include "gateway/policy/stage.h"
#include "gateway/upstream/channel.h"
#include "protogate/config/v1/config.pb.h"

namespace protogate::policy {

// The request headers forwarded without any config.
inline constexpr std::string_view kDefaultForwardedHeaders[] = {
    "authorization", "x-request-id", "traceparent", "tracestate"};

// The client's x-request-id when it is valid (1 to 128 printable ASCII
// characters), else a new random one (32 lower-case hex digits).
std::string RequestIdFor(const http::Request& request);

class HeaderRules;

// What finishes every answer the gateway sends for a request: the headers
// the pipeline stages added for the client, then HeaderRules::
// FinishResponse (the `response` rules, x-request-id). A movable value, so
// that a Responder sink that also looks at the answer (the proxy's
// telemetry) can hold one and finish the answer itself, instead of being
// wrapped in a second sink.
//
// Thread safety: one per request, used by one thread at a time.
// Ownership: holds `rules`, which may alias a snapshot it then keeps alive.
//
// Example:
//   ResponseFinisher finisher(rules, std::move(id), std::move(headers));
//   finisher.Apply(response);  // Just before the response is sent.
class ResponseFinisher {
 public:
  ResponseFinisher(std::shared_ptr<const HeaderRules> rules,
                   std::string request_id, http::HeaderFields stage_headers)
      : rules_(std::move(rules)),
        request_id_(std::move(request_id)),
        stage_headers_(std::move(stage_headers)) {}

  // Appends the stage headers to `response`, then applies
  // rules->FinishResponse(request_id, response).
  // REQUIRES: called once (the stage headers and the request id are moved
  // into `response`).
  void Apply(http::Response& response);

 private:
  std::shared_ptr<const HeaderRules> rules_;
  std::string request_id_;
  http::HeaderFields stage_headers_;
};

// A Responder that applies `finisher` to the response before `inner`
// sends it (also to the 500 a dropped responder sends).
http::Responder FinishingResponder(ResponseFinisher finisher,
                                   http::Responder inner);

class HeaderRules {
 public:
  // The default rules (no `headers` section).
  HeaderRules();
  // FailedPrecondition naming the config path for rules that break the
  // checks of config::ValidateHeaders (e.g. forwarding grpc-timeout).
  // `client_subject_metadata` (config tls.client_subject_metadata): the
  // metadata key that carries the verified TLS client certificate's
  // subject (Request::peer_certificate_subject) to backends; a client's
  // own header of that name is dropped. Empty: not sent.
  static absl::StatusOr<HeaderRules> Create(
      const config::v1::HeadersConfig& config,
      std::string_view client_subject_metadata = {});

  // The metadata for the upstream call of `request`. InvalidArgument naming
  // the header for a "-bin" value that is not base64 and for a value with
  // bytes outside printable ASCII.
  absl::StatusOr<upstream::Metadata> RequestMetadata(
      const http::Request& request, std::string_view request_id) const;

  // Adds the backend metadata the forward_response rules select (initial
  // metadata first, then trailers) to `response`.
  void AddBackendHeaders(const upstream::Metadata& headers,
                         const upstream::Metadata& trailers,
                         http::Response& response) const;

  // Applies the `response` rules, then sets x-request-id: `request_id`
  // (moved into the header's value).
  void FinishResponse(std::string request_id, http::Response& response) const;

 private:
  struct ResponseForward {
    std::string name;    // Exact key, or empty.
    std::string prefix;  // Key prefix, or empty.
    std::string rename;
  };
  bool Forwards(std::string_view lower_name) const;
  void AddBackendHeader(const std::string& key, const std::string& value,
                        http::Response& response) const;

  absl::flat_hash_set<std::string> forward_;  // Lower-case.
  std::vector<std::string> forward_prefixes_;
  absl::flat_hash_set<std::string> internal_;
  std::vector<ResponseForward> forward_response_;
  std::vector<config::v1::ResponseHeaderRule> response_rules_;
  std::string client_subject_key_;  // Lower-case, or empty.
};

// The header rules as the pipeline's "headers" stage: the upstream
// metadata of the request (RequestMetadata), or a 400 naming the header
// that cannot be forwarded.
class HeaderRulesStage final : public Stage {
 public:
  explicit HeaderRulesStage(std::shared_ptr<const HeaderRules> rules)
      : rules_(std::move(rules)) {}
  std::string_view name() const override { return "headers"; }
  Verdict Apply(Exchange& exchange) const override;

 private:
  std::shared_ptr<const HeaderRules> rules_;
};

}  // namespace protogate::policy
