#include "tools/demo/storefront_knobs.h"

#include <string>

#include "tools/demo/test_knobs.h"

namespace protogate::demo {
namespace {

constexpr std::string_view kNames[kStorefrontBackendCount] = {
    "catalog", "pricing", "inventory", "reviews"};

int Index(StorefrontBackend backend) { return static_cast<int>(backend); }

}  // namespace

std::string_view BackendName(StorefrontBackend backend) {
  return kNames[Index(backend)];
}

std::optional<StorefrontBackend> ParseBackendName(std::string_view name) {
  for (int i = 0; i < kStorefrontBackendCount; ++i) {
    if (kNames[i] == name) return static_cast<StorefrontBackend>(i);
  }
  return std::nullopt;
}

void StorefrontKnobs::SetDelay(StorefrontBackend backend,
                               absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  settings_[Index(backend)].delay = delay;
}

void StorefrontKnobs::SetFailure(StorefrontBackend backend,
                                 grpc::StatusCode code) {
  absl::MutexLock lock(&mu_);
  settings_[Index(backend)].fail = code;
}

grpc::Status StorefrontKnobs::Apply(StorefrontBackend backend,
                                    grpc::ServerContext& context) const {
  const std::string_view name = BackendName(backend);
  TestKnobOptions options;
  options.server_name = std::string(name);
  options.fail_message =
      "demo failure requested by --fail " + options.server_name;
  auto traceparent = context.client_metadata().find("traceparent");
  {
    absl::MutexLock lock(&mu_);
    options.delay = settings_[Index(backend)].delay;
    options.fail = settings_[Index(backend)].fail;
    ++calls_[Index(backend)];
    traceparents_.emplace_back(traceparent == context.client_metadata().end()
                                   ? std::string()
                                   : std::string(traceparent->second.data(),
                                                 traceparent->second.size()));
  }
  return ApplyTestKnobs(context, options);
}

int64_t StorefrontKnobs::calls(StorefrontBackend backend) const {
  absl::MutexLock lock(&mu_);
  return calls_[Index(backend)];
}

std::vector<std::string> StorefrontKnobs::traceparents() const {
  absl::MutexLock lock(&mu_);
  return traceparents_;
}

}  // namespace protogate::demo
