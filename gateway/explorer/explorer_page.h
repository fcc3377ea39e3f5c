// The API explorer, a page served under /-/explorer by the admin endpoints:
// the live route table with search, each method's request and response
// schema (from /-/openapi.json), a try-it form (status, headers, timing,
// JSON; an optional bearer token), and every composition plan drawn as a
// graph of its steps with the Server-Timing of the last call on it.
//
// The page (HTML, CSS, JavaScript in assets/) is compiled into the binary
// (embedded_assets.h); it loads nothing from other origins. It reads the
// other admin endpoints of the same listener, and asks POST
// /-/explorer/plans {"methods":[...]} -> {"plans":[...]} which of the
// methods have a composition plan (answered with `has_plan`).
//
// Thread safety: stateless; the assets are immutable.
//
// Example (in the admin handler, before other /-/ paths):
//   if (explorer::IsExplorerPath(path)) {
//     return explorer::ExplorerResponse(request, [&](std::string_view m) {
//       return snapshot.FindPlan(m) != nullptr; });
//   }
#pragma once

#include <string_view>

#include "absl/functional/function_ref.h"
#include "gateway/http/request.h"
#include "gateway/http/response.h"

namespace protogate::explorer {

// Whether `path` is "/-/explorer" or below it.
bool IsExplorerPath(std::string_view path);

// Answers a request for an explorer path:
//   GET /-/explorer, /-/explorer/        the page (text/html)
//   GET /-/explorer/explorer.js|.css     its script and style sheet
//   POST /-/explorer/plans               {"plans":[methods with a plan]}
// 404 for other paths, 405 for other methods (google.rpc.Status JSON), 400
// for a plans body that is not {"methods":[strings]}. Assets carry
// `Cache-Control: no-cache` (they change with the binary) and a
// Content-Security-Policy allowing only this origin.
// REQUIRES: IsExplorerPath(request.path()).
http::Response ExplorerResponse(
    const http::Request& request,
    absl::FunctionRef<bool(std::string_view method)> has_plan);

}  // namespace protogate::explorer
