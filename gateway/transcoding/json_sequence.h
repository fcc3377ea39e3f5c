// Splits the body of a client-streaming request into its messages' JSON
// texts: a JSON array (`[{...}, {...}]`) or NDJSON (one JSON value a line,
// blank lines skipped). Only the structure is checked here; each element is
// then transcoded (and fully validated) on its own.
//
// It works incrementally, on a body that arrives piece by piece, and holds
// only the bytes of the element being read.
//
// Errors (InvalidArgument, naming the byte offset from the start of the
// body): not one JSON array (missing '[', an empty element, a trailing
// comma, an unterminated string or array, text after the closing bracket,
// mismatched brackets in an element); an NDJSON line with unbalanced
// brackets or more than one value; more than `max_items` elements.
//
// Thread safety: a splitter is used by one thread at a time.
//
// Example:
//   JsonSequenceSplitter splitter(SequenceFormat::kNdjson, 1000);
//   splitter.Feed(piece);
//   while (true) {
//     PG_ASSIGN_OR_RETURN(std::optional<std::string> item, splitter.Next());
//     if (!item.has_value()) break;  // Needs more input (or Finish()).
//     ...
//   }
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace protogate::transcoding {

enum class SequenceFormat { kJsonArray, kNdjson };

class JsonSequenceSplitter {
 public:
  JsonSequenceSplitter(SequenceFormat format, size_t max_items)
      : format_(format), max_items_(max_items) {}

  // Appends the next bytes of the body. REQUIRES: before Finish().
  void Feed(std::string_view data) { buffer_.append(data); }
  // Marks the end of the body; Next() then returns what remains and reports
  // an unterminated array or value.
  void Finish() { finished_ = true; }

  // The next complete element (trimmed of surrounding whitespace), or
  // nullopt when more input is needed (or, after Finish(), when the body is
  // exhausted). After an error, every call returns it again.
  absl::StatusOr<std::optional<std::string>> Next();

 private:
  enum class Phase { kBeforeArray, kFirst, kNext, kInElement, kAfterArray };

  absl::StatusOr<std::optional<std::string>> NextInArray();
  absl::StatusOr<std::optional<std::string>> NextLine();
  // Scans an element from pos_; true when it ended at a ',' or ']' at depth 0.
  bool ScanElement();
  absl::Status Fail(size_t local_offset, std::string_view what);
  absl::StatusOr<std::optional<std::string>> Emit(size_t begin, size_t end);
  void Compact();

  const SequenceFormat format_;
  const size_t max_items_;
  std::string buffer_;
  size_t consumed_ = 0;  // Body offset of buffer_[0].
  size_t pos_ = 0;       // Scan position in buffer_.
  size_t start_ = 0;     // Start of the current element in buffer_.
  size_t items_ = 0;
  bool finished_ = false;
  Phase phase_ = Phase::kBeforeArray;
  std::vector<char> open_;  // Brackets open in the current element.
  bool in_string_ = false;
  bool escape_ = false;
  absl::Status error_;
};

}  // namespace protogate::transcoding
