// Conversions between std::string_view and absl::string_view, and an ASCII
// case-insensitive comparison.
//
// Debian 12's Abseil is built with ABSL_OPTION_USE_STD_STRING_VIEW=0, so
// absl::string_view is a distinct type. protogate's APIs use
// std::string_view; convert at calls into Abseil (StrCat, Status messages).
//
// Thread safety: stateless.
#pragma once

#include <string_view>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace protogate::base {

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

inline std::string_view ToStd(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

// ASCII case-insensitive equality. Use it instead of boost::beast::iequals,
// which in Boost 1.81 reads one byte past the end of its arguments when
// their last bytes differ only in case (found by the http_request fuzzer).
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return absl::EqualsIgnoreCase(ToAbsl(a), ToAbsl(b));
}

}  // namespace protogate::base
