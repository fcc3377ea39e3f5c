// RequestPath: a request's path split into segments for matching.
//
// Parse() validates and splits the still percent-encoded path:
//  - it must start with '/'; "/" has no segments, otherwise the text after
//    the leading '/' is split on raw '/' only ("%2F" never splits);
//  - control characters, space, DEL, '\', '#', malformed %-escapes and an
//    encoded NUL ("%00") are rejected;
//  - dot segments ("." and "..", also as "%2e", "%2E%2e", ...) are removed
//    as in RFC 3986 section 5.2.4 ("/a/b/../c" is "/a/c", "/a/." is "/a/");
//    a ".." above the root is rejected.
// Each segment is kept both raw (for variable values, decoded later, once)
// and in the canonical form of percent_encoding.h (to compare literals).
//
// Thread safety: not thread-safe; a per-request scratch object.
// Ownership: views point into the parsed path, which must outlive this
// object, and into this object (hence neither copyable nor movable).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"

namespace protogate::routing {

class RequestPath {
 public:
  using Segments = absl::InlinedVector<std::string_view, 16>;

  RequestPath() = default;
  RequestPath(const RequestPath&) = delete;
  RequestPath& operator=(const RequestPath&) = delete;

  // Returns InvalidArgument naming the path and what is wrong with it.
  absl::Status Parse(std::string_view path);

  Segments& raw() { return raw_; }
  Segments& canonical() { return canonical_; }

 private:
  void Add(std::string_view raw);
  absl::Status Normalize(std::string_view path);

  Segments raw_;
  Segments canonical_;
  std::vector<std::string> storage_;  // Canonical forms that differ from raw.
  size_t segment_count_ = 0;          // Before dot-segment removal.
};

}  // namespace protogate::routing
