// Splits the body of a client-streaming request into its messages' JSON
// texts: a JSON array (`[{...}, {...}]`) or NDJSON (one JSON value a line,
// blank lines skipped). Only the structure is checked here; each element is
// then transcoded (and fully validated) on its own.
//
// Thread safety: stateless functions.
//
// Example:
//   PG_ASSIGN_OR_RETURN(std::vector<std::string_view> items,
//                       SplitJsonSequence(body, SequenceFormat::kJsonArray));
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace protogate::transcoding {

enum class SequenceFormat { kJsonArray, kNdjson };

// The elements of `body`, each trimmed of surrounding whitespace, pointing
// into `body`. InvalidArgument (naming the byte offset) for a body that is
// not one JSON array (an empty element, a trailing comma, an unterminated
// string or array, text after the closing bracket, unbalanced brackets in an
// element), or for an NDJSON line with unbalanced brackets. `max_items`
// bounds the count (InvalidArgument naming the limit).
absl::StatusOr<std::vector<std::string_view>> SplitJsonSequence(
    std::string_view body, SequenceFormat format, size_t max_items);

}  // namespace protogate::transcoding
