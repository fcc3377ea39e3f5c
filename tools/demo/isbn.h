// ISBN-13 checksum validation for the demo bookstore's CheckIsbns.
//
// Thread safety: stateless.
#pragma once

#include <string_view>

namespace protogate::demo {

// True when `isbn` has exactly 13 digits once hyphens and spaces are removed
// and the digits weighted 1,3,1,3,... sum to a multiple of 10.
// Example: IsValidIsbn13("978-0-441-47812-5") == true.
bool IsValidIsbn13(std::string_view isbn);

}  // namespace protogate::demo
