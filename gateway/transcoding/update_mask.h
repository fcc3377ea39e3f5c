// Filling a PATCH request's FieldMask from the fields present in its body.
//
// Thread safety: stateless function over immutable codecs.
#pragma once

#include <string>
#include <string_view>

#include "gateway/transcoding/message_codec.h"

namespace protogate::transcoding {

// Appends to `*wire` the field `mask_field` (a google.protobuf.FieldMask)
// holding the leaf paths (proto names) of the keys present in `body_json`, a
// JSON object of `body_codec`'s message. Presence is JSON presence: a key
// set to a default value (`false`, `0`, `""`, `null`) is in the mask. Plain
// nested messages are descended into (an empty object is one path); maps,
// repeated fields and well-known types are one path each. Unknown keys and
// the field `skip` (may be null) are left out.
// REQUIRES: `body_json` was accepted by JsonToWire for `body_codec`.
void AppendUpdateMask(const MessageCodec& body_codec,
                      std::string_view body_json, const FieldCodec& mask_field,
                      const FieldCodec* skip, std::string* wire);

}  // namespace protogate::transcoding
