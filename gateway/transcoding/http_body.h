// google.api.HttpBody: raw HTTP bodies in and out of protobuf messages.
//
// A route whose body is a google.api.HttpBody (the whole request, or the
// `body: "field"` field) takes the raw request bytes and Content-Type
// instead of JSON; a response that is (or whose `response_body` field is) an
// HttpBody is sent as its `content_type` and raw `data`.
//
// Thread safety: stateless functions.
//
// Example:
//   std::string wire;
//   AppendHttpBody("text/csv", body, &wire);  // A whole HttpBody message.
//   PG_ASSIGN_OR_RETURN(HttpBodyView out, ReadHttpBody(response_wire,
//                                                      nullptr));
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"

namespace protogate::transcoding {

// True when `type` is google.api.HttpBody.
bool IsHttpBody(const google::protobuf::Descriptor* type);

// Appends the fields of an HttpBody message {content_type, data} to `*wire`
// (the message's contents, without a tag of its own).
void AppendHttpBody(std::string_view content_type, std::string_view data,
                    std::string* wire);

struct HttpBodyView {
  std::string content_type;
  std::string data;
};

// Reads the HttpBody encoded in `wire`: the whole message when `field` is
// null, else the (merged) occurrences of that top-level message field.
// Returns InvalidArgument for bytes that are not a valid encoding.
absl::StatusOr<HttpBodyView> ReadHttpBody(
    std::string_view wire, const google::protobuf::FieldDescriptor* field);

}  // namespace protogate::transcoding
