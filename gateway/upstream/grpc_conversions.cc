#include "gateway/upstream/grpc_conversions.h"

#include <cstdio>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "gateway/upstream/malformed_response.h"
#include "grpcpp/support/slice.h"

namespace protogate::upstream {
namespace {

constexpr absl::string_view kStatusDetailsKey = "grpc-status-details-bin";

void DeleteString(void* user_data) {
  delete static_cast<std::string*>(user_data);
}

std::string ToString(grpc::string_ref ref) {
  return std::string(ref.data(), ref.size());
}

}  // namespace

void ConfigureContext(absl::Time deadline, absl::Duration default_timeout,
                      const Metadata& metadata, grpc::ClientContext& context) {
  if (deadline == absl::InfiniteFuture()) {
    deadline = absl::Now() + default_timeout;
  }
  context.set_deadline(absl::ToChronoTime(deadline));
  context.set_wait_for_ready(false);
  for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
}

grpc::ByteBuffer ByteBufferFromString(std::string&& payload) {
  auto* owned = new std::string(std::move(payload));
  grpc::Slice slice(owned->data(), owned->size(), &DeleteString, owned);
  return grpc::ByteBuffer(&slice, 1);
}

absl::Status ByteBufferToString(const grpc::ByteBuffer& buffer,
                                std::string& out) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) {
    return absl::InternalError("upstream response could not be read");
  }
  out.clear();
  out.reserve(buffer.Length());
  for (const grpc::Slice& slice : slices) {
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return absl::OkStatus();
}

Metadata ToMetadata(const GrpcMetadataMap& map) {
  Metadata out;
  out.reserve(map.size());
  for (const auto& [key, value] : map) {
    absl::string_view k(key.data(), key.size());
    if (k == "grpc-status" || k == "grpc-message" || k == kStatusDetailsKey) {
      continue;
    }
    out.emplace_back(ToString(key), ToString(value));
  }
  return out;
}

std::string StatusDetails(const grpc::Status& status,
                          const GrpcMetadataMap& trailers) {
  if (!status.error_details().empty()) return status.error_details();
  auto it = trailers.find(
      grpc::string_ref(kStatusDetailsKey.data(), kStatusDetailsKey.size()));
  return it == trailers.end() ? std::string() : ToString(it->second);
}

absl::Status ToAbslStatus(const grpc::Status& status, const CallSizes& sizes) {
  unsigned received = 0;
  int limit = 0;
  if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
      std::sscanf(status.error_message().c_str(),
                  "Received message larger than max (%u vs. %d)", &received,
                  &limit) == 2 &&
      limit == sizes.max_receive_message_bytes &&
      received != sizes.request_bytes) {
    return absl::InternalError(absl::StrFormat(
        "upstream response of %d bytes exceeds the receive limit of %d bytes",
        received, limit));
  }
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

void MarkMalformedResponse(const grpc::Status& status,
                           const GrpcMetadataMap& trailers,
                           CallResult& result) {
  if (IsMalformedResponseStatus(
          static_cast<absl::StatusCode>(status.error_code()),
          absl::string_view(status.error_message()),
          !StatusDetails(status, trailers).empty())) {
    result.malformed_response = true;
    result.status = absl::InternalError(
        absl::StrCat("malformed upstream response: ", status.error_message()));
  } else if (result.status.code() == absl::StatusCode::kInternal &&
             status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
    result.malformed_response = true;  // Over the receive limit.
  }
}

}  // namespace protogate::upstream
