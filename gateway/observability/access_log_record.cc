#include "gateway/observability/access_log_record.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "absl/strings/numbers.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gateway/base/byte_words.h"

namespace protogate::observability {
namespace {

// Bytes at most one JSON-escaped byte takes ("\u00XX").
constexpr size_t kMaxEscapedBytes = 6;
// Bytes of everything but the string values: the keys, quotes, the time,
// the numbers (at most 20 digits each) and the line end.
constexpr size_t kMaxFixedBytes = 512;

char* Copy(char* out, std::string_view text) {
  std::memcpy(out, text.data(), text.size());
  return out + text.size();
}

// "00" to "99": two digits by one table load, not a division and a
// remainder.
constexpr std::array<char, 200> kDigitPairs = [] {
  std::array<char, 200> pairs{};
  for (int i = 0; i < 100; ++i) {
    pairs[2 * i] = static_cast<char>('0' + i / 10);
    pairs[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
  return pairs;
}();

// Writes `value` (0-99) as 2 decimal digits.
char* TwoDigits(char* out, int value) {
  std::memcpy(out, &kDigitPairs[2 * static_cast<unsigned>(value)], 2);
  return out + 2;
}

// "YYYY-MM-DDTHH:MM:SS" (19 bytes) of a UTC second.
std::array<char, 19> FormatSecond(int64_t unix_seconds) {
  const absl::CivilSecond civil = absl::ToCivilSecond(
      absl::FromUnixSeconds(unix_seconds), absl::UTCTimeZone());
  std::array<char, 19> text;
  char* p = text.data();
  const int64_t year = civil.year();
  p = TwoDigits(p, static_cast<int>(year / 100 % 100));
  p = TwoDigits(p, static_cast<int>(year % 100));
  *p++ = '-';
  p = TwoDigits(p, civil.month());
  *p++ = '-';
  p = TwoDigits(p, civil.day());
  *p++ = 'T';
  p = TwoDigits(p, civil.hour());
  *p++ = ':';
  p = TwoDigits(p, civil.minute());
  *p++ = ':';
  TwoDigits(p, civil.second());
  return text;
}

// RFC 3339 UTC with microseconds (27 bytes). The date and time up to the
// second are formatted once per second per thread; only the microseconds
// are written per line. The time is split by integer division (absl's
// ToUnixMicros is a call).
char* Rfc3339Micros(char* out, int64_t unix_ns) {
  thread_local int64_t cached_second = INT64_MIN;
  thread_local std::array<char, 19> seconds_text;
  int64_t second = unix_ns / 1000000000;
  int64_t fraction = unix_ns % 1000000000;
  if (fraction < 0) {
    fraction += 1000000000;
    --second;
  }
  if (second != cached_second) {
    seconds_text = FormatSecond(second);
    cached_second = second;
  }
  std::memcpy(out, seconds_text.data(), seconds_text.size());
  out += seconds_text.size();
  *out++ = '.';
  const int micros_part = static_cast<int>(fraction / 1000);  // 0-999999.
  out = TwoDigits(out, micros_part / 10000);
  out = TwoDigits(out, micros_part / 100 % 100);
  out = TwoDigits(out, micros_part % 100);
  *out = 'Z';
  return out + 1;
}

// Bytes a JSON string must escape: `"`, `\` and control characters.
constexpr std::array<bool, 256> kEscaped = [] {
  std::array<bool, 256> escaped{};
  for (int c = 0; c < 0x20; ++c) escaped[c] = true;
  escaped['"'] = escaped['\\'] = true;
  return escaped;
}();

char* Escaped(char* out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '"':
      return Copy(out, "\\\"");
    case '\\':
      return Copy(out, "\\\\");
    case '\n':
      return Copy(out, "\\n");
    case '\r':
      return Copy(out, "\\r");
    case '\t':
      return Copy(out, "\\t");
    default:
      out = Copy(out, "\\u00");
      *out++ = kHex[c >> 4];
      *out++ = kHex[c & 0xf];
      return out;
  }
}

// Whether one of the 8 bytes at `p` needs escaping.
bool AnyEscaped(const char* p) {
  uint64_t x;
  std::memcpy(&x, p, sizeof(x));
  return base::AnyJsonEscapedByte(x) != 0;
}

// `value` as a JSON string, escaped; other bytes as they are (as
// rapidjson's Writer does without UTF-8 validation). Runs of 8 bytes that
// need no escaping are skipped a word at a time, the last partial run with
// the word that ends the value. Out of line and cold: inlined into
// JsonString it made every call save and restore six registers.
[[gnu::noinline, gnu::cold]] char* EscapedJsonString(char* out,
                                                     std::string_view value) {
  *out++ = '"';
  size_t plain = 0;  // Start of the bytes not yet written.
  size_t i = 0;
  while (i < value.size()) {
    if (value.size() - i >= 8 && !AnyEscaped(value.data() + i)) {
      i += 8;
      continue;
    }
    // The last partial word: the 8 bytes that end the value.
    if (value.size() - i < 8 && value.size() >= 8 &&
        !AnyEscaped(value.data() + value.size() - 8)) {
      break;
    }
    const size_t end = std::min(value.size(), i + 8);
    for (; i < end; ++i) {
      const unsigned char c = static_cast<unsigned char>(value[i]);
      if (!kEscaped[c]) continue;
      out = Copy(out, value.substr(plain, i - plain));
      out = Escaped(out, c);
      plain = i + 1;
    }
  }
  out = Copy(out, value.substr(plain));
  *out++ = '"';
  return out;
}

// Whether one of the `N` bytes at `p` needs escaping; copies them to `out`
// when none does (both may overlap bytes already copied).
template <size_t N>
bool CopyPlain(const char* p, char* out) {
#if defined(__SSE2__)
  if constexpr (N == 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i below = _mm_set1_epi8(0x1f);  // Unsigned x <= 0x1f.
    const __m128i escaped =
        _mm_or_si128(_mm_cmpeq_epi8(_mm_max_epu8(x, below), below),
                     _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
                                  _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))));
    if (_mm_movemask_epi8(escaped) != 0) return false;
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), x);
    return true;
  }
#endif
  static_assert(N % 8 == 0);
  for (size_t i = 0; i < N; i += 8) {
    uint64_t x;
    std::memcpy(&x, p + i, sizeof(x));
    if (base::AnyJsonEscapedByte(x) != 0) return false;
    std::memcpy(out + i, &x, sizeof(x));
  }
  return true;
}

// The same; a value with nothing to escape (the usual case) is checked
// and copied in one pass, 16 bytes at a time (8 for shorter values), the
// last step overlapping the one before. The line has room for
// kMaxEscapedBytes per byte of the value, so whole steps may be stored.
char* JsonString(char* out, std::string_view value) {
  const char* const in = value.data();
  const size_t size = value.size();
  char* const text = out + 1;
  bool plain = true;
  if (size >= 16) {
    for (size_t i = 0; plain && i + 16 < size; i += 16) {
      plain = CopyPlain<16>(in + i, text + i);
    }
    plain = plain && CopyPlain<16>(in + size - 16, text + size - 16);
  } else if (size >= 8) {
    plain =
        CopyPlain<8>(in, text) && CopyPlain<8>(in + size - 8, text + size - 8);
  } else {
    for (size_t i = 0; plain && i < size; ++i) {
      plain = !kEscaped[static_cast<unsigned char>(in[i])];
      text[i] = in[i];
    }
  }
  if (!plain) return EscapedJsonString(out, value);
  out[0] = '"';
  text[size] = '"';
  return text + size + 1;
}

// `,"key":` (the key is a literal with its quotes and colon). A template
// on the literal's size: the copy is a few stores, not a memcpy call.
template <size_t N>
char* Key(char* out, const char (&quoted_key)[N]) {
  *out = ',';
  std::memcpy(out + 1, quoted_key, N - 1);
  return out + N;
}

template <size_t N>
char* String(char* out, const char (&quoted_key)[N], std::string_view value) {
  if (value.empty()) return out;
  return JsonString(Key(out, quoted_key), value);
}

// Copies `text` by fixed-size blocks, not a memcpy call: two that overlap
// for 4-16 bytes, 16-byte steps (the last overlapping) beyond.
[[gnu::always_inline]] inline char* CopySmall(char* out,
                                              std::string_view text) {
  const char* const in = text.data();
  const size_t size = text.size();
  if (size >= 16) {
    for (size_t i = 0; i + 16 < size; i += 16) std::memcpy(out + i, in + i, 16);
    std::memcpy(out + size - 16, in + size - 16, 16);
  } else if (size >= 8) {
    std::memcpy(out, in, 8);
    std::memcpy(out + size - 8, in + size - 8, 8);
  } else if (size >= 4) {
    std::memcpy(out, in, 4);
    std::memcpy(out + size - 4, in + size - 4, 4);
  } else {
    for (size_t i = 0; i < size; ++i) out[i] = in[i];
  }
  return out + size;
}

// A value that needs no escaping by construction (an HTTP method token,
// an IP address, a gRPC method name, hex ids).
template <size_t N>
char* Plain(char* out, const char (&quoted_key)[N], std::string_view value) {
  if (value.empty()) return out;
  out = Key(out, quoted_key);
  *out++ = '"';
  out = CopySmall(out, value);
  *out++ = '"';
  return out;
}

// A hex id: `Digits` characters as a rule (then copied as a fixed-size
// block), any other length as Plain().
template <size_t Digits, size_t N>
char* Hex(char* out, const char (&quoted_key)[N], std::string_view value) {
  if (value.size() != Digits) return Plain(out, quoted_key, value);
  out = Key(out, quoted_key);
  *out++ = '"';
  std::memcpy(out, value.data(), Digits);
  out[Digits] = '"';
  return out + Digits + 1;
}

// `value` in decimal; 0-999 (statuses, codes, most durations in ms and
// small sizes) without a call.
inline char* Decimal(char* out, int64_t value) {
  if (value < 0 || value >= 1000) {
    return absl::numbers_internal::FastIntToBuffer(value, out);
  }
  const int small = static_cast<int>(value);
  if (small < 10) {
    *out = static_cast<char>('0' + small);
    return out + 1;
  }
  if (small < 100) return TwoDigits(out, small);
  *out = static_cast<char>('0' + small / 100);
  return TwoDigits(out + 1, small % 100);
}

template <size_t N>
char* Integer(char* out, const char (&quoted_key)[N], int64_t value) {
  return Decimal(Key(out, quoted_key), value);
}

// Milliseconds with the microseconds as 3 decimals (truncated; a negative
// duration is written as its whole milliseconds).
char* DurationMs(char* out, int64_t duration_ns) {
  const int64_t micros = duration_ns / 1000;
  out = Integer(out, "\"duration_ms\":", micros / 1000);
  if (micros < 0) return out;
  const int64_t fraction = micros % 1000;
  out[0] = '.';
  out[1] = static_cast<char>('0' + fraction / 100);
  out[2] = static_cast<char>('0' + fraction / 10 % 10);
  out[3] = static_cast<char>('0' + fraction % 10);
  return out + 4;
}

size_t MaxLineSize(const AccessLogRecord& r) {
  const size_t escaped = r.request_id.size() + r.target.size() +
                         r.cluster.size() + r.endpoint.size() +
                         r.subject.size() + r.rate_limit_policy.size();
  const size_t plain = r.client_ip.size() + r.method.size() + r.route.size() +
                       r.trace_id.size() + r.span_id.size();
  return kMaxFixedBytes + kMaxEscapedBytes * escaped + plain;
}

}  // namespace

std::string_view FormatAccessLogJson(const AccessLogRecord& record,
                                     std::string& buffer) {
  const size_t max_size = MaxLineSize(record);
  if (buffer.size() < max_size) buffer.resize(max_size);
  char* const start = buffer.data();
  char* p = Copy(start, "{\"time\":\"");
  p = Rfc3339Micros(p, record.time_unix_ns);
  *p++ = '"';
  p = String(p, "\"request_id\":", record.request_id);
  p = Plain(p, "\"client_ip\":", record.client_ip);
  p = Plain(p, "\"method\":", record.method);
  p = String(p, "\"path\":", record.target.substr(0, record.target.find('?')));
  p = Plain(p, "\"route\":", record.route.empty() ? "-" : record.route);
  p = Integer(p, "\"status\":", record.status);
  if (record.grpc_code >= 0) p = Integer(p, "\"grpc_code\":", record.grpc_code);
  p = DurationMs(p, record.duration_ns);
  p = Integer(p, "\"bytes_in\":", static_cast<int64_t>(record.bytes_in));
  p = Integer(p, "\"bytes_out\":", static_cast<int64_t>(record.bytes_out));
  p = String(p, "\"upstream_cluster\":", record.cluster);
  p = String(p, "\"upstream_endpoint\":", record.endpoint);
  if (record.plan_steps > 0) {
    p = Integer(p, "\"plan_steps\":", record.plan_steps);
  }
  p = String(p, "\"subject\":", record.subject);
  p = String(p, "\"rate_limit_policy\":", record.rate_limit_policy);
  p = Hex<32>(p, "\"trace_id\":", record.trace_id);
  p = Hex<16>(p, "\"span_id\":", record.span_id);
  p = Copy(p, "}\n");
  return std::string_view(start, static_cast<size_t>(p - start));
}

std::string FormatAccessLogJson(const AccessLogRecord& record) {
  std::string buffer;
  return std::string(FormatAccessLogJson(record, buffer));
}

}  // namespace protogate::observability
