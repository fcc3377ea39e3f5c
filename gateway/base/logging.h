// Minimal leveled logging to stderr, one line per call.
//
// Thread safety: Log() may be called from any thread; lines never interleave.
// The minimum level is process-wide and set once at start-up (SetMinLogLevel).
//
// Example:
//   PG_LOG(kInfo) << "listening on " << address;
#pragma once

#include <sstream>
#include <string_view>

namespace protogate::base {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Lines below `level` are dropped. Default: kInfo.
void SetMinLogLevel(LogLevel level);
bool ShouldLog(LogLevel level);
// Writes "<time> <L> <message>\n" to stderr atomically.
void Log(LogLevel level, std::string_view message);

// Collects one line and logs it when destroyed.
class LogLine {
 public:
  explicit LogLine(LogLevel level) : level_(level) {}
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;
  ~LogLine() { Log(level_, stream_.str()); }
  std::ostream& stream() { return stream_; }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};

}  // namespace protogate::base

#define PG_LOG(level)                                                      \
  if (!::protogate::base::ShouldLog(::protogate::base::LogLevel::level)) { \
  } else                                                                   \
    ::protogate::base::LogLine(::protogate::base::LogLevel::level).stream()
