// The admin endpoints under /-/:
//   GET /-/healthz  200 {"status":"SERVING"} while serving, 503 while draining
//   GET /-/readyz   200 {"ready":true,"clusters":[{"name":..,
//                   "healthyEndpoints":N,"endpoints":M}]} when every cluster
//                   some route uses has a healthy endpoint; otherwise (or
//                   while draining) 503 with a google.rpc.Status body, e.g.
//                   "not ready: no healthy endpoint in cluster \"books\""
//   GET /-/routes   every route: gRPC method, HTTP method, template, source
//   GET /-/openapi.json  the OpenAPI 3.1 document of the live routes
//   GET /-/plans/{method}[?format=dot]  a compiled composition plan with its
//                   critical path, as JSON or Graphviz DOT
//   /-/explorer/... the API explorer page (gateway/explorer/explorer_page.h)
//
// Thread safety: stateless functions over an immutable snapshot.
#pragma once

#include <memory>

#include "gateway/http/request.h"
#include "gateway/http/responder.h"
#include "gateway/http/response.h"
#include "gateway/proxy/snapshot.h"

namespace protogate::admin {

// Answers a request whose path starts with "/-/". Unknown admin paths are
// 404 and other methods than GET are 405, as google.rpc.Status JSON.
http::Response HandleAdminRequest(const proxy::Snapshot& snapshot,
                                  const http::Request& request, bool serving);

// Answers `request` through `responder` as HandleAdminRequest does, with the
// snapshot's header rules applied (x-request-id, response rules); a path
// outside /-/ is 404. Any thread.
void ServeAdmin(std::shared_ptr<const proxy::Snapshot> snapshot,
                const http::Request& request, http::Responder responder,
                bool serving);

}  // namespace protogate::admin
