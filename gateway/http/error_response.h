// Error responses the HTTP server produces itself (framing errors, limits,
// a Responder dropped without an answer): google.rpc.Status-shaped JSON.
//
// Thread safety: stateless functions.
#pragma once

#include <string_view>

#include "gateway/http/response.h"

namespace protogate::http {

// The google.rpc.Code that corresponds to an HTTP status the server emits
// itself: 400 -> 3, 413/414/431 -> 8, 501/505 -> 12, 408 -> 4, 503 -> 14,
// anything else -> 13 (INTERNAL).
int RpcCodeForHttpStatus(int http_status);

// A Response with `http_status`, `Content-Type: application/json` and the body
// {"code":<rpc code>,"message":"<message>","details":[]}. `message` is JSON
// escaped (control and non-ASCII bytes become \u00XX).
Response MakeErrorResponse(int http_status, std::string_view message);

}  // namespace protogate::http
