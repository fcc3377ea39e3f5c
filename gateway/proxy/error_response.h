// Builds the HTTP responses of errors and of finished upstream calls.
//
// Thread safety: stateless functions over immutable snapshots.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "aggregator/run_result.h"
#include "gateway/http/response.h"
#include "gateway/proxy/snapshot.h"
#include "gateway/transcoding/options.h"
#include "gateway/upstream/channel.h"

namespace protogate::proxy {

// A google.rpc.Status JSON body with the HTTP status `code` maps to.
http::Response ErrorResponse(absl::StatusCode code, std::string_view message);

// The HTTP response for a finished upstream call of route `rt`: the JSON
// response (200) — or, for a google.api.HttpBody response, its content type
// and raw bytes — the backend's error as google.rpc.Status JSON (its details
// included) with the mapped status, or 502 (code INTERNAL, "upstream response
// was malformed") for a response that is not a valid gRPC response
// (CallResult::malformed_response; the detail is logged) or ("...: not a
// valid <type>") not a valid message of the method's output type. Messages of
// transport-level failures (UNAVAILABLE, DEADLINE_EXCEEDED, UNKNOWN, INTERNAL,
// DATA_LOSS without details) are replaced by a generic one and logged, so no
// internal address leaks to clients.
http::Response UpstreamResponse(const Snapshot& snapshot,
                                const RouteRuntime& rt,
                                const upstream::CallResult& result,
                                const transcoding::PrintOptions& print);

// The HTTP response for a finished plan run of route `rt`: the merged
// response as JSON (200) with a `Server-Timing` entry per step and the
// plan's response headers (including its optional-failure marker), or the
// run's error as google.rpc.Status JSON with the mapped status.
http::Response PlanResponse(const Snapshot& snapshot, const RouteRuntime& rt,
                            const aggregator::RunResult& result,
                            const transcoding::PrintOptions& print);

}  // namespace protogate::proxy
