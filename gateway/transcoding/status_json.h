// The gRPC status <-> HTTP mapping and google.rpc.Status JSON bodies.
//
// Thread safety: stateless functions.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gateway/transcoding/codec_set.h"

namespace protogate::transcoding {

// The HTTP status for a canonical code (see docs/HTTP_RULES.md, Errors):
// OK 200, CANCELLED 499, UNKNOWN 500, INVALID_ARGUMENT 400, ... UNAVAILABLE
// 503.
int HttpStatusFromCode(absl::StatusCode code);

// `{"code":<int>,"message":"<escaped message>","details":[]}`.
std::string StatusToJson(absl::StatusCode code, std::string_view message);

// JSON for a serialized google.rpc.Status (e.g. from the
// grpc-status-details-bin trailer). Details whose type `codecs` knows print
// as JSON with "@type"; unknown ones keep "@type" and a base64 "value".
// Returns InvalidArgument when `status_wire` is not a valid google.rpc.Status.
absl::StatusOr<std::string> StatusWireToJson(const CodecSet& codecs,
                                             std::string_view status_wire);

}  // namespace protogate::transcoding
