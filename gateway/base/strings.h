// Conversions between std::string_view and absl::string_view.
//
// Debian 12's Abseil is built with ABSL_OPTION_USE_STD_STRING_VIEW=0, so
// absl::string_view is a distinct type. protogate's APIs use
// std::string_view; convert at calls into Abseil (StrCat, Status messages).
//
// Thread safety: stateless.
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace protogate::base {

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

inline std::string_view ToStd(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

}  // namespace protogate::base
