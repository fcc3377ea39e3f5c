#include "gateway/observability/trace_context.h"

#include <cstdint>
#include <random>

#include "absl/strings/str_cat.h"

namespace protogate::observability {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr size_t kVersion00Size = 55;   // 2+1+32+1+16+1+2.
constexpr size_t kMaxTracestate = 512;  // W3C: at least 512 kept.

uint64_t NextRandom() {
  thread_local std::mt19937_64 generator([] {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  }());
  return generator();
}

template <size_t N>
void FillRandom(std::array<uint8_t, N>& bytes) {
  do {
    for (size_t i = 0; i < N; i += 8) {
      uint64_t r = NextRandom();
      for (size_t j = 0; j < 8 && i + j < N; ++j) bytes[i + j] = r >> (8 * j);
    }
  } while (bytes == std::array<uint8_t, N>{});  // All zero is invalid.
}

template <size_t N>
std::string Hex(const std::array<uint8_t, N>& bytes) {
  std::string out(2 * N, '0');
  for (size_t i = 0; i < N; ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 15];
  }
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // Upper case is invalid in traceparent.
}

// Decodes 2*N lower-case hex characters; false on any other character.
template <size_t N>
bool ParseHex(std::string_view text, std::array<uint8_t, N>& out) {
  if (text.size() != 2 * N) return false;
  for (size_t i = 0; i < N; ++i) {
    int high = HexDigit(text[2 * i]);
    int low = HexDigit(text[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<uint8_t>(high << 4 | low);
  }
  return true;
}

// Writes 2*N lower-case hex digits at `out`; returns the end.
template <size_t N>
char* AppendHex(const std::array<uint8_t, N>& bytes, char* out) {
  for (uint8_t byte : bytes) {
    *out++ = kHex[byte >> 4];
    *out++ = kHex[byte & 15];
  }
  return out;
}

}  // namespace

std::string TraceContext::Traceparent() const {
  std::string out(kVersion00Size, '-');  // One allocation.
  char* p = out.data();
  *p++ = '0';
  *p++ = '0';
  p = AppendHex(trace_id, p + 1);
  p = AppendHex(span_id, p + 1);
  AppendHex(std::array<uint8_t, 1>{flags}, p + 1);
  return out;
}

std::string TraceContext::TraceIdHex() const { return Hex(trace_id); }
std::string TraceContext::SpanIdHex() const { return Hex(span_id); }
std::string_view TraceContext::TraceIdHex(char (&out)[32]) const {
  AppendHex(trace_id, out);
  return std::string_view(out, sizeof(out));
}
std::string_view TraceContext::SpanIdHex(char (&out)[16]) const {
  AppendHex(span_id, out);
  return std::string_view(out, sizeof(out));
}
std::string TraceContext::ParentSpanIdHex() const {
  return Hex(parent_span_id);
}

TraceContext TraceContext::Child() const {
  TraceContext child;
  child.trace_id = trace_id;
  child.parent_span_id = span_id;
  child.flags = flags;
  child.tracestate = tracestate;
  FillRandom(child.span_id);
  return child;
}

absl::StatusOr<TraceContext> ParseTraceparent(std::string_view header) {
  auto invalid = [] {
    return absl::InvalidArgumentError(
        "header \"traceparent\": expected 00-<trace-id>-<parent-id>-<flags>");
  };
  if (header.size() < kVersion00Size) return invalid();
  std::array<uint8_t, 1> version{};
  std::array<uint8_t, 1> flags{};
  TraceContext context;
  if (!ParseHex(header.substr(0, 2), version) || version[0] == 0xff ||
      header[2] != '-' || !ParseHex(header.substr(3, 32), context.trace_id) ||
      header[35] != '-' ||
      !ParseHex(header.substr(36, 16), context.parent_span_id) ||
      header[52] != '-' || !ParseHex(header.substr(53, 2), flags)) {
    return invalid();
  }
  if (header.size() > kVersion00Size &&
      (version[0] == 0 || header[kVersion00Size] != '-')) {
    return invalid();
  }
  if (context.trace_id == TraceId{} || context.parent_span_id == SpanId{}) {
    return invalid();
  }
  context.flags = flags[0] & 1;  // Only "sampled" is defined for version 00.
  return context;
}

Tracer::Tracer(double sample_ratio)
    : threshold_(sample_ratio <= 0 ? 0
                 : sample_ratio >= 1
                     ? UINT64_MAX
                     : static_cast<uint64_t>(
                           sample_ratio * 18446744073709551616.0 /* 2^64 */)),
      always_(sample_ratio >= 1) {}

TraceContext Tracer::Continue(std::string_view traceparent,
                              std::string_view tracestate) const {
  TraceContext context;
  if (!traceparent.empty()) {
    absl::StatusOr<TraceContext> parent = ParseTraceparent(traceparent);
    if (parent.ok()) {
      context = *std::move(parent);
      if (tracestate.size() <= kMaxTracestate) {
        context.tracestate = std::string(tracestate);
      }
      FillRandom(context.span_id);
      return context;
    }
  }
  FillRandom(context.trace_id);
  FillRandom(context.span_id);
  context.flags = (always_ || NextRandom() < threshold_) ? 1 : 0;
  return context;
}

}  // namespace protogate::observability
