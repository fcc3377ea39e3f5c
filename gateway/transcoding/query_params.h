// Splitting and percent-decoding of a raw URL query string.
//
// Thread safety: stateless functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace protogate::transcoding {

struct QueryParam {
  std::string name;   // Percent-decoded.
  std::string value;  // Percent-decoded.
};

// How '+' is decoded.
enum class PlusMode { kLiteral, kSpace };

// Percent-decodes `text`. False on a malformed escape.
bool PercentDecode(std::string_view text, PlusMode plus, std::string* out);

// Splits "a=1&b=2" into decoded parameters; empty pieces are skipped and a
// piece without '=' has an empty value. InvalidArgument on a malformed
// escape, naming the parameter.
absl::StatusOr<std::vector<QueryParam>> ParseQuery(
    std::string_view raw, PlusMode plus = PlusMode::kLiteral);

}  // namespace protogate::transcoding
