// Text forms of protobuf scalar values in proto3 JSON: base64, UTF-8
// validation, numbers, timestamps, durations and field-mask paths.
//
// Thread safety: stateless functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace protogate::transcoding {

// Standard base64 with padding.
void Base64Encode(std::string_view bytes, std::string* out);
// Standard or URL-safe alphabet, padded or not. False on invalid input.
bool Base64Decode(std::string_view text, std::string* out);

// Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(std::string_view s);

// True when `s` is printable ASCII without '"' or '\\': valid UTF-8 that a
// JSON string holds unescaped (the common case, checked 8 bytes at a time).
bool IsPlainJsonAscii(std::string_view s);
// `s` (valid UTF-8) as a quoted JSON string literal, escaped by RapidJSON's
// writer ('"', '\\' and control characters).
std::string JsonQuote(std::string_view s);

// RapidJSON 1.1.0's SSE2 string scan (RAPIDJSON_SSE2, set for x86-64 in
// CMakeLists.txt) compares bytes with 0x19 instead of 0x1F, so 0x1A..0x1F
// inside a 16-byte run are written unescaped: invalid JSON (fixed upstream
// after 1.1.0, which Debian 12 ships). True when `s` holds such a byte;
// every writer of untrusted strings then writes JsonQuoteEveryControl(s)
// as a raw string value instead.
bool HasRapidJsonSse2Miss(std::string_view s);
// `s` (valid UTF-8) quoted, with '"', '\\' and every control character
// escaped as RapidJSON escapes them (\b \t \n \f \r, else \u00XX).
std::string JsonQuoteEveryControl(std::string_view s);

// True when `s` follows the JSON number grammar.
bool IsJsonNumber(std::string_view s);

// Integers in JSON: exact decimal integers, or any JSON number whose value is
// integral. Returns false when malformed, non-integral or out of range.
bool ParseJsonInt64(std::string_view s, int64_t min, int64_t max, int64_t* v);
bool ParseJsonUint64(std::string_view s, uint64_t max, uint64_t* v);
// A JSON number (or "NaN", "Infinity", "-Infinity" when `allow_special`)
// as double; false when malformed or out of double range.
bool ParseJsonDouble(std::string_view s, bool allow_special, double* v);
// Shortest text that reads back as the same value; "NaN"/"Infinity" for
// non-finite values (callers quote those).
std::string FormatDouble(double v);
std::string FormatFloat(float v);

// RFC 3339 timestamps between 0001-01-01 and 9999-12-31.
bool ParseTimestamp(std::string_view s, int64_t* seconds, int32_t* nanos);
absl::Status FormatTimestamp(int64_t seconds, int32_t nanos, std::string* out);
// "1.5s", "-0.000000001s".
bool ParseDuration(std::string_view s, int64_t* seconds, int32_t* nanos);
absl::Status FormatDuration(int64_t seconds, int32_t nanos, std::string* out);
// FieldMask path conversions between "foo_bar.baz" and "fooBar.baz".
// ToJson fails for paths that cannot come back from the JSON form: empty,
// with a ',' (the JSON separator), with upper case or a '_' not before a
// lower-case letter.
bool FieldMaskPathToJson(std::string_view path, std::string* out);
bool FieldMaskPathFromJson(std::string_view path, std::string* out);

}  // namespace protogate::transcoding
