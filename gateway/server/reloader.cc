#include "gateway/server/reloader.h"

#include <sys/stat.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/base/logging.h"
#include "gateway/base/status_macros.h"
#include "gateway/base/strings.h"
#include "gateway/upstream/reflection_client.h"

namespace protogate::server {
namespace {

// What a change of the file changes: "inode size mtime", or "" if absent.
std::string Stamp(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return "";
  return absl::StrCat(st.st_ino, " ", st.st_size, " ", st.st_mtim.tv_sec, ".",
                      st.st_mtim.tv_nsec);
}

// How often the background thread wakes: the shortest of the intervals.
absl::Duration Tick(const ReloaderOptions& options) {
  absl::Duration tick = options.watch_interval > absl::ZeroDuration()
                            ? options.watch_interval
                            : absl::InfiniteDuration();
  for (const ReflectionSourceSpec& source : options.reflection) {
    if (source.refresh_interval > absl::ZeroDuration()) {
      tick = std::min(tick, source.refresh_interval);
    }
  }
  return std::max(tick, absl::Milliseconds(10));
}

bool Same(const proxy::ReflectedDescriptors& a,
          const proxy::ReflectedDescriptors& b) {
  return a.target == b.target && a.services == b.services && a.files == b.files;
}

}  // namespace

Reloader::Reloader(ReloaderOptions options) : options_(std::move(options)) {}

Reloader::~Reloader() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<proxy::ReflectedDescriptors> Reloader::Fetch(
    size_t index) const {
  const std::string& target = options_.reflection[index].target;
  PG_ASSIGN_OR_RETURN(upstream::ReflectionResult result,
                      upstream::FetchReflection(
                          target, {.timeout = options_.reflection_timeout}));
  return proxy::ReflectedDescriptors{.target = target,
                                     .services = std::move(result.services),
                                     .files = std::move(result.files)};
}

absl::StatusOr<std::unique_ptr<Reloader>> Reloader::Create(
    ReloaderOptions options) {
  std::unique_ptr<Reloader> reloader(new Reloader(std::move(options)));
  std::vector<proxy::ReflectedDescriptors> reflected;
  for (size_t i = 0; i < reloader->options_.reflection.size(); ++i) {
    PG_ASSIGN_OR_RETURN(proxy::ReflectedDescriptors r, reloader->Fetch(i));
    reflected.push_back(std::move(r));
  }
  proxy::SnapshotOptions first = reloader->options_.initial;
  first.reflected = reflected;
  PG_ASSIGN_OR_RETURN(reloader->initial_, proxy::Snapshot::Build(first));
  absl::MutexLock lock(&reloader->mu_);
  reloader->current_ = reloader->initial_;
  reloader->rejected_.resize(reflected.size());
  reloader->reflected_ = std::move(reflected);
  reloader->RecordWatchedFiles();
  return reloader;
}

void Reloader::Start(Gateway& gateway) {
  gateway_ = &gateway;
  thread_ = std::thread([this] { Run(); });
}

void Reloader::RecordWatchedFiles() {
  std::vector<std::string> files = options_.watched_files;
  files.insert(files.end(), current_->source_files().begin(),
               current_->source_files().end());
  std::map<std::string, std::string> stamps;
  for (const std::string& file : files) {
    auto it = stamps_.find(file);
    stamps[file] = it != stamps_.end() ? it->second : Stamp(file);
  }
  stamps_ = std::move(stamps);
}

absl::Status Reloader::Build(
    std::string_view cause,
    std::vector<proxy::ReflectedDescriptors> reflected) {
  absl::StatusOr<proxy::SnapshotOptions> options = options_.next();
  if (options.ok()) options->reflected = reflected;
  absl::StatusOr<std::shared_ptr<const proxy::Snapshot>> next =
      options.ok() ? proxy::Snapshot::Build(*options)
                   : absl::StatusOr<std::shared_ptr<const proxy::Snapshot>>(
                         options.status());
  if (options_.on_reload) options_.on_reload(cause, next.ok());
  if (!next.ok()) {
    PG_LOG(kError) << "reload rejected (" << cause
                   << "), still serving the previous configuration: "
                   << next.status().message();
    return next.status();
  }
  current_ = *next;
  reflected_ = std::move(reflected);
  // What was rejected may build now (e.g. the config file was repaired).
  for (proxy::ReflectedDescriptors& r : rejected_)
    r = proxy::ReflectedDescriptors{};
  gateway_->SetSnapshot(*std::move(next));
  RecordWatchedFiles();
  PG_LOG(kInfo) << "reloaded (" << cause << ")";
  return absl::OkStatus();
}

absl::Status Reloader::Reload(std::string_view cause) {
  std::vector<proxy::ReflectedDescriptors> fetched;
  for (size_t i = 0; i < options_.reflection.size(); ++i) {
    absl::StatusOr<proxy::ReflectedDescriptors> r = Fetch(i);
    if (!r.ok()) {
      PG_LOG(kWarning) << "reload (" << cause << "): " << r.status().message()
                       << "; keeping the previous descriptors of "
                       << options_.reflection[i].target;
    }
    fetched.push_back(r.ok() ? *std::move(r) : proxy::ReflectedDescriptors{});
  }
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < fetched.size(); ++i) {
    if (fetched[i].target.empty()) fetched[i] = reflected_[i];
  }
  // Changes seen so far are part of this reload.
  for (auto& [file, stamp] : stamps_) stamp = Stamp(file);
  change_pending_ = false;
  return Build(cause, std::move(fetched));
}

void Reloader::CheckFiles() {
  absl::MutexLock lock(&mu_);
  std::string changed;
  for (auto& [file, stamp] : stamps_) {
    std::string now = Stamp(file);
    if (now != stamp) {
      stamp = std::move(now);
      changed = file;
    }
  }
  if (!changed.empty()) {
    change_pending_ = true;  // Wait for a quiet interval.
    return;
  }
  if (!change_pending_) return;
  change_pending_ = false;
  Build("file change", reflected_).IgnoreError();
}

void Reloader::RefreshReflection(size_t index) {
  absl::StatusOr<proxy::ReflectedDescriptors> fetched = Fetch(index);
  // Logged once per distinct error, not every interval.
  std::string& last_error = refresh_errors_[index];
  if (!fetched.ok()) {
    if (last_error != fetched.status().message()) {
      last_error = std::string(fetched.status().message());
      PG_LOG(kWarning) << "reflection refresh failed, keeping the previous "
                          "descriptors: "
                       << last_error;
    }
    return;
  }
  if (!last_error.empty()) {
    last_error.clear();
    PG_LOG(kInfo) << "reflection refresh of "
                  << options_.reflection[index].target << " works again";
  }
  absl::MutexLock lock(&mu_);
  if (Same(*fetched, reflected_[index]) || Same(*fetched, rejected_[index])) {
    return;
  }
  std::vector<proxy::ReflectedDescriptors> reflected = reflected_;
  reflected[index] = *fetched;
  absl::Status built = Build(
      absl::StrCat("reflection change: ", options_.reflection[index].target),
      std::move(reflected));
  rejected_[index] =
      built.ok() ? proxy::ReflectedDescriptors{} : *std::move(fetched);
}

void Reloader::Run() {
  const absl::Duration tick = Tick(options_);
  const absl::Time start = absl::Now();
  absl::Time next_watch = start + options_.watch_interval;
  refresh_errors_.resize(options_.reflection.size());
  std::vector<absl::Time> next_refresh;
  for (const ReflectionSourceSpec& source : options_.reflection) {
    next_refresh.push_back(start + source.refresh_interval);
  }
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), tick)) return;
    }
    const absl::Time now = absl::Now();
    if (options_.watch_interval > absl::ZeroDuration() && now >= next_watch) {
      CheckFiles();
      next_watch = now + options_.watch_interval;
    }
    for (size_t i = 0; i < next_refresh.size(); ++i) {
      if (options_.reflection[i].refresh_interval <= absl::ZeroDuration() ||
          now < next_refresh[i]) {
        continue;
      }
      RefreshReflection(i);
      next_refresh[i] = absl::Now() + options_.reflection[i].refresh_interval;
    }
  }
}

}  // namespace protogate::server
