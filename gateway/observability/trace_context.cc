#include "gateway/observability/trace_context.h"

#include <bit>
#include <cstdint>
#include <cstring>
#include <random>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "absl/strings/str_cat.h"

namespace protogate::observability {
namespace {

constexpr char kHex[] = "0123456789abcdef";
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

// "00".."ff": two lower-case hex digits per byte value.
constexpr std::array<char, 512> kHexPairs = [] {
  std::array<char, 512> pairs{};
  for (int i = 0; i < 256; ++i) {
    pairs[2 * i] = kHex[i >> 4];
    pairs[2 * i + 1] = kHex[i & 15];
  }
  return pairs;
}();

#if defined(__SSE2__)
// The 16 nibbles of `nibbles` (one per byte, 0-15) as lower-case hex
// digits: '0' + n, plus 39 more ('a' - '0' - 10) where n > 9.
__m128i HexDigits(__m128i nibbles) {
  const __m128i letters = _mm_and_si128(
      _mm_cmpgt_epi8(nibbles, _mm_set1_epi8(9)), _mm_set1_epi8('a' - '0' - 10));
  return _mm_add_epi8(_mm_add_epi8(nibbles, _mm_set1_epi8('0')), letters);
}

// Writes the 16 hex digits of the 8 bytes in the low half of `bytes`
// (each byte's high nibble first).
void StoreHex16(__m128i bytes, char* out) {
  const __m128i mask = _mm_set1_epi8(0x0f);
  const __m128i high = _mm_and_si128(_mm_srli_epi16(bytes, 4), mask);
  const __m128i low = _mm_and_si128(bytes, mask);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out),
                   HexDigits(_mm_unpacklo_epi8(high, low)));
}
#endif

// Writes 2*N lower-case hex digits at `out`; returns the end. The ids
// (N = 16, 8) are written 16 digits per SSE2 step, with no table lookups:
// each request formats its ids and its calls' traceparents.
template <size_t N>
char* AppendHex(const std::array<uint8_t, N>& bytes, char* out) {
#if defined(__SSE2__)
  if constexpr (N % 8 == 0) {
    for (size_t i = 0; i < N; i += 8) {
      StoreHex16(
          _mm_loadl_epi64(reinterpret_cast<const __m128i*>(bytes.data() + i)),
          out + 2 * i);
    }
    return out + 2 * N;
  }
#endif
  for (uint8_t byte : bytes) {
    std::memcpy(out, &kHexPairs[2 * byte], 2);
    out += 2;
  }
  return out;
}

template <size_t N>
std::string Hex(const std::array<uint8_t, N>& bytes) {
  std::string out(2 * N, '0');
  AppendHex(bytes, out.data());
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
  p = AppendHex(trace_id, p);
  *p++ = '-';
  p = AppendHex(span_id, p);
  *p++ = '-';
  AppendHex(std::array<uint8_t, 1>{flags}, p);
}

std::string TraceContext::Traceparent() const {
  std::array<char, kVersion00Size> text;
  Traceparent(text);
  return std::string(text.data(), text.size());
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
