// Timestamp and Duration text forms (part of text_codecs.h).
#include <cstdio>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gateway/transcoding/text_codecs.h"

namespace protogate::transcoding {
namespace {

constexpr int64_t kMinTimestamp = -62135596800;  // 0001-01-01T00:00:00Z
constexpr int64_t kMaxTimestamp = 253402300799;  // 9999-12-31T23:59:59Z
constexpr int64_t kMaxDuration = 315576000000;

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` digits at `*pos`.
bool Digits(std::string_view s, size_t* pos, int n, int64_t* v) {
  if (s.size() - *pos < static_cast<size_t>(n)) return false;
  int64_t r = 0;
  for (int i = 0; i < n; ++i) {
    const char c = s[*pos + i];
    if (!absl::ascii_isdigit(c)) return false;
    r = r * 10 + (c - '0');
  }
  *pos += n;
  *v = r;
  return true;
}

bool Expect(std::string_view s, size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

// Reads ".ddd" (1-9 digits) as nanoseconds, if present.
bool Fraction(std::string_view s, size_t* pos, int32_t* nanos) {
  *nanos = 0;
  if (*pos >= s.size() || s[*pos] != '.') return true;
  ++*pos;
  int count = 0;
  int64_t v = 0;
  while (*pos < s.size() && absl::ascii_isdigit(s[*pos])) {
    if (++count > 9) return false;
    v = v * 10 + (s[(*pos)++] - '0');
  }
  if (count == 0) return false;
  for (int i = count; i < 9; ++i) v *= 10;
  *nanos = static_cast<int32_t>(v);
  return true;
}

// Zone suffix: "Z" or "+hh:mm"/"-hh:mm"; returns the offset in seconds.
bool Zone(std::string_view s, size_t* pos, int64_t* offset) {
  if (Expect(s, pos, 'Z')) {
    *offset = 0;
    return true;
  }
  if (*pos >= s.size() || (s[*pos] != '+' && s[*pos] != '-')) return false;
  const int sign = s[(*pos)++] == '-' ? -1 : 1;
  int64_t hh = 0, mm = 0;
  if (!Digits(s, pos, 2, &hh) || !Expect(s, pos, ':') ||
      !Digits(s, pos, 2, &mm) || hh > 23 || mm > 59) {
    return false;
  }
  *offset = sign * (hh * 3600 + mm * 60);
  return true;
}

std::string NanosText(int32_t nanos) {
  if (nanos == 0) return "";
  char buf[32];
  if (nanos % 1000000 == 0) {
    std::snprintf(buf, sizeof(buf), ".%03d", nanos / 1000000);
  } else if (nanos % 1000 == 0) {
    std::snprintf(buf, sizeof(buf), ".%06d", nanos / 1000);
  } else {
    std::snprintf(buf, sizeof(buf), ".%09d", nanos);
  }
  return buf;
}

}  // namespace

bool ParseTimestamp(std::string_view s, int64_t* seconds, int32_t* nanos) {
  size_t pos = 0;
  int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0, offset = 0;
  if (!Digits(s, &pos, 4, &y) || !Expect(s, &pos, '-') ||
      !Digits(s, &pos, 2, &mo) || !Expect(s, &pos, '-') ||
      !Digits(s, &pos, 2, &d) || !Expect(s, &pos, 'T') ||
      !Digits(s, &pos, 2, &h) || !Expect(s, &pos, ':') ||
      !Digits(s, &pos, 2, &mi) || !Expect(s, &pos, ':') ||
      !Digits(s, &pos, 2, &se) || !Fraction(s, &pos, nanos) ||
      !Zone(s, &pos, &offset) || pos != s.size()) {
    return false;
  }
  if (y < 1 || mo < 1 || mo > 12 || d < 1 ||
      d > DaysInMonth(y, static_cast<int>(mo)) || h > 23 || mi > 59 ||
      se > 59) {
    return false;
  }
  const int64_t days =
      DaysFromCivil(y, static_cast<int>(mo), static_cast<int>(d));
  *seconds = days * 86400 + h * 3600 + mi * 60 + se - offset;
  return *seconds >= kMinTimestamp && *seconds <= kMaxTimestamp;
}

absl::Status FormatTimestamp(int64_t seconds, int32_t nanos, std::string* out) {
  if (seconds < kMinTimestamp || seconds > kMaxTimestamp || nanos < 0 ||
      nanos > 999999999) {
    return absl::InvalidArgumentError("timestamp out of range");
  }
  int64_t days = seconds / 86400;
  int64_t rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int64_t y;
  int m, d;
  CivilFromDays(days, &y, &m, &d);
  // "YYYY-MM-DDThh:mm:ss" written digit by digit (snprintf was a visible
  // share of printing a list of messages with timestamps). y is 1..9999.
  char buf[19];
  const auto put = [&buf](int at, int64_t value, int width) {
    for (int i = width - 1; i >= 0; --i) {
      buf[at + i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  put(0, y, 4);
  buf[4] = '-';
  put(5, m, 2);
  buf[7] = '-';
  put(8, d, 2);
  buf[10] = 'T';
  put(11, rem / 3600, 2);
  buf[13] = ':';
  put(14, rem / 60 % 60, 2);
  buf[16] = ':';
  put(17, rem % 60, 2);
  absl::StrAppend(out, absl::string_view(buf, sizeof(buf)), NanosText(nanos),
                  "Z");
  return absl::OkStatus();
}

bool ParseDuration(std::string_view s, int64_t* seconds, int32_t* nanos) {
  size_t pos = 0;
  const bool negative = Expect(s, &pos, '-');
  const size_t start = pos;
  int64_t secs = 0;
  while (pos < s.size() && absl::ascii_isdigit(s[pos])) {
    secs = secs * 10 + (s[pos++] - '0');
    if (secs > kMaxDuration) return false;
  }
  if (pos == start || !Fraction(s, &pos, nanos) || !Expect(s, &pos, 's') ||
      pos != s.size()) {
    return false;
  }
  *seconds = negative ? -secs : secs;
  if (negative) *nanos = -*nanos;
  return true;
}

absl::Status FormatDuration(int64_t seconds, int32_t nanos, std::string* out) {
  if (seconds < -kMaxDuration || seconds > kMaxDuration || nanos < -999999999 ||
      nanos > 999999999 || (seconds > 0 && nanos < 0) ||
      (seconds < 0 && nanos > 0)) {
    return absl::InvalidArgumentError("duration out of range");
  }
  if (seconds < 0 || nanos < 0) {
    out->push_back('-');
    seconds = -seconds;
    nanos = -nanos;
  }
  absl::StrAppend(out, seconds, NanosText(nanos), "s");
  return absl::OkStatus();
}

}  // namespace protogate::transcoding
