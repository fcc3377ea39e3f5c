#include "gateway/routing/request_path.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "gateway/base/strings.h"
#include "gateway/routing/percent_encoding.h"

namespace protogate::routing {
namespace {

absl::Status PathError(std::string_view path, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("path \"", base::ToAbsl(path), "\": ", base::ToAbsl(what)));
}

bool IsForbidden(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte <= 0x20 || byte == 0x7f || c == '\\' || c == '#';
}

absl::Status CheckCharacters(std::string_view path) {
  if (path.empty() || path[0] != '/') {
    return PathError(path, "must start with '/'");
  }
  for (size_t i = 0; i < path.size(); ++i) {
    if (IsForbidden(path[i])) {
      return PathError(path, absl::StrCat("forbidden character at offset ", i));
    }
  }
  const size_t bad = FindMalformedEscape(path);
  if (bad != std::string_view::npos) {
    return PathError(
        path, absl::StrCat("malformed percent-encoding at offset ", bad));
  }
  const size_t nul = path.find("%00");
  if (nul != std::string_view::npos) {
    return PathError(path, absl::StrCat("encoded NUL at offset ", nul));
  }
  return absl::OkStatus();
}

}  // namespace

void RequestPath::Add(std::string_view raw) {
  raw_.push_back(raw);
  if (!NeedsCanonicalization(raw)) {
    canonical_.push_back(raw);
    return;
  }
  // Reserved for every segment at once, so earlier views never dangle.
  if (storage_.capacity() == 0) storage_.reserve(segment_count_);
  storage_.emplace_back();
  AppendCanonical(raw, &storage_.back());
  canonical_.push_back(storage_.back());
}

absl::Status RequestPath::Parse(std::string_view path) {
  if (absl::Status s = CheckCharacters(path); !s.ok()) return s;
  if (path == "/") return absl::OkStatus();
  segment_count_ =
      static_cast<size_t>(std::count(path.begin(), path.end(), '/'));
  return Normalize(path);
}

absl::Status RequestPath::Normalize(std::string_view path) {
  size_t start = 1;
  while (true) {
    const size_t slash = path.find('/', start);
    const bool last = slash == std::string_view::npos;
    const std::string_view raw =
        path.substr(start, last ? std::string_view::npos : slash - start);
    Add(raw);
    const std::string_view canonical = canonical_.back();
    if (canonical == "." || canonical == "..") {
      raw_.pop_back();
      canonical_.pop_back();
      if (canonical == "..") {
        if (raw_.empty()) return PathError(path, "'..' escapes the root");
        raw_.pop_back();
        canonical_.pop_back();
      }
      if (last) {
        raw_.push_back(std::string_view());
        canonical_.push_back(std::string_view());
      }
    }
    if (last) break;
    start = slash + 1;
  }
  if (raw_.size() == 1 && raw_[0].empty()) {  // "/x/.." is the root "/".
    raw_.clear();
    canonical_.clear();
  }
  return absl::OkStatus();
}

}  // namespace protogate::routing
