#include "gateway/policy/header_rules.h"

#include <array>
#include <cstring>
#include <random>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/base/header_names.h"
#include "gateway/base/hex.h"
#include "gateway/base/strings.h"
#include "gateway/config/config_validator.h"

namespace protogate::policy {
namespace {

constexpr size_t kMaxRequestIdLength = 128;

bool IsPrintableAscii(std::string_view value) {
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

std::string Lower(std::string_view s) {
  return absl::AsciiStrToLower(base::ToAbsl(s));
}

// Standard or URL-safe base64, padding optional.
bool DecodeBase64(std::string_view value, std::string& out) {
  absl::string_view v = base::ToAbsl(value);
  return absl::Base64Unescape(v, &out) || absl::WebSafeBase64Unescape(v, &out);
}

// The header names the request's Connection header lists (hop-by-hop).
bool ListedInConnection(const http::Request& request, std::string_view name) {
  std::optional<std::string_view> connection = request.header("connection");
  if (!connection) return false;
  for (absl::string_view token :
       absl::StrSplit(base::ToAbsl(*connection), ',')) {
    if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(token),
                               base::ToAbsl(name))) {
      return true;
    }
  }
  return false;
}

// The address part of "ip:port" or "[ipv6]:port", as X-Forwarded-For
// carries it.
std::string_view ClientAddress(std::string_view remote) {
  if (remote.starts_with('[')) {
    size_t end = remote.find(']');
    return end == std::string_view::npos ? remote : remote.substr(1, end - 1);
  }
  size_t colon = remote.find(':');
  if (colon != std::string_view::npos && remote.rfind(':') == colon) {
    return remote.substr(0, colon);
  }
  return remote;
}

void EraseHeader(http::Response& response, std::string_view name) {
  std::erase_if(response.headers, [name](const auto& header) {
    return absl::EqualsIgnoreCase(base::ToAbsl(header.first.view()),
                                  base::ToAbsl(name));
  });
}

// A streamed response's pieces, passed on to the wrapped responder's stream.
class ForwardingStreamSink final : public http::ResponseStream::Sink {
 public:
  explicit ForwardingStreamSink(http::ResponseStream inner)
      : inner_(std::move(inner)) {}
  void Write(std::string data, http::WriteDone done) override {
    inner_.Write(std::move(data), std::move(done));
  }
  void End(http::StreamEnd end, http::Trailers trailers) override {
    if (end == http::StreamEnd::kComplete) {
      inner_.Finish(std::move(trailers));
    } else {
      inner_.Abort();
    }
  }

 private:
  http::ResponseStream inner_;
};

using Header = http::HeaderField;

class FinishingSink final : public http::Responder::Sink {
 public:
  FinishingSink(ResponseFinisher&& finisher, http::Responder&& inner)
      : finisher_(std::move(finisher)), inner_(std::move(inner)) {}

  void SendResponse(http::Response response) override {
    finisher_.Apply(response);
    inner_.Send(std::move(response));
  }
  std::unique_ptr<http::ResponseStream::Sink> StartStream(
      http::Response head) override {
    finisher_.Apply(head);
    return std::make_unique<ForwardingStreamSink>(
        inner_.Stream(std::move(head)));
  }

 private:
  ResponseFinisher finisher_;
  http::Responder inner_;
};

}  // namespace

void ResponseFinisher::Apply(http::Response& response) {
  // Room for the stages' headers and X-Request-Id at once.
  response.headers.reserve(response.headers.size() + stage_headers_.size() + 1);
  for (Header& header : stage_headers_) {
    response.headers.push_back(std::move(header));
  }
  rules_->FinishResponse(std::move(request_id_), response);
}

http::Responder FinishingResponder(ResponseFinisher finisher,
                                   http::Responder inner) {
  return http::Responder(
      std::make_shared<FinishingSink>(std::move(finisher), std::move(inner)));
}

std::string RequestIdFor(const http::Request& request) {
  std::optional<std::string_view> id = request.header("x-request-id");
  if (id && !id->empty() && id->size() <= kMaxRequestIdLength &&
      IsPrintableAscii(*id)) {
    return std::string(*id);
  }
  thread_local std::mt19937_64 rng{std::random_device{}()};
  // Two random words as 32 hex digits (~150 instructions; Debian's
  // absl::StrCat with absl::Hex is out of line and costs ~390).
  std::array<uint8_t, 16> bytes;
  const uint64_t words[2] = {rng(), rng()};
  std::memcpy(bytes.data(), words, sizeof(words));
  std::string made(32, '\0');
  base::AppendLowerHex(bytes, made.data());
  return made;
}

HeaderRules::HeaderRules()
    : forward_(std::begin(kDefaultForwardedHeaders),
               std::end(kDefaultForwardedHeaders)) {}

absl::StatusOr<HeaderRules> HeaderRules::Create(
    const config::v1::HeadersConfig& config,
    std::string_view client_subject_metadata) {
  if (absl::Status s = config::ValidateHeaders(config); !s.ok()) return s;
  HeaderRules rules;
  rules.client_subject_key_ = Lower(client_subject_metadata);
  for (const std::string& name : config.forward()) {
    rules.forward_.insert(Lower(name));
  }
  for (const std::string& prefix : config.forward_prefixes()) {
    rules.forward_prefixes_.push_back(Lower(prefix));
  }
  for (const std::string& name : config.internal()) {
    rules.internal_.insert(Lower(name));
  }
  for (const config::v1::ResponseForwardRule& rule :
       config.forward_response()) {
    rules.forward_response_.push_back({.name = Lower(rule.name()),
                                       .prefix = Lower(rule.prefix()),
                                       .rename = Lower(rule.rename())});
  }
  rules.response_rules_.assign(config.response().begin(),
                               config.response().end());
  return rules;
}

bool HeaderRules::Forwards(std::string_view name) const {
  if (internal_.contains(base::ToAbsl(name))) return false;
  if (forward_.contains(base::ToAbsl(name))) return true;
  for (const std::string& prefix : forward_prefixes_) {
    if (name.starts_with(prefix)) return true;
  }
  return false;
}

absl::StatusOr<upstream::Metadata> HeaderRules::RequestMetadata(
    const http::Request& request, std::string_view request_id) const {
  upstream::Metadata metadata;
  // The forwarded headers, x-request-id, the client subject and
  // x-forwarded-for: one allocation, not one per growth.
  metadata.reserve(request.headers().size() + 3);
  // gRPC and gRPC-Web requests carry metadata as headers: all of them go,
  // but `internal` ones.
  const bool grpc = absl::StartsWithIgnoreCase(
      base::ToAbsl(request.header("content-type").value_or("")),
      "application/grpc");
  for (const auto& [raw_name, value] : request.headers()) {
    std::string name = Lower(raw_name);
    const bool forwarded =
        grpc ? !internal_.contains(base::ToAbsl(name)) : Forwards(name);
    if (name == "x-request-id" || name == "x-forwarded-for" ||
        name == client_subject_key_ || !forwarded ||
        !base::ForbiddenHeaderReason(name).empty() ||
        !base::IsMetadataKey(name) || ListedInConnection(request, name)) {
      continue;
    }
    if (name.ends_with("-bin")) {
      std::string decoded;
      if (!DecodeBase64(value, decoded)) {
        return absl::InvalidArgumentError(
            absl::StrCat("header ", name,
                         ": invalid base64 value (a -bin header carries "
                         "base64-encoded bytes)"));
      }
      metadata.emplace_back(std::move(name), std::move(decoded));
      continue;
    }
    if (!IsPrintableAscii(value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "header ", name,
          ": value must be printable ASCII (send bytes in a -bin header)"));
    }
    metadata.emplace_back(std::move(name), value);
  }
  metadata.emplace_back("x-request-id", std::string(request_id));
  if (!client_subject_key_.empty() &&
      !request.peer_certificate_subject().empty() &&
      IsPrintableAscii(request.peer_certificate_subject())) {
    metadata.emplace_back(client_subject_key_,
                          std::string(request.peer_certificate_subject()));
  }
  std::string forwarded(request.header("x-forwarded-for").value_or(""));
  if (!request.remote_address().empty()) {
    if (!forwarded.empty()) forwarded.append(", ");
    forwarded.append(ClientAddress(request.remote_address()));
  }
  if (!forwarded.empty() && IsPrintableAscii(forwarded)) {
    metadata.emplace_back("x-forwarded-for", std::move(forwarded));
  }
  return metadata;
}

void HeaderRules::AddBackendHeader(const std::string& key,
                                   const std::string& value,
                                   http::Response& response) const {
  if (!base::ForbiddenHeaderReason(key).empty()) return;
  for (const ResponseForward& rule : forward_response_) {
    std::string name;
    if (!rule.name.empty() && key == rule.name) {
      name = rule.rename.empty() ? key : rule.rename;
    } else if (!rule.prefix.empty() && key.starts_with(rule.prefix)) {
      name = rule.rename.empty()
                 ? key
                 : absl::StrCat(rule.rename, key.substr(rule.prefix.size()));
    } else {
      continue;
    }
    response.headers.emplace_back(
        std::move(name),
        key.ends_with("-bin") ? absl::Base64Escape(value) : value);
    return;
  }
}

void HeaderRules::AddBackendHeaders(const upstream::Metadata& headers,
                                    const upstream::Metadata& trailers,
                                    http::Response& response) const {
  if (forward_response_.empty()) return;
  for (const auto& [key, value] : headers) {
    AddBackendHeader(key, value, response);
  }
  for (const auto& [key, value] : trailers) {
    AddBackendHeader(key, value, response);
  }
}

void HeaderRules::FinishResponse(std::string request_id,
                                 http::Response& response) const {
  for (const config::v1::ResponseHeaderRule& rule : response_rules_) {
    switch (rule.action_case()) {
      case config::v1::ResponseHeaderRule::kSet:
        EraseHeader(response, rule.name());
        response.headers.emplace_back(rule.name(), rule.set());
        break;
      case config::v1::ResponseHeaderRule::kAdd:
        response.headers.emplace_back(rule.name(), rule.add());
        break;
      case config::v1::ResponseHeaderRule::kRemove:
        EraseHeader(response, rule.name());
        break;
      case config::v1::ResponseHeaderRule::ACTION_NOT_SET:
        break;
    }
  }
  EraseHeader(response, "x-request-id");
  response.headers.emplace_back(http::ConstantHeaderName("X-Request-Id"),
                                std::move(request_id));
}

Verdict HeaderRulesStage::Apply(Exchange& exchange) const {
  absl::StatusOr<upstream::Metadata> metadata =
      rules_->RequestMetadata(exchange.request(), exchange.request_id());
  if (!metadata.ok()) return Verdict::Error(metadata.status());
  exchange.metadata() = *std::move(metadata);
  return Verdict::Pass();
}

}  // namespace protogate::policy
