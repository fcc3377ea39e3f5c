#include "gateway/observability/trace_context.h"

#include <bit>
#include <cstdint>
#include <cstring>
#include <random>

#include "absl/strings/str_cat.h"
#include "gateway/base/hex.h"

namespace protogate::observability {
namespace {

constexpr size_t kVersion00Size = 55;   // 2+1+32+1+16+1+2.
constexpr size_t kMaxTracestate = 512;  // W3C: at least 512 kept.

// xoshiro256** (Blackman and Vigna): a per-thread generator seeded from
// std::random_device on the thread's first draw, a few instructions per
// 64-bit draw (std::mt19937_64 cost several times more). Seeded() is
// asked once per trace context, not per draw.
thread_local uint64_t generator_state[4] = {0, 0, 0, 0};

// The seeding, out of line: inlined, its std::random_device made every
// Seeded() call save five registers and set up a 5 KiB frame.
[[gnu::noinline, gnu::cold]] uint64_t* Seed() {
  std::random_device device;
  for (uint64_t& word : generator_state) {
    word = (static_cast<uint64_t>(device()) << 32) ^ device();
  }
  generator_state[0] |= 1;  // Never the all-zero state.
  return generator_state;
}

inline uint64_t* Seeded() {
  uint64_t* const state = generator_state;
  if ((state[0] | state[1] | state[2] | state[3]) == 0) [[unlikely]] {
    return Seed();
  }
  return state;
}

inline uint64_t NextRandom(uint64_t* state) {
  const uint64_t result = std::rotl(state[1] * 5, 7) * 9;
  const uint64_t t = state[1] << 17;
  state[2] ^= state[0];
  state[3] ^= state[1];
  state[1] ^= state[2];
  state[0] ^= state[3];
  state[2] ^= t;
  state[3] = std::rotl(state[3], 45);
  return result;
}

template <size_t N>
void FillRandom(std::array<uint8_t, N>& bytes, uint64_t* state) {
  static_assert(N % 8 == 0);
  uint64_t any = 0;
  do {
    for (size_t i = 0; i < N; i += 8) {
      const uint64_t r = NextRandom(state);
      any |= r;
      std::memcpy(bytes.data() + i, &r, sizeof(r));
    }
  } while (any == 0);  // All zero is invalid.
}

template <size_t N>
std::string Hex(const std::array<uint8_t, N>& bytes) {
  std::string out(2 * N, '0');
  base::AppendLowerHex(bytes, out.data());
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

}  // namespace

void TraceContext::Traceparent(std::array<char, kVersion00Size>& out) const {
  char* p = out.data();
  *p++ = '0';
  *p++ = '0';
  *p++ = '-';
  p = base::AppendLowerHex(trace_id, p);
  *p++ = '-';
  p = base::AppendLowerHex(span_id, p);
  *p++ = '-';
  base::AppendLowerHex(std::array<uint8_t, 1>{flags}, p);
}

std::string TraceContext::Traceparent() const {
  std::array<char, kVersion00Size> text;
  Traceparent(text);
  return std::string(text.data(), text.size());
}

std::string TraceContext::TraceIdHex() const { return Hex(trace_id); }
std::string TraceContext::SpanIdHex() const { return Hex(span_id); }
std::string_view TraceContext::TraceIdHex(char (&out)[32]) const {
  base::AppendLowerHex(trace_id, out);
  return std::string_view(out, sizeof(out));
}
std::string_view TraceContext::SpanIdHex(char (&out)[16]) const {
  base::AppendLowerHex(span_id, out);
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
  FillRandom(child.span_id, Seeded());
  return child;
}

TraceContext TraceContext::Sibling() const {
  TraceContext sibling = *this;
  FillRandom(sibling.span_id, Seeded());
  return sibling;
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

namespace {

// Continues a valid `traceparent` into `context` (a new span id); false
// when it does not parse. Out of line: the parse's registers are saved
// only when a request carries the header.
[[gnu::noinline]] bool ContinueParent(std::string_view traceparent,
                                      std::string_view tracestate,
                                      TraceContext& context) {
  absl::StatusOr<TraceContext> parent = ParseTraceparent(traceparent);
  if (!parent.ok()) return false;
  context = *std::move(parent);
  if (tracestate.size() <= kMaxTracestate) {
    context.tracestate = Tracestate(tracestate);
  }
  FillRandom(context.span_id, Seeded());
  return true;
}

}  // namespace

TraceContext Tracer::Continue(std::string_view traceparent,
                              std::string_view tracestate) const {
  TraceContext context;
  if (!traceparent.empty() &&
      ContinueParent(traceparent, tracestate, context)) {
    return context;
  }
  uint64_t* const state = Seeded();
  FillRandom(context.trace_id, state);
  FillRandom(context.span_id, state);
  context.flags = (always_ || NextRandom(state) < threshold_) ? 1 : 0;
  return context;
}

}  // namespace protogate::observability
