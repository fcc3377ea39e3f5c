// TraceContext: W3C Trace Context (traceparent/tracestate) for one span:
// parsing an incoming `traceparent`, continuing it (same trace, new span id)
// or starting a trace (sampled with `sample_ratio` when there is no parent:
// parent-based sampling), and the child context of each upstream call.
//
// Ids come from a per-thread pseudo-random generator (xoshiro256**) seeded
// from std::random_device (W3C asks for random ids, not for secret ones).
//
// Thread safety: TraceContext is a value; Tracer is immutable after
// construction and may be shared by any number of threads.
//
// Example:
//   Tracer tracer(/*sample_ratio=*/0.01);
//   TraceContext server = tracer.Continue(request.header("traceparent"),
//                                         request.header("tracestate"));
//   TraceContext call = server.Child();
//   metadata.emplace_back("traceparent", call.Traceparent());
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace protogate::observability {

using TraceId = std::array<uint8_t, 16>;
using SpanId = std::array<uint8_t, 8>;

// An incoming `tracestate`, passed on unchanged. The contexts of one
// request (its server span and each call's) share one copy: a context
// moves or copies as a pointer, and most requests have none (null).
class Tracestate {
 public:
  Tracestate() = default;
  explicit Tracestate(std::string_view value)
      : value_(value.empty() ? nullptr
                             : std::make_shared<const std::string>(value)) {}
  std::string_view view() const {
    return value_ == nullptr ? std::string_view() : std::string_view(*value_);
  }
  bool empty() const { return value_ == nullptr; }

 private:
  std::shared_ptr<const std::string> value_;  // Null: absent or empty.
};

struct TraceContext {
  TraceId trace_id{};
  SpanId span_id{};         // This span.
  SpanId parent_span_id{};  // All zero for a root span.
  uint8_t flags = 0;        // Bit 0: sampled.
  Tracestate tracestate;    // Empty when absent.

  bool sampled() const { return (flags & 1) != 0; }
  bool has_parent() const { return parent_span_id != SpanId{}; }
  // "00-<trace id>-<span id>-<flags>", lower-case hex.
  std::string Traceparent() const;
  // The same 55 characters, written into `out`.
  void Traceparent(std::array<char, 55>& out) const;
  std::string TraceIdHex() const;
  std::string SpanIdHex() const;
  // The same, written into `out`; the view points into `out`.
  std::string_view TraceIdHex(char (&out)[32]) const;
  std::string_view SpanIdHex(char (&out)[16]) const;
  std::string ParentSpanIdHex() const;
  // A context for a call made within this span: same trace and flags, a
  // new span id, this span as its parent.
  TraceContext Child() const;
  // Another span of the same parent: same trace, flags and parent, a new
  // span id (the next attempt of a retried call).
  TraceContext Sibling() const;
};

// The parent named by a `traceparent` header (its span id becomes
// parent_span_id; span_id is left zero). InvalidArgument when the header
// does not follow the W3C grammar: version 00 is exactly
// "00-<32 hex>-<16 hex>-<2 hex>"; later versions may append "-...";
// version ff, upper-case hex and all-zero ids are invalid.
absl::StatusOr<TraceContext> ParseTraceparent(std::string_view header);

class Tracer {
 public:
  // REQUIRES: 0 <= sample_ratio <= 1.
  explicit Tracer(double sample_ratio);

  // The server span of a request: continues a valid `traceparent` (its
  // sampled flag decides) or starts a trace sampled with the ratio; an
  // invalid header starts a new trace and drops `tracestate`. Empty views
  // mean the header is absent.
  TraceContext Continue(std::string_view traceparent,
                        std::string_view tracestate) const;

 private:
  uint64_t threshold_;  // Sampled when a random 64-bit draw is below it.
  bool always_ = false;
};

}  // namespace protogate::observability
