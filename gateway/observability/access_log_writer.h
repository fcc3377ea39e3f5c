// AccessLogWriter: appends access-log lines to a file (or stdout) from its
// own thread, so that request threads never wait on the disk or on a
// stalled reader.
//
// Append() copies a line into a bounded byte buffer and returns at once;
// when the buffer holds `buffer_bytes`, the line is dropped and counted
// (dropped()). The writer thread swaps the whole buffer for its empty one
// (the two keep their capacity: no allocation per line once warm) and
// writes it with non-blocking writes, waiting in poll() for room (a pipe
// nobody reads stalls only this thread). Reopen() (SIGUSR1, after logrotate
// moved the file) makes the thread close and reopen the path before its next
// write.
//
// Thread safety: every method may be called from any thread. Append()
// holds the buffer's mutex for one memcpy of the line (the thread waits on
// a CondVar, so Append's unlock stays on absl::Mutex's fast path).
// Ownership: the writer owns its thread and file; destruction writes what
// is buffered for at most `close_timeout`, then drops the rest.
//
// Example:
//   PG_ASSIGN_OR_RETURN(auto log, AccessLogWriter::Open({.path = "-"}));
//   log->Append(FormatAccessLogJson(record));
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace protogate::observability {

struct AccessLogOptions {
  std::string path = "-";  // "-": standard output; else a file (appended).
  size_t buffer_bytes = 4 << 20;
  // Lines wait at most this long before the thread writes them (sooner
  // once a quarter of the buffer is used): requests do not wake the thread.
  // Each wake-up and write() has a fixed cost (the kernel's work on the
  // file's inode and journal, the thread's cold caches), so fewer, larger
  // batches cost less per line: 0.27-0.48 µs at 50 ms, 0.11-0.16 at
  // 250 ms, about 0.10 at 1 s (5-7k lines a second).
  absl::Duration flush_interval = absl::Milliseconds(250);
  absl::Duration close_timeout = absl::Seconds(1);
};

class AccessLogWriter {
 public:
  // Opens (creates) the file and starts the thread. FailedPrecondition
  // when the file cannot be opened (the message names `path`).
  static absl::StatusOr<std::unique_ptr<AccessLogWriter>> Open(
      AccessLogOptions options);
  ~AccessLogWriter();
  AccessLogWriter(const AccessLogWriter&) = delete;
  AccessLogWriter& operator=(const AccessLogWriter&) = delete;

  // Queues a copy of `line` (which should end in "\n"). False when the
  // buffer was full and the line was dropped. Never blocks on I/O.
  bool Append(std::string_view line);
  // Reopens the path before the next write (a no-op for standard output).
  void Reopen();

  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  uint64_t written() const { return written_.load(std::memory_order_relaxed); }
  // Lines waiting in the buffer (for tests and metrics).
  size_t buffered_lines() const;

 private:
  enum class Phase { kRunning, kStopping };

  AccessLogWriter(AccessLogOptions options, int fd, int wake_fd);
  void Run();
  // Writes `lines` lines of `batch` to fd_ and counts them; false when
  // stopping past the close deadline (the rest is counted as dropped).
  bool WriteAll(const std::string& batch, size_t lines);
  // Bytes of `data` written before an error or the close deadline.
  size_t WriteFully(std::string_view data);
  void ReopenFile();
  void Wake();

  const AccessLogOptions options_;
  const size_t flush_bytes_;  // Wake the thread early from this many on.
  int fd_;                    // Written only by the thread.
  const int wake_fd_;         // eventfd: wakes the thread's poll().
  mutable absl::Mutex mu_;
  absl::CondVar ready_;  // Signalled at flush_bytes_, reopen and stop.
  std::string pending_ ABSL_GUARDED_BY(mu_);  // Whole lines.
  size_t pending_lines_ ABSL_GUARDED_BY(mu_) = 0;
  bool reopen_ ABSL_GUARDED_BY(mu_) = false;
  Phase phase_ ABSL_GUARDED_BY(mu_) = Phase::kRunning;
  absl::Time close_deadline_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> written_{0};
  std::thread thread_;
};

}  // namespace protogate::observability
