// How gRPC C++ 1.51 reports a backend answer that is not a valid gRPC
// response, and the test that recognises those reports, so that such answers
// become CallResult::malformed_response (HTTP 502) instead of a backend
// status (500/503/...). Used for the calls that go through gRPC (streams,
// TLS, scheme targets); protogate's own HTTP/2 client judges answers itself
// (grpc_wire.h).
//
// Measured with a raw HTTP/2 backend (tests/testing/grpc/raw_h2_server.h,
// tests/upstream/malformed_response_test.cc), gRPC 1.51 gives:
//   :status 200, message, END_STREAM without trailers   UNKNOWN "Stream
//   removed" trailers (or a headers-only answer) without
//     grpc-status                                        UNKNOWN "No status
//     received"
//   grpc-status not a number                             UNKNOWN ""
//   grpc-status a number outside 0..16 (99, -1)          that number as the
//                                                        code, message ""
//   :status other than 200                               gRPC's HTTP mapping
//     (400 INTERNAL, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED,
//     404 UNIMPLEMENTED, 429/502/503/504 UNAVAILABLE, others UNKNOWN) with
//     "Received http2 header with status: N"
// Caveats: the "No status received" case needs gRPC's retry filter off
// (GRPC_ARG_ENABLE_RETRIES=0, grpc_upstreams.cc): with it on, gRPC 1.51
// aborts the process on an assertion. A bad grpc-status is indistinguishable
// from a backend's grpc-status 2 (UNKNOWN) without a message, so UNKNOWN
// with an empty message and no status details counts as malformed too.
//
// Thread safety: stateless.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace protogate::upstream {

// Whether a call that ended with `code` and `message` (and status details
// when `has_details`) is one of the reports above.
bool IsMalformedResponseStatus(absl::StatusCode code, absl::string_view message,
                               bool has_details);

}  // namespace protogate::upstream
