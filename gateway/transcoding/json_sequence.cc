#include "gateway/transcoding/json_sequence.h"

#include "absl/strings/str_cat.h"
#include "gateway/base/strings.h"

namespace protogate::transcoding {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Compaction threshold: consumed bytes kept before the buffer is shifted.
constexpr size_t kCompactBytes = 64 * 1024;

}  // namespace

absl::Status JsonSequenceSplitter::Fail(size_t local_offset,
                                        std::string_view what) {
  error_ = absl::InvalidArgumentError(absl::StrCat(
      "request body: ", base::ToAbsl(what), " at byte ",
      consumed_ + local_offset,
      " (a client stream is a JSON array of messages or NDJSON, one message "
      "a line)"));
  return error_;
}

absl::StatusOr<std::optional<std::string>> JsonSequenceSplitter::Emit(
    size_t begin, size_t end) {
  while (begin < end && IsSpace(buffer_[begin])) ++begin;
  while (end > begin && IsSpace(buffer_[end - 1])) --end;
  if (items_ == max_items_) {
    error_ = absl::InvalidArgumentError(
        absl::StrCat("request body: more than ", max_items_,
                     " messages in the client stream"));
    return error_;
  }
  ++items_;
  return std::optional<std::string>(buffer_.substr(begin, end - begin));
}

void JsonSequenceSplitter::Compact() {
  const size_t keep_from =
      phase_ == Phase::kInElement ? std::min(start_, pos_) : pos_;
  if (keep_from < kCompactBytes || keep_from < buffer_.size() / 2) return;
  buffer_.erase(0, keep_from);
  consumed_ += keep_from;
  pos_ -= keep_from;
  start_ -= std::min(start_, keep_from);
}

absl::StatusOr<std::optional<std::string>> JsonSequenceSplitter::Next() {
  if (!error_.ok()) return error_;
  Compact();
  return format_ == SequenceFormat::kJsonArray ? NextInArray() : NextLine();
}

bool JsonSequenceSplitter::ScanElement() {
  for (; pos_ < buffer_.size(); ++pos_) {
    const char c = buffer_[pos_];
    if (in_string_) {
      if (escape_) {
        escape_ = false;
      } else if (c == '\\') {
        escape_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
      continue;
    }
    if (c == '"') {
      in_string_ = true;
    } else if (c == '{' || c == '[') {
      open_.push_back(c);
    } else if (c == '}' || c == ']') {
      if (open_.empty()) return c == ']';
      if ((c == '}') != (open_.back() == '{')) {
        (void)Fail(pos_, "mismatched bracket");
        return false;
      }
      open_.pop_back();
    } else if (c == ',' && open_.empty()) {
      return true;
    }
  }
  return false;
}

absl::StatusOr<std::optional<std::string>> JsonSequenceSplitter::NextInArray() {
  while (true) {
    while (phase_ != Phase::kInElement && pos_ < buffer_.size() &&
           IsSpace(buffer_[pos_])) {
      ++pos_;
    }
    const bool at_end = pos_ == buffer_.size();
    if (at_end && !finished_) return std::nullopt;
    switch (phase_) {
      case Phase::kBeforeArray:
        if (at_end || buffer_[pos_] != '[') return Fail(pos_, "expected '['");
        ++pos_;
        phase_ = Phase::kFirst;
        break;
      case Phase::kFirst:
      case Phase::kNext:
        if (at_end) return Fail(pos_, "unterminated array");
        if (buffer_[pos_] == ']' && phase_ == Phase::kFirst) {
          ++pos_;
          phase_ = Phase::kAfterArray;
          break;
        }
        if (buffer_[pos_] == ',' || buffer_[pos_] == ']') {
          return Fail(pos_, "empty element");
        }
        start_ = pos_;
        phase_ = Phase::kInElement;
        break;
      case Phase::kInElement: {
        const bool ended = ScanElement();
        if (!error_.ok()) return error_;
        if (!ended) {
          if (!finished_) return std::nullopt;
          if (in_string_) return Fail(pos_, "unterminated string");
          if (!open_.empty()) return Fail(pos_, "unterminated value");
          return Fail(pos_, "unterminated array");
        }
        const bool last = buffer_[pos_] == ']';
        const size_t end = pos_++;
        phase_ = last ? Phase::kAfterArray : Phase::kNext;
        return Emit(start_, end);
      }
      case Phase::kAfterArray:
        if (!at_end) return Fail(pos_, "unexpected text after the array");
        return std::nullopt;
    }
  }
}

absl::StatusOr<std::optional<std::string>> JsonSequenceSplitter::NextLine() {
  while (true) {
    size_t newline = buffer_.find('\n', pos_);
    if (newline == std::string::npos) {
      if (!finished_ || pos_ == buffer_.size()) return std::nullopt;
      newline = buffer_.size();
    }
    size_t begin = pos_;
    while (begin < newline && IsSpace(buffer_[begin])) ++begin;
    size_t end = newline;
    while (end > begin && IsSpace(buffer_[end - 1])) --end;
    pos_ = std::min(newline + 1, buffer_.size());
    if (begin == end) continue;  // A blank line.
    // Scan just this line as one value.
    const size_t saved_pos = pos_;
    pos_ = begin;
    open_.clear();
    in_string_ = escape_ = false;
    const std::string line_end_guard = buffer_.substr(end);
    buffer_.resize(end);
    const bool stopped = ScanElement();
    const size_t stop = pos_;
    buffer_.append(line_end_guard);
    pos_ = saved_pos;
    if (!error_.ok()) return error_;
    if (stopped) return Fail(stop, "more than one value on a line");
    if (in_string_) return Fail(end, "unterminated string");
    if (!open_.empty()) return Fail(end, "unterminated value");
    return Emit(begin, end);
  }
}

}  // namespace protogate::transcoding
