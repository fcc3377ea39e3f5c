// Reloader: builds the snapshots the Gateway serves and swaps new ones in —
// on SIGHUP (Reload()), when a watched file changes, and when a reflection
// source starts serving different descriptors. All three take the same
// path: the next SnapshotOptions are made (re-reading --config), the
// reflected descriptors filled in, the snapshot built and validated
// completely off the request path, then swapped atomically. A failed build
// is logged ("reload rejected (CAUSE), still serving the previous
// configuration: ERROR") and the previous snapshot keeps serving; a good
// one is logged as "reloaded (CAUSE)".
//
// File watching polls: every `watch_interval` each watched file (the config
// file and every file the current snapshot was read from: descriptor sets,
// .proto files and their imports) is stat()ed; a change of inode, size or
// mtime (or the file appearing or vanishing) marks it changed. The reload
// starts only once a whole interval passed without further change
// (debounce), so a file still being written is not loaded; if it is loaded
// half-written anyway, the reload is rejected and the finished file's
// change triggers the next one. Polling, not inotify: it needs no extra
// descriptors, sees atomic renames and symlink swaps (ConfigMaps) alike and
// costs a few stat() calls per interval.
//
// Reflection: each source is fetched again every `refresh_interval`. If the
// listed services or any file differ from the ones the current snapshot was
// built with, the snapshot is rebuilt (once per distinct fetched set: a
// rejected set is not retried until the source changes again or another
// reload succeeds). A failed fetch is logged (once per distinct error) and
// the previous descriptors of that source are kept (also on SIGHUP and file
// reloads); at start-up it is an error.
//
// Thread safety: Reload() may be called from any thread; reloads are
// serialized. The background thread runs between Start() and destruction.
// Ownership: borrows the Gateway given to Start(), which must outlive the
// Reloader.
//
// Example:
//   PG_ASSIGN_OR_RETURN(auto reloader, Reloader::Create(std::move(options)));
//   Gateway gateway(reloader->initial_snapshot(), {});
//   reloader->Start(gateway);
//   ... on SIGHUP: reloader->Reload("SIGHUP");
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/config/defaults.h"
#include "gateway/proxy/snapshot.h"
#include "gateway/server/gateway.h"

namespace protogate::server {

// A gRPC server whose services and descriptors are read through server
// reflection (config `descriptors.reflection`, --reflection).
struct ReflectionSourceSpec {
  std::string target;  // Any gRPC target: "host:port", "dns:///host:port".
  // How often the descriptors are fetched again; zero: never.
  absl::Duration refresh_interval = absl::ZeroDuration();
};

struct ReloaderOptions {
  // The options of the first snapshot.
  proxy::SnapshotOptions initial;
  // The options of every later snapshot (re-reading the config file).
  absl::AnyInvocable<absl::StatusOr<proxy::SnapshotOptions>()> next;
  std::vector<ReflectionSourceSpec> reflection;
  // Watched besides the snapshot's source files (the config file).
  std::vector<std::string> watched_files;
  // Zero: files are not watched.
  absl::Duration watch_interval = config::kDefaultWatchInterval;
  absl::Duration reflection_timeout = absl::Seconds(10);
  // Told about every reload after the first: its trigger ("SIGHUP", "file
  // change", ...) and whether the new snapshot went live. May be empty.
  std::function<void(std::string_view trigger, bool ok)> on_reload;
};

class Reloader {
 public:
  // Fetches every reflection source and builds the first snapshot; returns
  // the first error (naming the source, file or setting at fault).
  static absl::StatusOr<std::unique_ptr<Reloader>> Create(
      ReloaderOptions options);
  ~Reloader();  // Stops and joins the background thread.
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  // The first snapshot. Valid before Start().
  std::shared_ptr<const proxy::Snapshot> initial_snapshot() const {
    return initial_;
  }

  // Starts watching and refreshing; new snapshots go to `gateway`.
  // REQUIRES: called once.
  void Start(Gateway& gateway);

  // Rebuilds now, fetching every reflection source again; logs the outcome
  // with `cause` and returns the build's status. REQUIRES: Start() was
  // called.
  absl::Status Reload(std::string_view cause);

 private:
  explicit Reloader(ReloaderOptions options);
  absl::Status Build(std::string_view cause,
                     std::vector<proxy::ReflectedDescriptors> reflected)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RecordWatchedFiles() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Run();
  void CheckFiles();
  void RefreshReflection(size_t index);
  absl::StatusOr<proxy::ReflectedDescriptors> Fetch(size_t index) const;

  ReloaderOptions options_;
  std::shared_ptr<const proxy::Snapshot> initial_;
  Gateway* gateway_ = nullptr;
  std::thread thread_;
  // By source, the last refresh error logged. Used by thread_ only.
  std::vector<std::string> refresh_errors_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::shared_ptr<const proxy::Snapshot> current_ ABSL_GUARDED_BY(mu_);
  // The reflected descriptors current_ was built with, by source.
  std::vector<proxy::ReflectedDescriptors> reflected_ ABSL_GUARDED_BY(mu_);
  // By source: the last fetched descriptors whose snapshot was rejected, so
  // that the same bad descriptors are not rebuilt every interval.
  std::vector<proxy::ReflectedDescriptors> rejected_ ABSL_GUARDED_BY(mu_);
  // Watched file -> "inode size mtime" when last looked at.
  std::map<std::string, std::string> stamps_ ABSL_GUARDED_BY(mu_);
  bool change_pending_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace protogate::server
