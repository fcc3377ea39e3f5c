#include "expr/conversions.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "expr/functions.h"
#include "gateway/base/strings.h"

namespace protogate::expr {
namespace {

using VK = ValueKind;

Value Err(std::string_view what) {
  return Value::Error(absl::InvalidArgumentError(base::ToAbsl(what)));
}

absl::Time MinTime() {
  return absl::FromCivil(absl::CivilSecond(1, 1, 1, 0, 0, 0),
                         absl::UTCTimeZone());
}
absl::Time MaxTime() {
  return absl::FromCivil(absl::CivilSecond(9999, 12, 31, 23, 59, 59),
                         absl::UTCTimeZone()) +
         absl::Nanoseconds(999999999);
}

Value CheckedTime(absl::Time t) {
  if (t < MinTime() || t > MaxTime()) return Err("timestamp out of range");
  return Value::Timestamp(t);
}

// Durations are int64 nanoseconds, as in cel-go (about +-292 years).
Value CheckedDuration(absl::Duration d) {
  if (d > absl::Nanoseconds(std::numeric_limits<int64_t>::max()) ||
      d < absl::Nanoseconds(std::numeric_limits<int64_t>::min())) {
    return Err("duration out of range");
  }
  return Value::Duration(d);
}

// The shortest text that reads back as `d` (Go's FormatFloat 'g', -1).
std::string FormatDouble(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  char buf[64];
  for (int p = 1; p <= 17; ++p) {
    std::snprintf(buf, sizeof(buf), "%.*g", p, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  return buf;
}

std::string FormatTimestamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

std::string FormatDurationSeconds(absl::Duration d) {
  const int64_t nanos = absl::ToInt64Nanoseconds(d);
  std::string out = absl::StrCat(nanos / 1000000000);
  int64_t frac = std::abs(nanos % 1000000000);
  if (nanos < 0 && nanos > -1000000000) out = "-0";
  if (frac != 0) {
    std::string digits = absl::StrFormat("%09d", frac);
    while (digits.back() == '0') digits.pop_back();
    absl::StrAppend(&out, ".", digits);
  }
  return out + "s";
}

bool ValidUtf8(std::string_view s) {
  static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = s[i];
    int n = 0;
    uint32_t cp = c;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c >> 5) == 6) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c >> 4) == 14) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c >> 3) == 30) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (int k = 1; k <= n; ++k) {
      const unsigned char cc = s[i + k];
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000))
      return false;
    i += n + 1;
  }
  return true;
}

Value ToInt(const Node& n, const Value& a) {
  switch (a.kind()) {
    case VK::kInt:
      return a;
    case VK::kUint:
      if (a.uint_value() > static_cast<uint64_t>(INT64_MAX))
        return Err("integer overflow");
      return Value::Int(static_cast<int64_t>(a.uint_value()));
    case VK::kDouble: {
      const double d = a.double_value();
      if (!(d > -9223372036854775808.0 && d < 9223372036854775807.0))
        return Err("integer overflow");
      return Value::Int(static_cast<int64_t>(d));
    }
    case VK::kString: {
      int64_t i = 0;
      if (!absl::SimpleAtoi(base::ToAbsl(a.string_value()), &i) ||
          absl::ascii_isspace(a.string_value().front())) {
        return Err("cannot convert string to int");
      }
      return Value::Int(i);
    }
    case VK::kTimestamp:
      return Value::Int(absl::ToUnixSeconds(a.time_value()));
    default:
      return NoSuchOverload(n);
  }
}

Value ToUint(const Node& n, const Value& a) {
  switch (a.kind()) {
    case VK::kUint:
      return a;
    case VK::kInt:
      if (a.int_value() < 0) return Err("unsigned integer overflow");
      return Value::Uint(static_cast<uint64_t>(a.int_value()));
    case VK::kDouble: {
      const double d = a.double_value();
      if (!(d > -1.0 && d < 18446744073709551616.0))
        return Err("unsigned integer overflow");
      return Value::Uint(static_cast<uint64_t>(d));
    }
    case VK::kString: {
      uint64_t u = 0;
      if (a.string_value().empty() ||
          !absl::ascii_isdigit(a.string_value()[0]) ||
          !absl::SimpleAtoi(base::ToAbsl(a.string_value()), &u)) {
        return Err("cannot convert string to uint");
      }
      return Value::Uint(u);
    }
    default:
      return NoSuchOverload(n);
  }
}

Value ToDouble(const Node& n, const Value& a) {
  switch (a.kind()) {
    case VK::kDouble:
      return a;
    case VK::kInt:
      return Value::Double(static_cast<double>(a.int_value()));
    case VK::kUint:
      return Value::Double(static_cast<double>(a.uint_value()));
    case VK::kString: {
      const std::string text(a.string_value());
      char* end = nullptr;
      const double d = std::strtod(text.c_str(), &end);
      if (text.empty() || absl::ascii_isspace(text[0]) ||
          end != text.c_str() + text.size()) {
        return Err("cannot convert string to double");
      }
      return Value::Double(d);
    }
    default:
      return NoSuchOverload(n);
  }
}

Value ToString(const Node& n, const Value& a) {
  switch (a.kind()) {
    case VK::kString:
      return a;
    case VK::kInt:
      return Value::String(absl::StrCat(a.int_value()));
    case VK::kUint:
      return Value::String(absl::StrCat(a.uint_value()));
    case VK::kDouble:
      return Value::String(FormatDouble(a.double_value()));
    case VK::kBool:
      return Value::String(a.bool_value() ? "true" : "false");
    case VK::kBytes:
      if (!ValidUtf8(a.string_value())) return Err("invalid UTF-8 in bytes");
      return Value::String(std::string(a.string_value()));
    case VK::kTimestamp:
      return Value::String(FormatTimestamp(a.time_value()));
    case VK::kDuration:
      return Value::String(FormatDurationSeconds(a.duration_value()));
    default:
      return NoSuchOverload(n);
  }
}

Value ToBool(const Node& n, const Value& a) {
  if (a.kind() == VK::kBool) return a;
  if (a.kind() != VK::kString) return NoSuchOverload(n);
  static constexpr std::string_view kTrue[] = {"1", "t", "true", "TRUE",
                                               "True"};
  static constexpr std::string_view kFalse[] = {"0", "f", "false", "FALSE",
                                                "False"};
  for (std::string_view s : kTrue) {
    if (a.string_value() == s) return Value::Bool(true);
  }
  for (std::string_view s : kFalse) {
    if (a.string_value() == s) return Value::Bool(false);
  }
  return Err("cannot convert string to bool");
}

Value ToTimestamp(const Node& n, const Value& a) {
  switch (a.kind()) {
    case VK::kTimestamp:
      return a;
    case VK::kInt:
      return CheckedTime(absl::FromUnixSeconds(a.int_value()));
    case VK::kString: {
      absl::Time t;
      std::string err;
      if (!absl::ParseTime(absl::RFC3339_full, base::ToAbsl(a.string_value()),
                           &t, &err)) {
        return Err("cannot parse timestamp");
      }
      return CheckedTime(t);
    }
    default:
      return NoSuchOverload(n);
  }
}

Value ToDuration(const Node& n, const Value& a) {
  if (a.kind() == VK::kDuration) return a;
  if (a.kind() != VK::kString) return NoSuchOverload(n);
  absl::Duration d;
  if (!absl::ParseDuration(base::ToAbsl(a.string_value()), &d) ||
      d == absl::InfiniteDuration() || d == -absl::InfiniteDuration()) {
    return Err("cannot parse duration");
  }
  return CheckedDuration(d);
}

absl::StatusOr<absl::TimeZone> Zone(const Value& name) {
  const std::string_view s = name.string_value();
  if (!s.empty() && (s[0] == '+' || s[0] == '-' || absl::ascii_isdigit(s[0]))) {
    const bool sign = !absl::ascii_isdigit(s[0]);
    const std::string_view hm = s.substr(sign ? 1 : 0);
    int h = 0, m = 0;
    if (hm.size() != 5 || hm[2] != ':' ||
        !absl::SimpleAtoi(base::ToAbsl(hm.substr(0, 2)), &h) ||
        !absl::SimpleAtoi(base::ToAbsl(hm.substr(3, 2)), &m)) {
      return absl::InvalidArgumentError("bad time zone offset");
    }
    const int secs = (h * 3600 + m * 60) * (s[0] == '-' ? -1 : 1);
    return absl::FixedTimeZone(secs);
  }
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(std::string(s), &tz)) {
    return absl::InvalidArgumentError("unknown time zone");
  }
  return tz;
}

Value DurationPart(const Node& n, absl::Duration d) {
  switch (n.fn) {
    case Fn::kGetHours:
      return Value::Int(absl::ToInt64Hours(d));
    case Fn::kGetMinutes:
      return Value::Int(absl::ToInt64Minutes(d));
    case Fn::kGetSeconds:
      return Value::Int(absl::ToInt64Seconds(d));
    case Fn::kGetMilliseconds:
      return Value::Int(absl::ToInt64Milliseconds(d) % 1000);
    default:
      return NoSuchOverload(n);
  }
}

Value TimePart(const Node& n, absl::Span<const Value> args) {
  if (args[0].kind() == VK::kDuration && args.size() == 1) {
    return DurationPart(n, args[0].duration_value());
  }
  if (args[0].kind() != VK::kTimestamp) return NoSuchOverload(n);
  absl::TimeZone tz = absl::UTCTimeZone();
  if (args.size() == 2) {
    if (args[1].kind() != VK::kString) return NoSuchOverload(n);
    absl::StatusOr<absl::TimeZone> z = Zone(args[1]);
    if (!z.ok()) return Value::Error(z.status());
    tz = *z;
  }
  const absl::TimeZone::CivilInfo c = tz.At(args[0].time_value());
  switch (n.fn) {
    case Fn::kGetFullYear:
      return Value::Int(c.cs.year());
    case Fn::kGetMonth:
      return Value::Int(c.cs.month() - 1);
    case Fn::kGetDayOfYear:
      return Value::Int(absl::GetYearDay(absl::CivilDay(c.cs)) - 1);
    case Fn::kGetDayOfMonth:
      return Value::Int(c.cs.day() - 1);
    case Fn::kGetDate:
      return Value::Int(c.cs.day());
    case Fn::kGetDayOfWeek: {
      // absl::Weekday starts at Monday; CEL's week starts at Sunday = 0.
      const int wd = static_cast<int>(absl::GetWeekday(absl::CivilDay(c.cs)));
      return Value::Int((wd + 1) % 7);
    }
    case Fn::kGetHours:
      return Value::Int(c.cs.hour());
    case Fn::kGetMinutes:
      return Value::Int(c.cs.minute());
    case Fn::kGetSeconds:
      return Value::Int(c.cs.second());
    case Fn::kGetMilliseconds:
      return Value::Int(absl::ToInt64Milliseconds(c.subsecond));
    default:
      return NoSuchOverload(n);
  }
}

}  // namespace

Value Convert(const Node& n, absl::Span<const Value> args) {
  const Value& a = args[0];
  switch (n.fn) {
    case Fn::kToInt:
      return ToInt(n, a);
    case Fn::kToUint:
      return ToUint(n, a);
    case Fn::kToDouble:
      return ToDouble(n, a);
    case Fn::kToString:
      return ToString(n, a);
    case Fn::kToBool:
      return ToBool(n, a);
    case Fn::kToBytes:
      if (a.kind() == VK::kBytes) return a;
      if (a.kind() != VK::kString) return NoSuchOverload(n);
      return Value::Bytes(std::string(a.string_value()));
    case Fn::kToTimestamp:
      return ToTimestamp(n, a);
    case Fn::kToDuration:
      return ToDuration(n, a);
    default:
      return TimePart(n, args);
  }
}

Value TimeArithmetic(const Node& n, const Value& a, const Value& b) {
  const VK x = a.kind(), y = b.kind();
  const bool add = n.fn == Fn::kAdd, sub = n.fn == Fn::kSub;
  if (x == VK::kTimestamp && y == VK::kDuration && (add || sub)) {
    return CheckedTime(add ? a.time_value() + b.duration_value()
                           : a.time_value() - b.duration_value());
  }
  if (x == VK::kDuration && y == VK::kTimestamp && add) {
    return CheckedTime(b.time_value() + a.duration_value());
  }
  if (x == VK::kDuration && y == VK::kDuration && (add || sub)) {
    return CheckedDuration(add ? a.duration_value() + b.duration_value()
                               : a.duration_value() - b.duration_value());
  }
  if (x == VK::kTimestamp && y == VK::kTimestamp && sub) {
    return CheckedDuration(a.time_value() - b.time_value());
  }
  return NoSuchOverload(n);
}

}  // namespace protogate::expr
